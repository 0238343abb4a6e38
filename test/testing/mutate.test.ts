/**
 * Mutation testing of users' policies: `runMutationTests` and `symbi-policy test --mutate`. A
 * weak test file leaves exactly the mutants it cannot notice alive, each with a witness request
 * that sits where the missing case belongs; adding that case kills the mutant.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'
import { compilePolicySet } from '../../compiler/index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { findTestFiles, generateMutants, policyHints, readTestFile, requestArbitrary, runMutationTests, type MutationReport } from '../../testing/index.js'

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-mutate-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function write(name: string, content: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', env: {}, cwd: dir }
  const code = await main(argv, io)
  return { code, out, err }
}

const VAULT = 'policy vault {\n  allow: read(doc) if doc.level >= 3\n  deny: read(doc) if doc.frozen == true\n}\n'
const read = (level: number, frozen: boolean): unknown => ({ principal: { id: 'a' }, action: 'read', resource: { id: 'd', level, frozen } })
const WEAK_CASES = [
  { name: 'level 5 reads', request: read(5, false), expect: { effect: 'allow' } },
  { name: 'level 1 does not', request: read(1, false), expect: { effect: 'deny' } },
  { name: 'frozen does not', request: read(5, true), expect: { effect: 'deny' } },
]
const SCHEMA = { resource: { level: 'number', frozen: 'boolean' } }

function survivors(report: MutationReport): string[] {
  return report.mutants.filter((m) => m.status === 'survived').map((m) => `${m.rule} ${m.operator}: ${m.mutation}`)
}

describe('runMutationTests', () => {
  it('leaves exactly the mutants a weak test file cannot notice, the boundary one with a witness on the boundary', () => {
    write('vault.policy', VAULT)
    const file = write('vault.test.json', { schema: SCHEMA, cases: WEAK_CASES })
    const report = runMutationTests([file], { cwd: dir })
    expect(report.baseline.failed).toBe(0)
    expect(survivors(report)).toEqual([
      'vault[0] flip-comparison: doc.level >= 3 → doc.level > 3',
      'vault[0] widen-pattern: read(doc) → _(doc)',
      'vault[1] widen-pattern: read(doc) → _(doc)',
    ])
    const boundary = report.mutants.find((m) => m.operator === 'flip-comparison' && m.rule === 'vault[0]')
    expect(boundary?.witness).toMatchObject({ action: { name: 'read' }, resource: { level: 3 } })
    expect(boundary?.difference).toEqual({ original: 'allow', mutant: 'deny (no allow rule matched)' })
    // Every other mutant names the case that caught it.
    const killed = report.mutants.filter((m) => m.status === 'killed')
    expect(killed.map((m) => m.operator).sort()).toEqual(['deny-to-allow', 'drop-rule', 'drop-rule', 'flip-comparison', 'negate-guard', 'negate-guard'])
    for (const m of killed) expect(m.killedBy).toMatch(/^vault\.test\.json: case: /)
    expect(report.killed).toBe(6)
    expect(report.survived).toBe(3)
    expect(report.score).toBe(66.66)
    expect(report.mutants.find((m) => m.operator === 'deny-to-allow')).toMatchObject({ file: 'vault.policy', line: 3, column: 3, killedBy: 'vault.test.json: case: frozen does not' })
  })

  it('kills the boundary mutant once its witness is a case, and the widened patterns with another action', () => {
    write('vault.policy', VAULT)
    const file = write('vault.test.json', {
      schema: SCHEMA,
      cases: [
        ...WEAK_CASES,
        { name: 'level 3 reads (the boundary)', request: read(3, false), expect: { effect: 'allow' } },
        { name: 'frozen documents cannot be written either', request: { principal: { id: 'a' }, action: 'write', resource: { id: 'd', level: 5, frozen: true } }, expect: { effect: 'deny', reason: 'no allow rule matched' } },
        { name: 'other actions are not allowed', request: { principal: { id: 'a' }, action: 'write', resource: { id: 'd', level: 5, frozen: false } }, expect: { effect: 'deny' } },
      ],
    })
    const report = runMutationTests([file], { cwd: dir })
    expect(survivors(report)).toEqual([])
    expect(report.score).toBe(100)
    expect(report.mutants.find((m) => m.operator === 'flip-comparison' && m.rule === 'vault[0]')?.killedBy).toBe('vault.test.json: case: level 3 reads (the boundary)')
  })

  it('counts a property that fails on a mutant as killing it', () => {
    write('vault.policy', VAULT)
    const file = write('vault.test.json', {
      schema: SCHEMA,
      cases: WEAK_CASES,
      properties: [{ name: 'frozen is never read', given: { action: 'read', 'resource.frozen': true }, expect: { effect: 'deny' } }],
    })
    const report = runMutationTests([file], { cwd: dir })
    // Without the case, the property alone catches turning the deny into an allow.
    const noCase = runMutationTests([write('p.test.json', { policies: ['vault.policy'], schema: SCHEMA, cases: WEAK_CASES.slice(0, 2), properties: [{ name: 'frozen is never read', given: { action: 'read', 'resource.frozen': true, 'resource.level': 5 }, expect: { effect: 'deny' } }] })], { cwd: dir })
    expect(noCase.mutants.find((m) => m.operator === 'deny-to-allow')?.killedBy).toBe('p.test.json: property: frozen is never read')
    expect(report.baseline.failed).toBe(0)
  })

  it('is deterministic for a fixed seed', () => {
    write('vault.policy', VAULT)
    const file = write('vault.test.json', { schema: SCHEMA, cases: WEAK_CASES, properties: [{ name: 'p', given: { action: 'read', 'resource.frozen': true }, expect: { effect: 'deny' } }] })
    const a = runMutationTests([file], { cwd: dir, seed: 9 })
    const b = runMutationTests([file], { cwd: dir, seed: 9 })
    expect(JSON.stringify(a.mutants)).toBe(JSON.stringify(b.mutants))
  })

  it('refuses to score when a test fails on the unmutated policies', () => {
    write('vault.policy', VAULT)
    const file = write('vault.test.json', { schema: SCHEMA, cases: [{ name: 'wrong', request: read(1, false), expect: { effect: 'allow' } }] })
    const report = runMutationTests([file], { cwd: dir })
    expect(report.baseline.failed).toBe(1)
    expect(report.mutants).toEqual([])
  })
})

describe('generateMutants', () => {
  it('makes every kind of mutant a reviewer fears', () => {
    const source = `policy p {
  allow: "tool_call::fs::*" if user.clearance >= "secret" && (user.staff || user.admin)
  deny: [export, publish] if data.pii
  require: [supervisor_approval, audit_trail, user.mfa == true] for "tool_call::*"
}`
    const set = compilePolicySet([{ name: 'p.policy', source }]).value
    expect(set).toBeDefined()
    if (set === undefined) return
    const mutants = generateMutants(set.checked, set.ladders, ['tool_call::fs::read', 'tool_call::web::get'])
    const seen = mutants.map((m) => `${m.rule.rule} ${m.operator}: ${m.change}`)
    expect(seen).toEqual(expect.arrayContaining([
      '0 drop-rule: allow: "tool_call::fs::*" if user.clearance >= "secret" && (user.staff || user.admin) → (removed)',
      '0 negate-guard: if user.clearance >= "secret" && (user.staff || user.admin) → if !(user.clearance >= "secret" && (user.staff || user.admin))',
      '0 drop-conjunct: user.clearance >= "secret" && (user.staff || user.admin) → user.clearance >= "secret"',
      '0 drop-disjunct: user.staff || user.admin → user.admin',
      '0 flip-comparison: user.clearance >= "secret" → user.clearance > "secret"',
      '0 ladder-rung: user.clearance >= "secret" → user.clearance >= "confidential"',
      '0 ladder-rung: user.clearance >= "secret" → user.clearance >= "top_secret"',
      '0 widen-pattern: "tool_call::fs::*" → "tool_call::*"',
      '0 narrow-pattern: "tool_call::fs::*" → tool_call::fs::read',
      '1 deny-to-allow: deny → allow',
      '1 narrow-pattern: export → (removed)',
      '1 widen-pattern: publish → _',
      '2 remove-approval: approval of supervisor → (removed)',
      '2 drop-obligation: obligation audit_trail → (removed)',
      '2 precondition-to-obligation: user.mfa == true → obligation `user.mfa == true`',
      '2 flip-comparison: user.mfa == true → user.mfa != true',
      '2 widen-pattern: for "tool_call::*" → _',
      '0 drop-conjunct: user.clearance >= "secret" && (user.staff || user.admin) → user.staff || user.admin',
      '2 narrow-pattern: for "tool_call::*" → "tool_call::fs::*"',
    ]))
    // One edit per mutant: every other rule of the set is the original object.
    for (const m of mutants) {
      const changed = m.set.policies[0]?.rules.filter((r, i) => r !== set.checked.policies[0]?.rules[i]) ?? []
      expect(changed.length).toBeLessThanOrEqual(m.operator === 'drop-rule' ? 3 : 1)
    }
  })
})

describe('generateMutants on a channel data_classification block', () => {
  it('mutates the entries as written and leaves the engine-made rules alone', () => {
    const source = `channel ops {
  data_classification {
    internal: "encrypt"
    secret: "deny"
  }
}`
    const set = compilePolicySet([{ name: 'c.symbi', source }]).value
    expect(set).toBeDefined()
    if (set === undefined) return
    const seen = generateMutants(set.checked, set.ladders, []).map((m) => `${m.rule.policy}[${m.rule.rule}] ${m.operator}`)
    expect(seen).toEqual([
      'data_classification@ops[0] drop-rule',
      'data_classification@ops[0] drop-obligation',
      'data_classification@ops[1] drop-rule',
      'data_classification@ops[1] deny-to-allow',
    ])
  })
})

describe('symbi-policy test --mutate', () => {
  it('exits 0 at or above --min-score and 1 below it, with the survivors in the text report', async () => {
    write('vault.policy', VAULT)
    write('vault.test.json', { schema: SCHEMA, cases: WEAK_CASES })
    const low = await cli('test', '--mutate', 'vault.test.json', '--min-score', '60')
    expect(low.code).toBe(0)
    expect(low.out).toContain('survived  flip-comparison: doc.level >= 3 → doc.level > 3')
    expect(low.out).toContain('"level":3')
    expect(low.out).toContain('mutation score: 66.66% (6 killed, 3 survived)')
    const high = await cli('test', '--mutate', 'vault.test.json', '--min-score', '95')
    expect(high.code).toBe(1)
    expect(high.out).toContain('below --min-score 95')
  })

  it('prints JSON with the score and every mutant', async () => {
    write('vault.policy', VAULT)
    write('vault.test.json', { schema: SCHEMA, cases: WEAK_CASES })
    const r = await cli('test', '--mutate', 'vault.test.json', '--format', 'json')
    expect(r.code).toBe(0)
    const json = JSON.parse(r.out) as { score: number; mutants: { rule: string; mutation: string; status: string; killedBy?: string; witness?: unknown }[] }
    expect(json.score).toBe(66.66)
    expect(json.mutants).toHaveLength(9)
    for (const m of json.mutants) {
      expect(m.rule).toMatch(/^vault\[[01]\]$/)
      expect(m.status === 'killed' ? typeof m.killedBy : typeof m.witness).toBe(m.status === 'killed' ? 'string' : 'object')
    }
  })

  it('exits 2 on usage errors and 1 when the tests fail before mutation', async () => {
    write('vault.policy', VAULT)
    write('vault.test.json', { schema: SCHEMA, cases: WEAK_CASES })
    expect((await cli('test', '--mutate', 'vault.test.json', '--min-score', 'lots')).code).toBe(2)
    expect((await cli('test', '--mutate', 'vault.test.json', '--min-score', '101')).code).toBe(2)
    expect((await cli('test', 'vault.test.json', '--min-score', '50')).code).toBe(2)
    write('bad.test.json', { policies: ['vault.policy'], schema: SCHEMA, cases: [{ name: 'wrong', request: read(1, false), expect: { effect: 'allow' } }] })
    const bad = await cli('test', '--mutate', 'bad.test.json')
    expect(bad.code).toBe(1)
    expect(bad.out).toContain('mutation testing needs every test to pass on the unmutated policies')
  })
})
