/** The CLI contract of `compile --target cedar`, in-process through `main(argv, io)`. */
import { checkParsePolicySet, checkParseSchema } from '@cedar-policy/cedar-wasm/nodejs'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'

let dir = ''

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', env: {}, cwd: dir }
  const code = await main(argv, io)
  return { code, out, err }
}

const SEED = readFileSync(new URL('../../examples/secure_data_access.policy', import.meta.url), 'utf8')

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-cedar-cli-'))
  writeFileSync(join(dir, 'seed.policy'), SEED)
  writeFileSync(join(dir, 'ok.policy'), 'policy ok {\n  allow: read if user.age >= 18\n  deny: delete\n}\n')
  writeFileSync(join(dir, 'lambda.policy'), 'policy lambda {\n  allow: read\n\n  allow: export if any(user.tags, t => t == "x")\n}\n')
})

afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('symbi-policy compile --target cedar', () => {
  it('writes policies.cedar that Cedar parses', async () => {
    const r = await run('compile', '--target', 'cedar', 'ok.policy', '-o', 'out')
    expect(r.code).toBe(0)
    expect(r.out).toContain('wrote out/policies.cedar')
    const text = readFileSync(join(dir, 'out', 'policies.cedar'), 'utf8')
    expect(checkParsePolicySet({ staticPolicies: text })).toEqual({ type: 'success' })
    expect(text).toContain('@id("ok.0")')
    expect(existsSync(join(dir, 'out', 'schema.cedarschema.json'))).toBe(false)
  })

  it('translates the seed secure_data_access.policy without a schema (type-uncertain membership is guarded)', async () => {
    // Issue 9 item 6: this was CEDAR009 on `user.need_to_know.contains(data.classification)`.
    const r = await run('compile', '--target', 'cedar', 'seed.policy', '-o', 'out')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    const text = readFileSync(join(dir, 'out', 'policies.cedar'), 'utf8')
    expect(text).toContain('(context.data.classification like "*") && context.user.need_to_know.contains(context.data.classification)')
    expect(checkParsePolicySet({ staticPolicies: text })).toEqual({ type: 'success' })
  })

  it('refuses untranslatable rules with located CEDAR diagnostics and writes nothing', async () => {
    const r = await run('compile', '--target', 'cedar', 'lambda.policy', '-o', 'out')
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^lambda\.policy:4:20: error\[CEDAR001\]: /m)
    expect(r.err).toContain('--allow-partial')
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })

  it('--allow-partial translates the rest and lists what was left out', async () => {
    const r = await run('compile', '--target', 'cedar', '.', '-o', 'out', '--allow-partial')
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/warning\[CEDAR001\]/)
    expect(r.out).toMatch(/lambda\.1 \(allow\) left out: CEDAR001/)
    expect(checkParsePolicySet({ staticPolicies: readFileSync(join(dir, 'out', 'policies.cedar'), 'utf8') })).toEqual({ type: 'success' })
  })

  it('--schema also writes a Cedar schema and validates against it', async () => {
    writeFileSync(join(dir, 'schema.json'), JSON.stringify({ context: { user: { age: 'number' } }, actions: { read: { groups: [] }, delete: { groups: [] } } }))
    const r = await run('compile', '--target', 'cedar', 'ok.policy', '-o', 'out', '--schema', 'schema.json')
    expect(r.code).toBe(0)
    const schema = JSON.parse(readFileSync(join(dir, 'out', 'schema.cedarschema.json'), 'utf8')) as unknown
    expect(checkParseSchema(schema as never)).toEqual({ type: 'success' })
    writeFileSync(join(dir, 'bad.policy'), 'policy bad {\n  allow: read if user.age >= 18 && user.nick == "x"\n}\n')
    writeFileSync(join(dir, 'open.json'), JSON.stringify({ context: { user: { age: 'number' } }, open: true }))
    const v = await run('compile', '--target', 'cedar', 'bad.policy', '-o', 'out2', '--schema', 'open.json')
    expect(v.code).toBe(1)
    expect(v.err).toContain('error[CEDAR021]')
    expect(existsSync(join(dir, 'out2'))).toBe(false)
  })

  it('exit 1 for policies that do not compile', async () => {
    writeFileSync(join(dir, 'broken.policy'), 'policy broken { allow: read if }\n')
    const r = await run('compile', '--target', 'cedar', 'broken.policy', '-o', 'out')
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/^broken\.policy:1:\d+: error\[PARSE/m)
  })

  it('usage problems exit 2', async () => {
    for (const argv of [
      ['compile', 'ok.policy', '-o', 'out'],
      ['compile', '--target', 'wasm', 'ok.policy', '-o', 'out'],
      ['compile', '--target', 'cedar', 'ok.policy'],
      ['compile', '--target', 'cedar', '-o', 'out'],
      ['compile', '--target', 'cedar', 'missing.policy', '-o', 'out'],
      ['compile', '--target', 'cedar', 'ok.policy', '-o', 'out', '--schema', 'missing.json'],
      ['compile', '--target', 'cedar', 'ok.policy', '-o', 'out', '--bogus'],
    ]) {
      const r = await run(...argv)
      expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(2)
    }
    expect((await run('compile', '--help')).code).toBe(0)
  })
})
