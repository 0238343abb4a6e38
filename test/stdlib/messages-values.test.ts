/**
 * Where checkValue says a value is wrong (the path is what a caller reads in a deny reason),
 * parseDuration's messages, and string length by code point at the surrogate boundaries:
 * survivors of the 2026-12-04 Stryker run of stdlib/.
 */
import { describe, expect, it } from 'vitest'
import { BUILTINS, checkValue, createCallContext, durationFromLiteral, parseDuration, resolveLimits } from '../../stdlib/index.js'
import type { Value } from '../../stdlib/index.js'
import { failureMessage } from './helpers.js'

const fails = failureMessage
const limits = resolveLimits({})
const small = resolveLimits({ maxCollectionSize: 3, maxValueDepth: 3 })

describe('checkValue paths and messages', () => {
  it('names the place and the kind of problem', () => {
    expect(fails(() => checkValue([1, 2, 3, 4], small, 'request'))).toBe('request has 4 elements, more than maxCollectionSize (3)')
    expect(fails(() => checkValue([1, 2, 3], small, 'request'))).toBe('no error')
    expect(fails(() => checkValue({ a: 1, b: 2, c: 3, d: 4 }, small, 'request'))).toBe('request has 4 elements, more than maxCollectionSize (3)')
    expect(fails(() => checkValue({ a: 1, b: 2, c: 3 }, small, 'request'))).toBe('no error')
    expect(fails(() => checkValue({ a: { b: { c: { d: 1 } } } }, small, 'request'))).toBe('request.a.b.c is nested deeper than maxValueDepth (3)')
    expect(fails(() => checkValue({ a: [1, { b: new Map() }] }, limits, 'request'))).toBe('request.a[1].b is a Map, not a record')
    class Foo {}
    expect(fails(() => checkValue({ 'weird key': { x: new Foo() } }, limits, 'request'))).toBe('request["weird key"].x is a Foo, not a record')
    const long = 'k-'.repeat(30)
    expect(fails(() => checkValue({ [long]: undefined }, limits, 'ctx'))).toBe(`ctx[${JSON.stringify(`${long.slice(0, 40)}…`)}] is undefined, not a policy value`)
    expect(fails(() => checkValue(Object.create(null) as unknown, limits, 'ctx'))).toBe('no error')
  })
})

describe('duration messages', () => {
  it.each([
    ['5x', `invalid duration "5x": 'x' is not a unit (use s, m, h, d, w, months, y, .seconds, .minutes or .hours)`],
    ['1.5h', 'invalid duration "1.5h": fractional amounts are not allowed; use a smaller unit'],
    ['_5d', 'invalid duration "_5d": it must start with a whole number, e.g. "5m"'],
    ['5_d', `invalid duration "5_d": '_d' is not a unit: write the unit right after the number, e.g. "90d"`],
    ['1e3s', 'invalid duration "1e3s": exponents are not allowed'],
    ['5d ', 'invalid duration "5d ": spaces are not allowed'],
  ])('%s', (text, message) => {
    expect(fails(() => parseDuration(text))).toBe(message)
  })
  it('accepts digit groups and refuses a trailing group separator', () => {
    expect(parseDuration('1_000s')).toEqual({ $duration: 1_000_000 })
    expect(fails(() => parseDuration('1_s'))).toMatch(/^invalid duration "1_s"/)
    expect(fails(() => durationFromLiteral(-1, 's'))).toBe('duration amount must be a non-negative integer, got -1')
    expect(fails(() => durationFromLiteral(1, 'fortnight' as never))).toBe('unknown duration unit "fortnight"')
  })
})

describe('length counts code points, at the surrogate boundaries', () => {
  const len = (s: string): Value => (BUILTINS.get('length') as NonNullable<ReturnType<typeof BUILTINS.get>>).call([s], [], createCallContext({ now: 0 }))
  it.each([
    ['😀', 1],
    ['\ud800\udc00', 1],
    ['\udbff\udfff', 1],
    ['\ud7ff\udc00', 2],
    ['\ue000\udc00', 2],
    ['\ud800\ue000', 2],
    ['\ud800\udbff', 2],
    ['\ud800', 1],
    ['a\ud800', 2],
    ['\udc00', 1],
    ['ab', 2],
  ])('%j has %i', (s, n) => {
    expect(len(s)).toBe(n)
  })
})
