import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PARSE, STRICT } from '../../grammar/codes.js'

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')

describe('docs/language.md diagnostic table', () => {
  it('lists exactly the codes the front end can emit', () => {
    const doc = read('docs/language.md')
    const table = doc.slice(doc.indexOf('## Diagnostic codes'), doc.indexOf('## Limits'))
    const documented = new Set<string>()
    for (const m of table.matchAll(/^\| (LEX\d{3}|PARSE\d{3})(?:–(\d{3}))? \|/gm)) {
      const [, code, to] = m
      if (!code) continue
      if (to === undefined) documented.add(code)
      else for (let n = Number(code.slice(5)); n <= Number(to); n++) documented.add(`PARSE${n}`)
    }
    const lexCodes = new Set(read('grammar/lexer.ts').match(/LEX\d{3}/g))
    const emitted = new Set([...lexCodes, ...Object.values(PARSE), ...Object.values(STRICT)])
    expect([...documented].sort()).toEqual([...emitted].sort())
  })
})
