import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { EVAL_CODES, add, div, duration, mod, mul, negate, sub } from '../../stdlib/index.js'
import type { Value } from '../../stdlib/index.js'
import { RUNS, arbValue, codeOf, evalErrorOf } from './helpers.js'

describe('add', () => {
  it('adds numbers, concatenates strings, adds durations', () => {
    expect(add(2, 3)).toBe(5)
    expect(add(0.5, 0.25)).toBe(0.75)
    expect(add('tool_', 'call')).toBe('tool_call')
    expect(add(duration(1000), duration(60_000))).toEqual(duration(61_000))
  })

  it('does not coerce', () => {
    expect(evalErrorOf(() => add('a', 1)).message).toContain('string and number')
    expect(codeOf(() => add(1, 'a'))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => add(duration(1), 1))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => add(true, 1))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => add(null, null))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => add([1], [2]))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => add({}, {}))).toBe(EVAL_CODES.TYPE_MISMATCH)
  })

  it('refuses to overflow to Infinity', () => {
    expect(codeOf(() => add(Number.MAX_VALUE, Number.MAX_VALUE))).toBe(EVAL_CODES.NON_FINITE)
    expect(codeOf(() => add(duration(Number.MAX_VALUE), duration(Number.MAX_VALUE)))).toBe(EVAL_CODES.NON_FINITE)
  })
})

describe('sub, mul, div, mod', () => {
  it('compute on numbers', () => {
    expect(sub(5, 7)).toBe(-2)
    expect(mul(4, 2.5)).toBe(10)
    expect(div(7, 2)).toBe(3.5)
    expect(mod(7, 3)).toBe(1)
    expect(mod(-7, 3)).toBe(-1)
  })

  it('subtract durations from durations only', () => {
    expect(sub(duration(60_000), duration(1000))).toEqual(duration(59_000))
    expect(codeOf(() => sub(duration(60_000), 1000))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => sub('ab', 'b'))).toBe(EVAL_CODES.TYPE_MISMATCH)
  })

  it('take numbers only', () => {
    expect(codeOf(() => mul(duration(1000), 2))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => mul('ab', 2))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => div('a', 1))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => mod(1, true))).toBe(EVAL_CODES.TYPE_MISMATCH)
  })

  it('treat division and modulo by zero as errors', () => {
    expect(codeOf(() => div(1, 0))).toBe(EVAL_CODES.DIVISION_BY_ZERO)
    expect(codeOf(() => div(0, 0))).toBe(EVAL_CODES.DIVISION_BY_ZERO)
    expect(codeOf(() => div(1, -0))).toBe(EVAL_CODES.DIVISION_BY_ZERO)
    expect(codeOf(() => mod(1, 0))).toBe(EVAL_CODES.DIVISION_BY_ZERO)
  })

  it('refuse non-finite results', () => {
    expect(codeOf(() => mul(1e200, 1e200))).toBe(EVAL_CODES.NON_FINITE)
    expect(codeOf(() => div(1e300, 1e-300))).toBe(EVAL_CODES.NON_FINITE)
    expect(codeOf(() => sub(-Number.MAX_VALUE, Number.MAX_VALUE))).toBe(EVAL_CODES.NON_FINITE)
    expect(codeOf(() => add(Number.NaN, 1))).toBe(EVAL_CODES.NON_FINITE)
  })
})

describe('negate', () => {
  it('negates numbers and durations', () => {
    expect(negate(3)).toBe(-3)
    expect(negate(duration(1000))).toEqual(duration(-1000))
  })

  it('rejects other types', () => {
    expect(codeOf(() => negate('3'))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => negate(true))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => negate(null))).toBe(EVAL_CODES.TYPE_MISMATCH)
  })
})

describe('arithmetic properties', () => {
  it('either returns a finite value or throws an EvalError, for any operands', () => {
    const ops = [add, sub, mul, div, mod]
    fc.assert(
      fc.property(fc.constantFrom(...ops), arbValue, arbValue, (op, a, b) => {
        let r: Value
        try {
          r = op(a, b)
        } catch (e) {
          return (e as { name?: string }).name === 'EvalError'
        }
        if (typeof r === 'number') return Number.isFinite(r)
        return typeof r === 'string' || (typeof r === 'object' && r !== null && Number.isFinite((r as { $duration: number }).$duration))
      }),
      { numRuns: RUNS },
    )
  })
})

describe('error messages name the operation, both operand types and what is accepted', () => {
  const BIG = Number.MAX_VALUE
  it.each([
    [() => add('a', 1), EVAL_CODES.TYPE_MISMATCH, 'cannot add string and number: expected two numbers, strings or durations of one type'],
    [() => sub('a', 'b'), EVAL_CODES.TYPE_MISMATCH, 'cannot subtract string and string: expected two numbers or durations of one type'],
    [() => mul(true, 2), EVAL_CODES.TYPE_MISMATCH, 'cannot multiply boolean and number: expected two numbers of one type'],
    [() => div(null, 2), EVAL_CODES.TYPE_MISMATCH, 'cannot divide null and number: expected two numbers of one type'],
    [() => mod(1, 'x'), EVAL_CODES.TYPE_MISMATCH, 'cannot take the remainder of number and string: expected two numbers of one type'],
    [() => negate('x'), EVAL_CODES.TYPE_MISMATCH, "cannot negate string: '-' takes a number or a duration"],
    [() => div(1, 0), EVAL_CODES.DIVISION_BY_ZERO, 'division by zero'],
    [() => mod(1, 0), EVAL_CODES.DIVISION_BY_ZERO, 'modulo by zero'],
    [() => add(BIG, BIG), EVAL_CODES.NON_FINITE, "result of '+' is not a finite number"],
    [() => sub(-BIG, BIG), EVAL_CODES.NON_FINITE, "result of '-' is not a finite number"],
    [() => mul(BIG, 2), EVAL_CODES.NON_FINITE, "result of '*' is not a finite number"],
    [() => div(BIG, 0.5), EVAL_CODES.NON_FINITE, "result of '/' is not a finite number"],
    [() => add(duration(BIG), duration(BIG)), EVAL_CODES.NON_FINITE, "result of '+' is not a finite number"],
    [() => sub(duration(-BIG), duration(BIG)), EVAL_CODES.NON_FINITE, "result of '-' is not a finite number"],
  ] as [() => unknown, string, string][])('%#: %s', (f, code, message) => {
    const e = evalErrorOf(f)
    expect(e.code).toBe(code)
    expect(e.message).toBe(message)
  })
})
