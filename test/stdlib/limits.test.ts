import { describe, it, expect } from 'vitest'
import { DEFAULT_LIMITS, EVAL_CODES, LIMIT_NAMES, checkCollectionSize, checkValue, duration, resolveLimits } from '../../stdlib/index.js'
import type { Value } from '../../stdlib/index.js'
import { codeOf, evalErrorOf } from './helpers.js'

describe('DEFAULT_LIMITS', () => {
  it('is frozen and complete', () => {
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true)
    expect([...LIMIT_NAMES].sort()).toEqual(
      ['maxCollectionSize', 'maxDepth', 'maxNodes', 'maxPatternLength', 'maxPolicies', 'maxPolicyBytes', 'maxRules', 'maxValueDepth', 'maxValueNodes'].sort(),
    )
    for (const k of LIMIT_NAMES) expect(Number.isSafeInteger(DEFAULT_LIMITS[k]) && DEFAULT_LIMITS[k] > 0).toBe(true)
  })
})

describe('resolveLimits', () => {
  it('overrides one limit at a time and keeps the rest', () => {
    for (const k of LIMIT_NAMES) {
      const l = resolveLimits({ [k]: 7 })
      expect(l[k]).toBe(7)
      for (const other of LIMIT_NAMES) if (other !== k) expect(l[other]).toBe(DEFAULT_LIMITS[other])
      expect(Object.isFrozen(l)).toBe(true)
    }
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS)
  })

  it('names an unknown key', () => {
    expect(() => resolveLimits({ maxDepht: 3 })).toThrow(/unknown limit 'maxDepht'/)
    expect(() => resolveLimits({ __proto__x: 3 })).toThrow(/unknown limit/)
  })

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '10', null, true, 2 ** 60])('rejects the value %s, naming the key', (bad) => {
    let thrown: unknown
    try {
      resolveLimits({ maxNodes: bad })
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(Error)
    expect((thrown as Error).message).toMatch(/limit 'maxNodes' must be a positive integer/)
  })

  it('describes the bad value in the message', () => {
    const message = (v: unknown): string => {
      try {
        resolveLimits({ maxNodes: v })
      } catch (e) {
        return (e as Error).message
      }
      return 'no error'
    }
    expect(message('10')).toBe(`limit 'maxNodes' must be a positive integer, got "10"`)
    expect(message('x'.repeat(41))).toBe(`limit 'maxNodes' must be a positive integer, got "${'x'.repeat(40)}…"`)
    expect(message('y'.repeat(40))).toBe(`limit 'maxNodes' must be a positive integer, got "${'y'.repeat(40)}"`)
    expect(message(0)).toBe(`limit 'maxNodes' must be a positive integer, got 0`)
    expect(message(true)).toBe(`limit 'maxNodes' must be a positive integer, got true`)
    expect(message(null)).toBe(`limit 'maxNodes' must be a positive integer, got null`)
    expect(message(undefined)).toBe(`limit 'maxNodes' must be a positive integer, got undefined`)
    expect(message([1])).toBe(`limit 'maxNodes' must be a positive integer, got an array`)
    expect(message({ n: 1 })).toBe(`limit 'maxNodes' must be a positive integer, got a object`)
    expect(message(1.5)).toBe(`limit 'maxNodes' must be a positive integer, got 1.5`)
    expect(() => resolveLimits({ nope: 1 })).toThrow(`unknown limit 'nope' (known limits: ${LIMIT_NAMES.join(', ')})`)
    for (const bad of [null, 'x', 3, []]) expect(() => resolveLimits(bad as never)).toThrow('limits must be an object of limit names to positive integers')
  })

  it('rejects a non-object', () => {
    expect(() => resolveLimits([] as unknown as Record<string, unknown>)).toThrow(/must be an object/)
  })
})

describe('checkValue', () => {
  const limits = resolveLimits({ maxCollectionSize: 5, maxValueDepth: 3 })

  it('accepts plain policy data', () => {
    const v = { a: [1, 'x', null, true, duration(5)], b: { c: -0.5 } }
    expect(() => checkValue(v, limits, 'request')).not.toThrow()
    expect(() => checkValue(Object.assign(Object.create(null) as object, { a: 1 }), limits, 'r')).not.toThrow()
  })

  it.each([
    ['undefined', { a: undefined }, /request\.a is undefined/],
    ['NaN', { a: [1, Number.NaN] }, /request\.a\[1\] is NaN/],
    ['Infinity', Number.POSITIVE_INFINITY, /request is Infinity/],
    ['a function', { f: () => 1 }, /request\.f is a function/],
    ['a Date', { d: new Date(0) }, /request\.d is a Date/],
    ['a Map', new Map(), /is a Map/],
    ['a bigint', { n: 1n }, /is a bigint/],
    ['a symbol key', { [Symbol('s')]: 1 }, /symbol keys/],
    ['a non-finite duration', { d: { $duration: Number.POSITIVE_INFINITY } }, /duration that is not finite/],
  ])('rejects %s with EVAL118 and a path', (_name, v, message) => {
    const e = evalErrorOf(() => checkValue(v, limits, 'request'))
    expect(e.code).toBe(EVAL_CODES.BAD_VALUE)
    expect(e.message).toMatch(message)
  })

  it('rejects data nested deeper than maxValueDepth', () => {
    expect(() => checkValue({ a: { b: { c: 1 } } }, limits, 'r')).not.toThrow()
    expect(codeOf(() => checkValue({ a: { b: { c: {} } } }, limits, 'r'))).toBe(EVAL_CODES.VALUE_TOO_DEEP)
    expect(codeOf(() => checkValue([[[[1]]]], limits, 'r'))).toBe(EVAL_CODES.VALUE_TOO_DEEP)
  })

  it('catches cycles and very deep data without overflowing the stack', () => {
    const cyc: Record<string, unknown> = {}
    cyc.self = cyc
    expect(codeOf(() => checkValue(cyc, limits, 'r'))).toBe(EVAL_CODES.VALUE_TOO_DEEP)
    let deep: unknown = 1
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(() => checkValue(deep, resolveLimits({ maxValueDepth: 1_000_000 }), 'r')).not.toThrow()
    const e = evalErrorOf(() => checkValue(deep, resolveLimits({ maxValueDepth: 50_000 }), 'r'))
    expect(e.code).toBe(EVAL_CODES.VALUE_TOO_DEEP)
    expect(e.message.length).toBeLessThan(300)
  })

  it('bounds the whole walk: data that shares one sub-object is counted as the tree it reads as', () => {
    // 40 levels of [x, x]: a few hundred bytes in memory, 2^40 values to any walker.
    let shared: unknown = 1
    for (let i = 0; i < 40; i++) shared = [shared, shared]
    const e = evalErrorOf(() => checkValue({ x: shared }, DEFAULT_LIMITS, 'request.context'))
    expect(e.code).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
    expect(e.message).toMatch(/^request\.context\.x\[0\]\[0\].* brings the data past maxValueNodes \(1000000\) values in all/)
    // The count is of values, the root included: n values pass with maxValueNodes n, not n - 1.
    expect(() => checkValue([1, 2, 3], resolveLimits({ maxValueNodes: 4 }), 'r')).not.toThrow()
    expect(codeOf(() => checkValue([1, 2, 3], resolveLimits({ maxValueNodes: 3 }), 'r'))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
    expect(codeOf(() => checkValue({ a: [1], b: { c: null } }, resolveLimits({ maxValueNodes: 4 }), 'r'))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
    expect(() => checkValue({ a: [1], b: { c: null } }, resolveLimits({ maxValueNodes: 5 }), 'r')).not.toThrow()
  })

  it('rejects collections and strings above maxCollectionSize', () => {
    expect(() => checkValue([1, 2, 3, 4, 5], limits, 'r')).not.toThrow()
    expect(codeOf(() => checkValue([1, 2, 3, 4, 5, 6], limits, 'r'))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
    expect(codeOf(() => checkValue({ s: 'abcdef' }, limits, 'r'))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
    expect(codeOf(() => checkValue({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 }, limits, 'r'))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
  })
})

describe('checkCollectionSize', () => {
  const limits = resolveLimits({ maxCollectionSize: 2 })
  it('applies to arrays, strings and records but not scalars', () => {
    for (const ok of [[1, 2], 'ab', { a: 1, b: 2 }, 12345, duration(1), null] as Value[]) {
      expect(() => checkCollectionSize(ok, limits, 'x')).not.toThrow()
    }
    for (const big of [[1, 2, 3], 'abc', { a: 1, b: 2, c: 3 }] as Value[]) {
      expect(codeOf(() => checkCollectionSize(big, limits, 'x'))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
    }
  })
})
