import { describe, it, expect } from 'vitest'
import {
  BUILTINS,
  EVAL_CODES,
  callFunction,
  callMethod,
  createCallContext,
  createFunctionTable,
  createHostFunctionRegistry,
  duration,
  lookupFunction,
  registerHostFunction,
  resolveLimits,
} from '../../stdlib/index.js'
import type { HostFunctionSpec, ParamType, Value } from '../../stdlib/index.js'
import { codeOf, evalErrorOf } from './helpers.js'

const ctx = createCallContext({ now: 0 })

function registryWith(...specs: HostFunctionSpec[]): ReturnType<typeof createHostFunctionRegistry> {
  const r = createHostFunctionRegistry()
  for (const s of specs) registerHostFunction(r, s)
  return r
}

const ipInRange: HostFunctionSpec = {
  name: 'ip_in_range',
  params: ['string', 'string'],
  returns: 'boolean',
  fn: (ip, prefix) => (ip as string).startsWith((prefix as string).replace(/\.0\/\d+$/, '.')),
}

describe('registerHostFunction', () => {
  it('registers a typed function callable by name, merged with builtins', () => {
    const r = registryWith(ipInRange)
    const table = createFunctionTable(r)
    expect(callFunction(table, 'ip_in_range', ['10.1.2.3', '10.1.2.0/24'], [], ctx)).toBe(true)
    expect(callFunction(table, 'ip_in_range', ['10.9.2.3', '10.1.2.0/24'], [], ctx)).toBe(false)
    expect(table.get('contains')).toBe(BUILTINS.get('contains'))
    expect(lookupFunction('ip_in_range', r)?.params).toEqual(['string', 'string'])
    expect(lookupFunction('len', r)).toBe(BUILTINS.get('len'))
    expect(lookupFunction('ip_in_range')).toBeUndefined()
    expect(createFunctionTable().has('ip_in_range')).toBe(false)
  })

  it('is a method only when declared so', () => {
    const r = registryWith(ipInRange, { name: 'double', params: ['number'], returns: 'number', fn: (x) => (x as number) * 2, method: true })
    const table = createFunctionTable(r)
    expect(callMethod(table, 'double', 4, [], [], ctx)).toBe(8)
    expect(codeOf(() => callMethod(table, 'ip_in_range', '10.0.0.1', ['10.0.0.0/8'], [], ctx))).toBe(EVAL_CODES.UNKNOWN_FUNCTION)
  })

  it.each([
    ['a builtin name', { ...ipInRange, name: 'contains' }, /shadow the builtin/],
    ['a non-identifier name', { ...ipInRange, name: 'ip-in-range' }, /must be an identifier/],
    ['an empty name', { ...ipInRange, name: '' }, /must be an identifier/],
    ['an unknown parameter type', { ...ipInRange, params: ['str' as ParamType] }, /unknown type "str"/],
    ['a function parameter', { ...ipInRange, params: ['function' as ParamType] }, /cannot be a function/],
    ['a bad return type', { ...ipInRange, returns: 'function' as ParamType }, /not a value type/],
    ['a missing fn', { ...ipInRange, fn: undefined as unknown as HostFunctionSpec['fn'] }, /fn must be a function/],
  ])('rejects %s with a plain Error', (_name, spec, message) => {
    expect(() => registryWith(spec)).toThrow(message)
  })

  it('rejects registering a name twice', () => {
    expect(() => registryWith(ipInRange, ipInRange)).toThrow(/already registered/)
  })
})

describe('host function calls', () => {
  const table = createFunctionTable(
    registryWith(
      ipInRange,
      { name: 'boom', params: [], returns: 'number', fn: () => { throw new Error('database unreachable') } },
      { name: 'boom_string', params: [], returns: 'number', fn: () => { throw 'plain string' as unknown as Error } },
      { name: 'wrong_type', params: [], returns: 'number', fn: () => 'nine' },
      { name: 'nan', params: [], returns: 'number', fn: () => Number.NaN },
      { name: 'undef', params: [], returns: 'any', fn: () => undefined as unknown as Value },
      { name: 'promise', params: [], returns: 'any', fn: () => Promise.resolve(1) as unknown as Value },
      { name: 'date', params: [], returns: 'any', fn: () => new Date() as unknown as Value },
      { name: 'huge', params: [], returns: 'array', fn: () => new Array<Value>(11).fill(1) },
      { name: 'ttl', params: ['duration'], returns: 'duration', fn: (d) => duration((d as { $duration: number }).$duration * 2) },
    ),
  )

  it('checks arity and argument types before calling', () => {
    expect(codeOf(() => callFunction(table, 'ip_in_range', ['10.0.0.1'], [], ctx))).toBe(EVAL_CODES.ARITY)
    expect(codeOf(() => callFunction(table, 'ip_in_range', ['10.0.0.1', 'a', 'b'], [], ctx))).toBe(EVAL_CODES.ARITY)
    expect(codeOf(() => callFunction(table, 'ip_in_range', [10, '10.0.0.0/8'], [], ctx))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => callFunction(table, 'ip_in_range', [null, '10.0.0.0/8'], [() => true], ctx))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => callFunction(table, 'ttl', [60_000], [], ctx))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(callFunction(table, 'ttl', [duration(1000)], [], ctx)).toEqual(duration(2000))
  })

  it('wraps whatever the host function throws', () => {
    const e = evalErrorOf(() => callFunction(table, 'boom', [], [], ctx))
    expect(e.code).toBe(EVAL_CODES.HOST_FUNCTION_FAILED)
    expect(e.message).toContain('boom')
    expect(e.message).toContain('database unreachable')
    expect(codeOf(() => callFunction(table, 'boom_string', [], [], ctx))).toBe(EVAL_CODES.HOST_FUNCTION_FAILED)
  })

  it.each(['wrong_type', 'nan', 'undef', 'promise', 'date'])('refuses the result of %s', (name) => {
    expect(codeOf(() => callFunction(table, name, [], [], ctx))).toBe(EVAL_CODES.HOST_FUNCTION_RESULT)
  })

  it('applies the collection limit to results', () => {
    const small = createCallContext({ now: 0, limits: resolveLimits({ maxCollectionSize: 10 }) })
    expect(codeOf(() => callFunction(table, 'huge', [], [], small))).toBe(EVAL_CODES.HOST_FUNCTION_RESULT)
    expect(callFunction(table, 'huge', [], [], ctx)).toHaveLength(11)
  })
})
