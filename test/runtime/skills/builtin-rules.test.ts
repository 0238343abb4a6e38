import { describe, expect, it } from 'vitest'
import { BUILTIN_RULES } from '../../../runtime/skills/index.js'
import type { LineContext } from '../../../runtime/skills/index.js'
import { RULE_CASES } from './rule-table.js'

const ctx: LineContext = { fileKind: 'other' }

const EXPECTED_COUNTS: Record<string, number> = {
  'original-defences': 10,
  'reverse-shells': 7,
  'credential-harvesting': 6,
  'network-exfiltration': 3,
  'process-injection': 4,
  'privilege-escalation': 5,
  'symlink-path-traversal': 2,
  'downloader-chains': 3,
}

describe('built-in rules', () => {
  it('has exactly the 40 rules of the table with the seed categories', () => {
    expect(BUILTIN_RULES).toHaveLength(40)
    expect(new Set(BUILTIN_RULES.map((r) => r.name)).size).toBe(40)
    const counts: Record<string, number> = {}
    for (const r of BUILTIN_RULES) counts[r.category] = (counts[r.category] ?? 0) + 1
    expect(counts).toEqual(EXPECTED_COUNTS)
    expect(Object.keys(RULE_CASES).sort()).toEqual(BUILTIN_RULES.map((r) => r.name).sort())
  })

  it('uses the severities of the table', () => {
    const sev = Object.fromEntries(BUILTIN_RULES.map((r) => [r.name, r.severity]))
    expect(sev['env-file-reference']).toBe('warning')
    expect(sev['chmod-777']).toBe('warning')
    expect(sev['symlink-escape']).toBe('medium')
    expect(sev['downloader-chmod-exec']).toBe('medium')
    expect(sev['credential-aws']).toBe('high')
    expect(sev['privesc-sudo']).toBe('high')
    expect(sev['exfil-dev-tcp']).toBe('high')
    expect(sev['injection-gdb-attach']).toBe('critical')
    expect(sev['reverse-shell-ruby']).toBe('critical')
    expect(sev['rm-rf-pattern']).toBe('critical')
  })

  for (const r of BUILTIN_RULES) {
    const cases = RULE_CASES[r.name]
    describe(r.name, () => {
      it('has at least one positive and one negative case', () => {
        expect(cases?.hit.length).toBeGreaterThan(0)
        expect(cases?.miss.length).toBeGreaterThan(0)
      })
      for (const line of cases?.hit ?? []) it(`fires on: ${line}`, () => expect(r.test(line, ctx)).toBe(true))
      for (const line of cases?.miss ?? []) it(`stays quiet on: ${line}`, () => expect(r.test(line, ctx)).toBe(false))
    })
  }
})
