import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { DURATION_UNIT_MS, EVAL_CODES, duration, durationFromLiteral, parseDuration, valueEquals } from '../../stdlib/index.js'
import type { DurationUnit } from '../../stdlib/index.js'
import { RUNS, codeOf, evalErrorOf } from './helpers.js'

const DAY = 86_400_000

describe('durationFromLiteral', () => {
  it.each([
    [30, 's', 30_000],
    [5, 'm', 300_000],
    [2, 'h', 7_200_000],
    [7, 'd', 7 * DAY],
    [1, 'w', 7 * DAY],
    [6, 'months', 180 * DAY],
    [1, 'y', 365 * DAY],
    [30, 'seconds', 30_000],
    [2, 'minutes', 120_000],
    [1, 'hours', 3_600_000],
    [0, 's', 0],
  ] as [number, DurationUnit, number][])('%i%s is %i ms', (amount, unit, ms) => {
    expect(durationFromLiteral(amount, unit)).toEqual(duration(ms))
  })

  it('rejects bad amounts and units', () => {
    expect(codeOf(() => durationFromLiteral(-1, 's'))).toBe(EVAL_CODES.BAD_DURATION)
    expect(codeOf(() => durationFromLiteral(1.5, 's'))).toBe(EVAL_CODES.BAD_DURATION)
    expect(codeOf(() => durationFromLiteral(Number.NaN, 's'))).toBe(EVAL_CODES.BAD_DURATION)
    expect(codeOf(() => durationFromLiteral(1, 'ms' as DurationUnit))).toBe(EVAL_CODES.BAD_DURATION)
    expect(codeOf(() => durationFromLiteral(1, 'toString' as DurationUnit))).toBe(EVAL_CODES.BAD_DURATION)
    expect(codeOf(() => durationFromLiteral(1e308, 'y'))).toBe(EVAL_CODES.BAD_DURATION)
  })
})

describe('parseDuration', () => {
  it('parses the literal syntax', () => {
    expect(parseDuration('5m')).toEqual(duration(300_000))
    expect(parseDuration('30.seconds')).toEqual(duration(30_000))
    expect(parseDuration('6months')).toEqual(duration(180 * DAY))
    expect(parseDuration('1_000s')).toEqual(duration(1_000_000))
    expect(parseDuration('0s')).toEqual(duration(0))
  })

  it('agrees with durationFromLiteral for every unit', () => {
    const units = Object.keys(DURATION_UNIT_MS) as DurationUnit[]
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.constantFrom(...units), (n, unit) => {
        const text = ['seconds', 'minutes', 'hours'].includes(unit) ? `${n}.${unit}` : `${n}${unit}`
        return valueEquals(parseDuration(text), durationFromLiteral(n, unit))
      }),
      { numRuns: RUNS },
    )
  })

  it.each([
    ['', /empty/],
    ['500ms', /no 'ms' unit/],
    ['1e5', /exponent/],
    ['1e5s', /exponent/],
    ['5', /no unit/],
    ['m', /whole number/],
    ['-5m', /no sign/],
    ['+5m', /no sign/],
    ['5.5m', /fractional/],
    ['5 m', /spaces/],
    [' 5m', /whole number/],
    ['5m ', /spaces/],
    ['90_days', /not a unit/],
    ['_5m', /whole number/],
    ['5__0s', /not a unit/],
    ['5.s', /not a unit/],
    ['5.days', /not a unit/],
    ['5seconds', /not a unit/],
    ['5min', /not a unit/],
    ['512MB', /not a unit/],
    ['1'.repeat(65) + 's', /longer than/],
  ])('rejects %j', (text, why) => {
    const e = evalErrorOf(() => parseDuration(text))
    expect(e.code).toBe(EVAL_CODES.BAD_DURATION)
    expect(e.message).toMatch(why)
  })
})
