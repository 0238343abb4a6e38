/**
 * `symbi-policy test` and `symbi-policy bench`, in-process through `main(argv, io)`: the
 * examples pass; a deliberately broken copy fails with a shrunk counter-example request; usage
 * errors exit 2; bench measures and reports.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'

const EXAMPLES = resolve(import.meta.dirname, '../../examples')

interface Run {
  readonly code: number
  readonly out: string
  readonly err: string
}

let dir = ''

async function run(cwd: string, ...argv: string[]): Promise<Run> {
  let out = ''
  let err = ''
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', env: {}, cwd }
  const code = await main(argv, io)
  return { code, out, err }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-test-cli-'))
  cpSync(EXAMPLES, join(dir, 'examples'), { recursive: true })
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function edit(file: string, from: string, to: string): void {
  const path = join(dir, 'examples', file)
  const text = readFileSync(path, 'utf8')
  expect(text).toContain(from)
  writeFileSync(path, text.replace(from, to))
}

describe('symbi-policy test', () => {
  it('passes on the examples and reports rule coverage', async () => {
    const r = await run(dir, 'test', 'examples', '--seed', '1')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/ok {4}property: no export of PII is ever allowed \(100 requests\)/)
    expect(r.out).toMatch(/rule coverage: \d+\/\d+ rules/)
    expect(r.out).toMatch(/\d+ passed, 0 failed/)
  })

  it('fails with a shrunk counter-example when the MFA check is dropped', async () => {
    edit('secure_data_access.policy', 'session.mfa_verified == true', 'true')
    const r = await run(dir, 'test', 'examples/secure_data_access.test.json', '--seed', '42')
    expect(r.code).toBe(1)
    expect(r.out).toContain('FAIL  property: no read is allowed without MFA')
    expect(r.out).toContain('counter-example request:')
    const block = r.out.slice(r.out.indexOf('counter-example request:'))
    const json = block.slice(block.indexOf('{'), block.indexOf('\n        decision:'))
    const request = JSON.parse(json) as { action: { name: string }; context: { session: { mfa_verified: boolean } } }
    expect(request.action.name).toBe('read')
    expect(request.context.session.mfa_verified).toBe(false)
    expect(r.out).toMatch(/shrunk \d+ times/)
    expect(r.out).toContain('reproduce with --seed=42')
  })

  it('fails the example case when the PII deny is removed', async () => {
    edit('secure_data_access.policy', 'deny: export(data) if data.contains_pii == true', '')
    const r = await run(dir, 'test', 'examples/secure_data_access.test.json', '--seed', '1')
    expect(r.code).toBe(1)
    expect(r.out).toContain('FAIL  case: exporting PII is denied by the PII rule')
  })

  it('fails when a property is violated by a policy that allows PII export', async () => {
    edit('secure_data_access.policy', 'deny: export(data) if data.contains_pii == true', 'allow: export(data) if data.contains_pii || true')
    const r = await run(dir, 'test', 'examples/secure_data_access.test.json', '--seed', '3')
    expect(r.code).toBe(1)
    expect(r.out).toContain('FAIL  property: no export of PII is ever allowed')
    expect(r.out).toMatch(/"contains_pii": true/)
  })

  it('exits 2 for usage problems and 1 for a malformed test file', async () => {
    expect((await run(dir, 'test')).code).toBe(2)
    expect((await run(dir, 'test', 'missing-dir')).code).toBe(2)
    expect((await run(dir, 'test', 'examples', '--runs', '0')).code).toBe(2)
    writeFileSync(join(dir, 'bad.test.json'), JSON.stringify({ policies: ['examples/secure_data_access.policy'], cases: [{ name: 'x', request: {}, expect: { effect: 'maybe' } }] }))
    const r = await run(dir, 'test', 'bad.test.json')
    expect(r.code).toBe(1)
    expect(r.out).toContain('cases[0].expect.effect')
  })

  it('--require-coverage fails when a rule determined no decision', async () => {
    writeFileSync(join(dir, 'one.test.json'), JSON.stringify({
      policies: ['examples/resource_governance.policy'],
      cases: [{ name: 'deny', request: { principal: { id: 'p' }, action: 'other' }, expect: { effect: 'deny' } }],
    }))
    const plain = await run(dir, 'test', 'one.test.json')
    expect(plain.code).toBe(0)
    expect(plain.out).toContain('rule coverage: 0/3 rules')
    expect(plain.out).toContain('not covered: resource_governance[1] deny at examples/resource_governance.policy:7:5')
    expect((await run(dir, 'test', 'one.test.json', '--require-coverage')).code).toBe(1)
  })

  it('--format json prints the report', async () => {
    const r = await run(dir, 'test', 'examples/data_flow_control.test.json', '--format', 'json', '--runs', '20', '--seed', '5')
    expect(r.code).toBe(0)
    const report = JSON.parse(r.out) as { passed: number; failed: number; coverage: { hits: number }[] }
    expect(report.failed).toBe(0)
    expect(report.passed).toBeGreaterThan(0)
    expect(report.coverage.every((c) => c.hits > 0)).toBe(true)
  })
})

describe('symbi-policy bench', () => {
  function requests(): string {
    const req = JSON.parse(readFileSync(join(EXAMPLES, 'requests/read-secret.json'), 'utf8')) as unknown
    const path = join(dir, 'reqs.jsonl')
    writeFileSync(path, `${JSON.stringify(req)}\n// a comment\n\n${JSON.stringify({ principal: { id: 'x' }, action: 'export', resource: { id: 'r', contains_pii: true } })}\n`)
    return path
  }

  it('prints a table and a JSON report of measured numbers', async () => {
    const path = requests()
    const text = await run(dir, 'bench', 'examples/secure_data_access.policy', '--requests', path, '--iterations', '500', '--warmup', '50')
    expect(text.code).toBe(0)
    expect(text.out).toMatch(/p50\s+[\d.]+ µs/)
    expect(text.out).toMatch(/decisions\/s\s+[\d,]+/)
    const json = await run(dir, 'bench', 'examples/secure_data_access.policy', '--requests', path, '--iterations', '400', '--format', 'json')
    expect(json.code).toBe(0)
    const r = JSON.parse(json.out) as { requests: number; decisions: number; p50Us: number; p99Us: number; meanUs: number; timerOverheadUs: number; decisionsPerSecond: number; effects: Record<string, number> }
    expect(r.requests).toBe(2)
    expect(r.decisions).toBe(400)
    expect(r.p99Us).toBeGreaterThanOrEqual(r.p50Us)
    expect(r.decisionsPerSecond).toBeGreaterThan(0)
    expect(r.timerOverheadUs).toBeGreaterThanOrEqual(0)
    // decisions/s and the mean come from the same untimed pass.
    expect(Math.abs(r.decisionsPerSecond * r.meanUs - 1e6) / 1e6).toBeLessThan(0.05)
    expect(r.effects['deny']).toBe(200)
    expect(r.effects['allow_with_conditions']).toBe(200)
  })

  it('exits 2 for a bad request line or missing --requests, 1 for policy errors', async () => {
    writeFileSync(join(dir, 'bad.jsonl'), '{"principal":\n')
    const bad = await run(dir, 'bench', 'examples/secure_data_access.policy', '--requests', 'bad.jsonl')
    expect(bad.code).toBe(2)
    expect(bad.err).toContain('bad.jsonl:1')
    expect((await run(dir, 'bench', 'examples/secure_data_access.policy')).code).toBe(2)
    writeFileSync(join(dir, 'broken.policy'), 'policy p { allow: }')
    expect((await run(dir, 'bench', 'broken.policy', '--requests', requests())).code).toBe(1)
  })
})
