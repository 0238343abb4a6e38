import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AgentLoadError } from '../../../runtime/enforce/index.js'
import type { RiskFactors } from '../../../runtime/sandbox/index.js'
import { DEFAULT_RISK_THRESHOLDS, SandboxConfigError, riskLevel, riskScore, selectTier, validateThresholds } from '../../../runtime/sandbox/index.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 200)

function f(s: number, t: number, n = false, fs = false, x = false): RiskFactors {
  return { data_sensitivity: s, code_trust_level: t, network_access: n, filesystem_access: fs, external_apis: x }
}

const factors = fc.record({
  data_sensitivity: fc.double({ min: 0, max: 1, noNaN: true }),
  code_trust_level: fc.double({ min: 0, max: 1, noNaN: true }),
  network_access: fc.boolean(),
  filesystem_access: fc.boolean(),
  external_apis: fc.boolean(),
})

describe('risk score', () => {
  it.each([
    [f(0, 1), 0, 'low', 'tier1'],
    [f(0, 0), 0.3, 'low', 'tier1'],
    [f(0.5, 0.5), 0.35, 'low', 'tier1'],
    [f(0, 1, true, true, true), 0.3, 'low', 'tier1'],
    [f(0.5, 0.5, true), 0.45, 'low', 'tier1'],
    [f(0.5, 0), 0.5, 'medium', 'tier2'],
    [f(0.75, 0), 0.6, 'medium', 'tier2'],
    [f(1, 1, true), 0.5, 'medium', 'tier2'],
    [f(1, 0, true), 0.8, 'high', 'tier2'],
    [f(0.5, 0, true, true, true), 0.8, 'high', 'tier2'],
    [f(1, 0, true, true, true), 1, 'high', 'tier2'],
    [f(1, 0.2, true, true), 0.84, 'high', 'tier2'],
  ] as const)('%o → %d (%s, %s)', (input, score, level, tier) => {
    expect(riskScore(input)).toBeCloseTo(score, 12)
    expect(riskLevel(riskScore(input))).toBe(level)
    expect(selectTier({ agent: 'a', risk: input })).toEqual({ tier, source: 'risk', score: riskScore(input), level })
  })

  it('is the seed formula, capped at 1', () => {
    fc.assert(
      fc.property(factors, (r) => {
        const base = r.data_sensitivity * 0.4 + (1 - r.code_trust_level) * 0.3
        const expected = Math.min(1, base + 0.1 * (Number(r.network_access) + Number(r.filesystem_access) + Number(r.external_apis)))
        const s = riskScore(r)
        expect(s).toBeGreaterThanOrEqual(0)
        expect(s).toBeLessThanOrEqual(1)
        expect(Math.abs(s - expected)).toBeLessThan(1e-9)
      }),
      { numRuns: RUNS },
    )
  })

  it('never decreases when sensitivity rises, trust falls or an access flag is added', () => {
    fc.assert(
      fc.property(factors, fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('network_access', 'filesystem_access', 'external_apis'), (r, d, key) => {
        const s = riskScore(r)
        expect(riskScore({ ...r, data_sensitivity: Math.max(r.data_sensitivity, d) })).toBeGreaterThanOrEqual(s)
        expect(riskScore({ ...r, code_trust_level: Math.min(r.code_trust_level, d) })).toBeGreaterThanOrEqual(s)
        expect(riskScore({ ...r, [key]: true })).toBeGreaterThanOrEqual(s)
      }),
      { numRuns: RUNS },
    )
  })

  it('chooses tier1 exactly when the score is below the medium threshold, for any valid thresholds', () => {
    const thresholds = fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })).map(([a, b]) => ({ medium: Math.min(a, b), high: Math.max(a, b) }))
    fc.assert(
      fc.property(factors, thresholds, (r, t) => {
        const sel = selectTier({ agent: 'a', risk: r, thresholds: t })
        expect(sel.tier).toBe(riskScore(r) < t.medium ? 'tier1' : 'tier2')
        expect(sel.level === 'high').toBe(riskScore(r) >= t.high)
      }),
      { numRuns: RUNS },
    )
  })

  it.each([
    ['data_sensitivity', f(1.1, 0)],
    ['data_sensitivity', f(-0.1, 0)],
    ['data_sensitivity', f(Number.NaN, 0)],
    ['code_trust_level', f(0, 2)],
    ['code_trust_level', f(0, Number.POSITIVE_INFINITY)],
    ['data_sensitivity', { ...f(0, 0), data_sensitivity: '0.5' as unknown as number }],
    ['network_access', { ...f(0, 0), network_access: 1 as unknown as boolean }],
    ['external_apis', { ...f(0, 0), external_apis: undefined as unknown as boolean }],
  ])('rejects an invalid %s, never clamps', (field, input) => {
    const e = (() => {
      try {
        riskScore(input)
      } catch (err) {
        return err
      }
      return undefined
    })()
    expect(e).toBeInstanceOf(SandboxConfigError)
    expect((e as SandboxConfigError).field).toBe(field)
  })

  it('validates thresholds', () => {
    expect(validateThresholds({ medium: 0.2, high: 0.9 })).toEqual({ medium: 0.2, high: 0.9 })
    expect(() => validateThresholds({ medium: 0.9, high: 0.2 })).toThrow(SandboxConfigError)
    expect(() => validateThresholds({ medium: -1, high: 0.2 })).toThrow(/thresholds.medium/)
    expect(() => validateThresholds({ medium: 0.1, high: 1.5 })).toThrow(/thresholds.high/)
    expect(() => selectTier({ agent: 'a', risk: f(0, 0), thresholds: { medium: 2, high: 3 } })).toThrow(SandboxConfigError)
    expect(DEFAULT_RISK_THRESHOLDS).toEqual({ medium: 0.5, high: 0.8 })
  })

  it('moves the boundary when the thresholds move', () => {
    expect(selectTier({ agent: 'a', risk: f(0.5, 0.5) }).tier).toBe('tier1')
    expect(selectTier({ agent: 'a', risk: f(0.5, 0.5), thresholds: { medium: 0.3, high: 0.8 } }).tier).toBe('tier2')
  })
})

describe('tier from the `with sandbox` attribute', () => {
  it.each([
    ['tier1', 'tier1'],
    ['docker', 'tier1'],
    ['tier2', 'tier2'],
    ['gvisor', 'tier2'],
  ])('%s → %s, and it wins over the risk score', (attribute, tier) => {
    expect(selectTier({ agent: 'a', attribute, risk: f(1, 0, true, true, true) })).toEqual({ tier, source: 'attribute' })
    expect(selectTier({ agent: 'a', attribute, risk: f(0, 1) })).toEqual({ tier, source: 'attribute' })
  })

  it.each(['firecracker', 'Tier1', 'DOCKER', '', 'tier3', 'tier1 ', 'toString', '__proto__'])('"%s" is a load error naming the value, never a fallback', (attribute) => {
    expect(() => selectTier({ agent: 'worker', attribute, risk: f(0, 1) })).toThrow(AgentLoadError)
    expect(() => selectTier({ agent: 'worker', attribute })).toThrow(`'${attribute}'`)
  })

  it('a non-string attribute is a load error too', () => {
    expect(() => selectTier({ agent: 'worker', attribute: 1 })).toThrow(AgentLoadError)
    expect(() => selectTier({ agent: 'worker', attribute: null })).toThrow(AgentLoadError)
  })

  it('neither attribute nor risk factors is an error, not a default', () => {
    expect(() => selectTier({ agent: 'worker' })).toThrow(SandboxConfigError)
  })
})
