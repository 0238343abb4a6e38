/**
 * The Cedar golden corpus (test/golden-cedar): every case's expectations are recomputed from the
 * sources and compared with the files (regenerate with scripts/update-golden-cedar.mjs after a
 * build), and every expected `out.cedar` must parse with Cedar itself.
 */
import { checkParsePolicySet, checkParseSchema } from '@cedar-policy/cedar-wasm/nodejs'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileToCedar, verifyCedar } from '../../compiler/cedar/index.js'
import { compilePolicySet, parseSchema } from '../../compiler/index.js'
import { LineIndex } from '../../diagnostics/index.js'

const root = new URL('../golden-cedar/', import.meta.url).pathname
const cases = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(root, d.name, 'input.policy'))).map((d) => d.name).sort()

/** Keep in step with expectationsOf in scripts/update-golden-cedar.mjs. */
function expectationsOf(text: string, schemaJson: string | undefined, allowPartial: boolean): Record<string, string> {
  const schema = schemaJson === undefined ? undefined : parseSchema(JSON.parse(schemaJson))
  const compiled = compilePolicySet([{ name: 'input.policy', source: text }], schema === undefined ? {} : { schema })
  if (compiled.value === undefined) throw new Error(`input does not compile: ${JSON.stringify(compiled.files)}`)
  const out = compileToCedar(compiled.value, schema === undefined ? { allowPartial } : { allowPartial, schema })
  const index = new LineIndex(text)
  const diagnostics = out.diagnostics.map((d) => {
    const { start, end } = index.range(d.span)
    return { code: d.code, severity: d.severity, line: start.line, column: start.column, endLine: end.line, endColumn: end.column }
  })
  const omitted = out.omitted.map((o) => ({ id: o.id, kind: o.kind, replacement: o.replacement, codes: o.codes }))
  const files: Record<string, string> = { 'diagnostics.json': `${JSON.stringify({ diagnostics, omitted }, null, 2)}\n` }
  if (!diagnostics.some((d) => d.severity === 'error')) {
    expect(verifyCedar(out.text, out.schema)).toEqual([])
    files['out.cedar'] = out.text
    if (out.schema !== undefined) files['out.cedarschema.json'] = out.schema
  }
  return files
}

describe('Cedar golden corpus', () => {
  it('has accepted, partial and rejected cases', () => {
    expect(cases.filter((c) => c.startsWith('reject-')).length).toBeGreaterThanOrEqual(5)
    expect(cases.filter((c) => existsSync(join(root, c, 'out.cedar'))).length).toBeGreaterThanOrEqual(10)
  })

  for (const name of cases) {
    it(name, () => {
      const dir = join(root, name)
      const schemaPath = join(dir, 'schema.json')
      const files = expectationsOf(readFileSync(join(dir, 'input.policy'), 'utf8'), existsSync(schemaPath) ? readFileSync(schemaPath, 'utf8') : undefined, existsSync(join(dir, 'allow-partial')))
      for (const file of ['diagnostics.json', 'out.cedar', 'out.cedarschema.json']) {
        const path = join(dir, file)
        if (files[file] === undefined) expect(existsSync(path), `${name}/${file} is stale`).toBe(false)
        else expect(readFileSync(path, 'utf8'), `${name}/${file}`).toBe(files[file])
      }
      if (existsSync(join(dir, 'out.cedar'))) expect(checkParsePolicySet({ staticPolicies: readFileSync(join(dir, 'out.cedar'), 'utf8') })).toEqual({ type: 'success' })
      if (existsSync(join(dir, 'out.cedarschema.json'))) expect(checkParseSchema(JSON.parse(readFileSync(join(dir, 'out.cedarschema.json'), 'utf8')))).toEqual({ type: 'success' })
      if (name.startsWith('reject-')) expect(existsSync(join(dir, 'out.cedar'))).toBe(false)
    })
  }
})
