/**
 * Messages and edge cases the 2026-12-04 Stryker run of stdlib/ showed no test pinning: host
 * function registration and results, attribute and index access, the `comparable` type.
 */
import { describe, expect, it } from 'vitest'
import { createCallContext, createHostFunctionRegistry, duration, registerHostFunction } from '../../stdlib/index.js'
import type { HostFunctionSpec, Value } from '../../stdlib/index.js'
import { getIndex, getMember, hasAttr } from '../../stdlib/access.js'
import { matchesParamType } from '../../stdlib/builtin-types.js'
import { evalErrorOf } from './helpers.js'

const ctx = createCallContext({ now: 0 })
const register = (spec: Partial<HostFunctionSpec>): string => {
  try {
    registerHostFunction(createHostFunctionRegistry(), { name: 'f', params: [], returns: 'any', fn: () => null, ...spec } as HostFunctionSpec)
    return 'registered'
  } catch (e) {
    return (e as Error).message
  }
}

describe('host function registration messages', () => {
  it('name what is wrong and where', () => {
    expect(register({ name: 'a-b' })).toBe('host function name "a-b" must be an identifier')
    expect(register({ name: 3 as unknown as string })).toBe('host function name 3 must be an identifier')
    expect(register({ params: 'string' as never })).toBe("host function 'f': params must be an array of types")
    expect(register({ params: ['string', 'strnig' as never] })).toBe(`host function 'f': parameter 2 has unknown type "strnig" (known: boolean, number, string, duration, null, array, record, collection, comparable, function, any)`)
    expect(register({ params: ['string', 'function'] })).toBe("host function 'f': parameter 2 cannot be a function; host functions take values only")
    expect(register({ params: ['string'] })).toBe('registered')
  })

  it('keep their own copy of the parameter list', () => {
    const params: HostFunctionSpec['params'][number][] = ['string']
    const r = createHostFunctionRegistry()
    const b = registerHostFunction(r, { name: 'g', params, returns: 'string', fn: (s) => s as Value })
    params.push('number')
    expect(b.params).toEqual(['string'])
  })
})

describe('host function results', () => {
  const call = (fn: (...a: Value[]) => unknown, returns: HostFunctionSpec['returns'] = 'any'): string => {
    const r = createHostFunctionRegistry()
    const b = registerHostFunction(r, { name: 'h', params: [], returns, fn: fn as HostFunctionSpec['fn'] })
    return evalErrorOf(() => b.call([], [], ctx)).message
  }
  it('refuse promises and thenables, wrong types and non-values, and quote what was thrown', () => {
    expect(call(() => Promise.resolve(1))).toBe("host function 'h' returned a Promise; host functions must be synchronous")
    expect(call(() => ({ then: () => undefined }))).toBe("host function 'h' returned a Promise; host functions must be synchronous")
    expect(call(() => 'x', 'number')).toBe("host function 'h' must return number, returned string")
    expect(call(() => Number.NaN)).toMatch(/^result of host function 'h'/)
    expect(call(() => {
      throw new Error('boom')
    })).toBe("host function 'h' failed: boom")
    expect(call(() => {
      throw 'plain text'
    })).toBe("host function 'h' failed: plain text")
    expect(call(() => {
      throw 42
    })).toBe("host function 'h' failed: a thrown number")
    const long = 'x'.repeat(300)
    expect(call(() => {
      throw new Error(long)
    })).toBe(`host function 'h' failed: ${'x'.repeat(200)}…`)
    expect(call(() => {
      throw new Error('y'.repeat(200))
    })).toBe(`host function 'h' failed: ${'y'.repeat(200)}`)
    // A record that merely has a `then` that is not a function is a value, not a promise.
    const r = createHostFunctionRegistry()
    const b = registerHostFunction(r, { name: 'k', params: [], returns: 'record', fn: () => ({ then: 1 }) })
    expect(b.call([], [], ctx)).toEqual({ then: 1 })
    const n = registerHostFunction(createHostFunctionRegistry(), { name: 'n', params: [], returns: 'null', fn: () => null })
    expect(n.call([], [], ctx)).toBeNull()
  })
})

describe('attribute and index access messages', () => {
  const msg = (f: () => unknown): string => evalErrorOf(f).message
  it('say what was read from what', () => {
    expect(msg(() => getMember(3, 'a'))).toBe("cannot read attribute 'a' of number: only records have attributes")
    expect(msg(() => getIndex([1], 1.5))).toBe('array index must be an integer, got 1.5')
    expect(msg(() => getIndex([1], '0'))).toBe('array index must be an integer, got string')
    expect(msg(() => getIndex([1], 3))).toBe('index 3 out of range for array of length 1')
    expect(msg(() => getIndex({ a: 1 }, 0))).toBe('record key must be a string, got number')
    expect(msg(() => getIndex('abc', 0))).toBe('cannot index string: only arrays and records can be indexed')
    expect(msg(() => hasAttr([1], 'a'))).toBe("cannot test attribute 'a' on array: only records have attributes")
    expect(getIndex([1, 2], 1)).toBe(2)
  })
})

describe('the comparable and null parameter types', () => {
  it('accept exactly numbers, strings and durations; null only null', () => {
    expect(matchesParamType(1, 'comparable')).toBe(true)
    expect(matchesParamType('a', 'comparable')).toBe(true)
    expect(matchesParamType(duration(5), 'comparable')).toBe(true)
    expect(matchesParamType(true, 'comparable')).toBe(false)
    expect(matchesParamType(null, 'comparable')).toBe(false)
    expect(matchesParamType({ a: 1 }, 'comparable')).toBe(false)
    expect(matchesParamType(null, 'null')).toBe(true)
    expect(matchesParamType(0, 'null')).toBe(false)
  })
})
