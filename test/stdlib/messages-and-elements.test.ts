/**
 * Pins what the 2026-12-04 Stryker run of stdlib/ showed no test noticing: the exact argument
 * and arity messages of every builtin (they are what a policy author reads in a deny reason),
 * and equality of containers that differ in one primitive element, in both the recursive and
 * the explicit-stack walk.
 */
import { describe, expect, it } from 'vitest'
import { BUILTINS, createCallContext, duration, valueEquals } from '../../stdlib/index.js'
import type { Callable, Value } from '../../stdlib/index.js'
import { checkArgs, defineBuiltin } from '../../stdlib/define-builtin.js'
import { evalErrorOf } from './helpers.js'

const ctx = createCallContext({ now: 0 })
const call = (name: string, args: Value[], fns: (Callable | undefined)[] = []) => () => (BUILTINS.get(name) as NonNullable<ReturnType<typeof BUILTINS.get>>).call(args, fns, ctx)
const message = (f: () => unknown): string => evalErrorOf(f).message

describe('argument and arity messages', () => {
  it('name the argument by position, the function, the expected and the actual type', () => {
    expect(message(call('starts_with', ['a', 1]))).toBe('argument 2 of starts_with must be a string, got number')
    expect(message(call('contains', [1, 1]))).toBe('argument 1 of contains must be an array, a string or a record, got number')
    expect(message(call('keys', [[1]]))).toBe('argument 1 of keys must be a record, got array')
    expect(message(call('sum', ['x']))).toBe('argument 1 of sum must be an array, got string')
    expect(message(call('any', [[1], null], []))).toBe('argument 2 of any must be a function (a lambda such as x => …), got null')
    expect(message(call('len', [null], [(x) => x]))).toBe('argument 1 of len must be an array, a string or a record, got a function')
  })

  it('state the arity as exact, a range, or a minimum', () => {
    expect(message(call('lower', []))).toBe('lower expects 1 argument, got 0')
    expect(message(call('starts_with', ['a']))).toBe('starts_with expects 2 arguments, got 1')
    expect(message(call('count', [[1], null, null], [undefined, (x) => x, (x) => x]))).toBe('count expects 1 to 2 arguments, got 3')
    expect(message(call('min', []))).toBe('min expects at least 1 argument, got 0')
    // A lambda past the end of the values still counts: count(xs, p, q) is three arguments.
    const one = defineBuiltin({ name: 'one', params: ['any'], returns: 'any', method: false, impl: ([x]) => x as Value })
    expect(message(() => one.call([1], [undefined, undefined, (x) => x], ctx))).toBe('one expects 1 argument, got 3')
    expect(one.call([1], [undefined, undefined], ctx)).toBe(1)
  })

  it('describe each parameter type with its article, and report a missing argument', () => {
    const b = (t: 'comparable' | 'any' | 'duration' | 'number', n = 2) => defineBuiltin({ name: `f_${t}`, params: [t, t], minArgs: 1, maxArgs: n, returns: 'any', method: false, impl: () => null })
    expect(message(() => b('comparable').call([true], [], ctx))).toBe('argument 1 of f_comparable must be a number, a duration or a string, got boolean')
    expect(message(() => b('duration').call([1], [], ctx))).toBe('argument 1 of f_duration must be a duration, got number')
    expect(message(() => b('number').call([1, null], [undefined, (x) => x], ctx))).toBe('argument 2 of f_number must be a number, got a function')
    expect(message(() => b('any').call([1], [undefined, (x) => x], ctx))).toBe('argument 2 of f_any must be a value, got a function')
    const gap = defineBuiltin({ name: 'gap', params: ['number', 'number'], minArgs: 0, maxArgs: 2, returns: 'any', method: false, impl: () => null })
    expect(message(() => checkArgs(gap, [], [undefined, (x) => x], ctx))).toBe('argument 1 of gap is missing')
    expect(() => checkArgs(gap, [], [undefined, undefined], ctx)).not.toThrow()
    expect(message(() => checkArgs(gap, [1], [undefined, (x) => x], ctx))).toBe('argument 2 of gap must be a number, got a function')
  })

  it('size-checks collection arguments under the argument’s name', () => {
    const tiny = createCallContext({ now: 0, limits: { maxCollectionSize: 2 } })
    expect(message(() => (BUILTINS.get('len') as NonNullable<ReturnType<typeof BUILTINS.get>>).call([[1, 2, 3]], [], tiny))).toMatch(/^argument 1 of len /)
  })
})

describe('equality of containers differing in one element', () => {
  const deep = (v: Value, n: number): Value => {
    let out = v
    for (let i = 0; i < n; i++) out = [out]
    return out
  }
  const cases: [Value, Value, boolean][] = [
    [[1, 2], [1, 3], false],
    [[1, 'a'], [1, 'b'], false],
    [['x', true], ['x', false], false],
    [{ a: 1 }, { a: 2 }, false],
    [{ a: 'x' }, { a: 'y' }, false],
    [{ a: null }, { a: 1 }, false],
    [[null], [0], false],
    [[null], [null], true],
    [{ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }, true],
    [{ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] }, false],
    [[duration(5)], [duration(6)], false],
    [[duration(5)], [duration(5)], true],
    [[[1]], [{ 0: 1 }], false],
    [[1, 2], [1, 2, 3], false],
  ]
  it.each(cases)('%j == %j is %s, shallow and at depth 250', (a, b, expected) => {
    expect(valueEquals(a, b)).toBe(expected)
    expect(valueEquals(b, a)).toBe(expected)
    expect(valueEquals(deep(a, 250), deep(b, 250))).toBe(expected)
    expect(valueEquals({ k: deep(a, 250) }, { k: deep(b, 250) })).toBe(expected)
  })

  it('treats an undefined slot like null, and like nothing else', () => {
    // eslint-disable-next-line no-sparse-arrays
    const holey = [1, , 3] as unknown as Value
    expect(valueEquals(holey, [1, null, 3])).toBe(true)
    expect(valueEquals(holey, [1, 0, 3])).toBe(false)
    expect(valueEquals(deep(holey, 250), deep([1, null, 3], 250))).toBe(true)
    expect(valueEquals(deep(holey, 250), deep([1, false, 3], 250))).toBe(false)
  })
})
