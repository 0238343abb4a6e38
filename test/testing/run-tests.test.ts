/** runPolicyTests, test-file validation and expectations (the programmatic side of `symbi-policy test`). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkExpectation, readTestFile, runPolicyTests, TestFileError, validateExpectation } from '../../testing/index.js'
import type { Decision } from '../../stdlib/decision.js'

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-testing-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function write(name: string, content: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}

const POLICY = 'policy gate {\n  allow: open if user.badge == "staff"\n  deny: open if system.lockdown == true\n  audit: open with digital_signature\n}\n'

describe('runPolicyTests', () => {
  it('runs cases and properties, reports coverage of determining rules', () => {
    write('gate.policy', POLICY)
    const file = write('gate.test.json', {
      schema: { context: { user: { badge: 'string' }, system: { lockdown: 'boolean' } } },
      cases: [
        { name: 'staff open', request: { principal: { id: 'a' }, action: 'open', context: { user: { badge: 'staff' }, system: { lockdown: false } } }, expect: { effect: 'allow_with_conditions', conditionsInclude: [{ kind: 'audit', modifiers: ['digital_signature'] }] } },
      ],
      properties: [{ name: 'nothing opens in lockdown', given: { action: 'open', 'context.system.lockdown': true }, expect: { effect: 'deny' }, runs: 50 }],
    })
    const seen: string[] = []
    const report = runPolicyTests([file], { cwd: dir, seed: 7, onResult: (r) => seen.push(r.name) })
    expect(report.failed).toBe(0)
    expect(report.passed).toBe(2)
    expect(seen).toEqual(['staff open', 'nothing opens in lockdown'])
    expect(report.coverage.map((c) => [c.policy, c.rule, c.kind, c.file, c.line, c.hits > 0])).toEqual([
      ['gate', 0, 'allow', 'gate.policy', 2, true],
      ['gate', 1, 'deny', 'gate.policy', 3, true],
      ['gate', 2, 'audit', 'gate.policy', 4, true],
    ])
  })

  it('shrinks a failing property to a minimal counter-example and reports the decision', () => {
    write('gate.policy', POLICY.replace('system.lockdown == true', 'system.lockdown == "never"'))
    const file = write('gate.test.json', {
      schema: { context: { user: { badge: 'string' }, system: { lockdown: 'boolean' } } },
      properties: [{ name: 'nothing opens in lockdown', given: { action: 'open', 'context.system.lockdown': true }, expect: { effect: 'deny' }, runs: 300 }],
    })
    const report = runPolicyTests([file], { cwd: dir, seed: 11 })
    const r = report.results[0]!
    expect(r.ok).toBe(false)
    expect(r.problems).toEqual(['effect is allow_with_conditions, expected deny'])
    expect(r.request).toMatchObject({ action: { name: 'open' }, context: { user: { badge: 'staff' }, system: { lockdown: true } } })
    // Shrinking leaves the principal at the first id of the pool and drops the optional groups.
    expect((r.request as { principal: { id: string } }).principal.id).toBe('agent-1')
    expect(r.decision?.effect).toBe('allow_with_conditions')
    expect(r.seed).toBe(11)
  })

  it('reports unloadable policies and malformed files as failed results, never throws', () => {
    write('bad.policy', 'policy bad { allow: read if }')
    const f1 = write('bad.test.json', { policies: ['bad.policy'], cases: [{ name: 'x', request: {}, expect: { effect: 'deny' } }] })
    const f2 = write('worse.test.json', '{ not json')
    const report = runPolicyTests([f1, f2], { cwd: dir })
    expect(report.results.map((r) => [r.kind, r.ok])).toEqual([['file', false], ['file', false]])
    expect(report.results[0]!.problems.join('\n')).toMatch(/bad\.policy/)
    expect(report.results[1]!.problems.join('\n')).toMatch(/cannot read test file/)
  })
})

describe('test files', () => {
  it('defaults policies to the same-named policy file and lists every problem at once', () => {
    write('gate.policy', POLICY)
    expect(readTestFile(write('gate.test.json', { cases: [{ name: 'c', request: {}, expect: { effect: 'deny' } }] })).policies).toEqual([join(dir, 'gate.policy')])
    try {
      readTestFile(write('other.test.json', { polices: [], cases: [{ request: {}, expect: {} }], properties: [{ given: [], expect: { effect: 'deny' }, runs: 0 }] }))
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(TestFileError)
      const problems = (e as TestFileError).problems
      expect(problems).toEqual(expect.arrayContaining([
        "unknown field 'polices' (expected $schema, description, policies, schema, cases, properties)",
        "no 'policies' given and no other.policy or other.symbi next to the test file",
        'cases[0].expect: an empty expectation checks nothing',
        'properties[0].given: must be an object of request paths to values',
        'properties[0].runs: must be a positive integer',
      ]))
    }
  })
})

describe('expectations', () => {
  const info = { determining: [{ policy: 'p', rule: 1, kind: 'deny' as const, span: { start: 0, end: 1 } }], errors: [], version: 1 }
  const deny: Decision = { effect: 'deny', reason: 'denied by p[1]: x', ...info }

  it('checks every field and says what does not hold', () => {
    expect(checkExpectation(deny, { effect: 'deny', reasonContains: 'p[1]', determinedBy: ['p[1]'], errors: false })).toEqual([])
    expect(checkExpectation(deny, { effect: { not: 'deny' } })).toEqual(['effect is deny, expected none of deny'])
    expect(checkExpectation(deny, { effect: ['allow', 'require_approval'] })).toEqual(['effect is deny, expected allow or require_approval'])
    expect(checkExpectation(deny, { reason: 'no' })).toEqual(['reason is "denied by p[1]: x", expected "no"'])
    expect(checkExpectation(deny, { determinedBy: [] })).toEqual(['determined by ["p[1]"], expected []'])
    const awc: Decision = { effect: 'allow_with_conditions', conditions: [{ kind: 'obligation', name: 'n', value: 1 }], ...info }
    expect(checkExpectation(awc, { conditions: [{ kind: 'obligation', name: 'n', value: 1 }], conditionsInclude: [{ name: 'n' }] })).toEqual([])
    expect(checkExpectation(awc, { conditionsInclude: [{ name: 'n', value: 2 }] })).toHaveLength(1)
  })

  it('validates expectations read from JSON', () => {
    expect(validateExpectation({ effect: 'maybe' }, 'e')).toEqual(['e.effect: must be one of allow, deny, allow_with_conditions, require_approval, an array of them, or { "not": … }'])
    expect(validateExpectation({ efect: 'deny' }, 'e')[0]).toMatch(/unknown field 'efect'/)
    expect(validateExpectation({ effect: { not: ['deny'] } }, 'e')).toEqual([])
  })
})
