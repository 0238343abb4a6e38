import { describe, it, expect } from 'vitest'
import {
  BUILTINS,
  EVAL_CODES,
  EvalError,
  PARAM_TYPES,
  callFunction,
  callMethod,
  createCallContext,
  createFunctionTable,
  createLadders,
  duration,
  isEvalError,
  matchesParamType,
  resolveLimits,
} from '../../stdlib/index.js'
import type { Callable, Value } from '../../stdlib/index.js'
import { codeOf, evalErrorOf } from './helpers.js'

const ctx = createCallContext({ now: 1_700_000_000_000, ladders: createLadders({ priority: ['low', 'medium', 'high'] }) })
const table = createFunctionTable()

/** Calls a builtin in function form; lambdas go in `fns` at their positions, `null` in `args`. */
function call(name: string, ...args: (Value | Callable)[]): Value {
  const vals = args.map((a) => (typeof a === 'function' ? null : a))
  const fns = args.map((a) => (typeof a === 'function' ? a : undefined))
  return callFunction(table, name, vals, fns, ctx)
}

const positive: Callable = (x) => typeof x === 'number' && x > 0
const double: Callable = (x) => (x as number) * 2

describe('builtin registry', () => {
  it('has exactly the builtins of SEMANTICS.md §5', () => {
    expect([...BUILTINS.keys()].sort()).toEqual(
      ['all', 'any', 'contains', 'count', 'duration', 'ends_with', 'filter', 'has', 'keys', 'len', 'length', 'lower', 'map', 'max', 'min', 'now', 'starts_with', 'sum', 'upper'].sort(),
    )
  })

  it('declares well-formed signatures', () => {
    for (const b of BUILTINS.values()) {
      expect(b.minArgs).toBeLessThanOrEqual(b.maxArgs)
      expect(b.params.length === 0 || b.params.length <= (b.maxArgs === Infinity ? b.params.length : b.maxArgs)).toBe(true)
      for (const t of [...b.params, b.returns]) expect(PARAM_TYPES).toContain(t)
      expect(Object.isFrozen(b)).toBe(true)
    }
    expect(BUILTINS.get('now')?.method).toBe(false)
    expect(BUILTINS.get('duration')?.method).toBe(false)
    expect(BUILTINS.get('contains')?.method).toBe(true)
  })

  it('isEvalError narrows evaluation errors only', () => {
    expect(isEvalError(new EvalError(EVAL_CODES.ARITY, 'x'))).toBe(true)
    expect(isEvalError(new Error('x'))).toBe(false)
    expect(Object.isFrozen(EVAL_CODES)).toBe(true)
    expect(new Set(Object.values(EVAL_CODES)).size).toBe(Object.values(EVAL_CODES).length)
  })

  it('rejects unknown names and non-methods in method position', () => {
    expect(codeOf(() => call('nope'))).toBe(EVAL_CODES.UNKNOWN_FUNCTION)
    expect(codeOf(() => callMethod(table, 'now', 1, [], [], ctx))).toBe(EVAL_CODES.UNKNOWN_FUNCTION)
    expect(codeOf(() => callMethod(table, 'nope', 1, [], [], ctx))).toBe(EVAL_CODES.UNKNOWN_FUNCTION)
  })

  it('checks arity for every builtin', () => {
    for (const b of BUILTINS.values()) {
      const tooMany = b.maxArgs === Infinity ? undefined : b.maxArgs + 1
      if (tooMany !== undefined) {
        expect(codeOf(() => b.call(new Array<Value>(tooMany).fill(1), [], ctx))).toBe(EVAL_CODES.ARITY)
      }
      if (b.minArgs > 0) expect(codeOf(() => b.call(new Array<Value>(b.minArgs - 1).fill(1), [], ctx))).toBe(EVAL_CODES.ARITY)
    }
    expect(evalErrorOf(() => call('len', 'a', 'b')).message).toBe('len expects 1 argument, got 2')
  })
})

describe('contains', () => {
  it('finds array elements, substrings and record keys', () => {
    expect(call('contains', ['secret', 'public'], 'secret')).toBe(true)
    expect(call('contains', [{ a: 1 }], { a: 1 })).toBe(true)
    expect(call('contains', [1], '1')).toBe(false)
    expect(call('contains', 'tool_call', 'call')).toBe(true)
    expect(call('contains', { a: 1 }, 'a')).toBe(true)
    expect(call('contains', { a: 1 }, 'toString')).toBe(false)
  })

  it('rejects bad containers and elements', () => {
    expect(codeOf(() => call('contains', 5, 5))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('contains', null, 'a'))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('contains', 'abc', 1))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => call('contains', { a: 1 }, 1))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => call('contains', [1], positive))).toBe(EVAL_CODES.ARGUMENT_TYPE)
  })
})

describe('starts_with / ends_with / lower / upper', () => {
  it('work on strings', () => {
    expect(call('starts_with', 'tool_call::x', 'tool_call::')).toBe(true)
    expect(call('starts_with', 'abc', 'b')).toBe(false)
    expect(call('ends_with', 'report.pdf', '.pdf')).toBe(true)
    expect(call('ends_with', 'abc', 'b')).toBe(false)
    expect(call('lower', 'SeCrEt')).toBe('secret')
    expect(call('upper', 'secret')).toBe('SECRET')
  })

  it('reject non-strings', () => {
    expect(codeOf(() => call('starts_with', ['a'], 'a'))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('ends_with', 'a', 1))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('lower', 1))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('upper', null))).toBe(EVAL_CODES.ARGUMENT_TYPE)
  })
})

describe('length / len / keys / has', () => {
  it('measure arrays, records and strings in code points', () => {
    for (const name of ['length', 'len']) {
      expect(call(name, [1, 2, 3])).toBe(3)
      expect(call(name, { a: 1, b: 2 })).toBe(2)
      expect(call(name, 'héllo')).toBe(5)
      expect(call(name, '😀')).toBe(1)
      expect(call(name, '\ud800')).toBe(1)
      expect(call(name, '')).toBe(0)
      expect(codeOf(() => call(name, 5))).toBe(EVAL_CODES.ARGUMENT_TYPE)
      expect(codeOf(() => call(name, duration(5)))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    }
  })

  it('keys are sorted, so equal records give equal keys', () => {
    expect(call('keys', { b: 1, a: 2 })).toEqual(['a', 'b'])
    expect(call('keys', {})).toEqual([])
    expect(codeOf(() => call('keys', ['a']))).toBe(EVAL_CODES.ARGUMENT_TYPE)
  })

  it('has tests own attributes', () => {
    expect(call('has', { clearance: null }, 'clearance')).toBe(true)
    expect(call('has', { a: 1 }, 'clearance')).toBe(false)
    expect(call('has', {}, 'constructor')).toBe(false)
    expect(codeOf(() => call('has', 'abc', 'length'))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('has', { a: 1 }, 1))).toBe(EVAL_CODES.ARGUMENT_TYPE)
  })
})

describe('any / all / count / map / filter', () => {
  it('evaluate predicates', () => {
    expect(call('any', [-1, 2], positive)).toBe(true)
    expect(call('any', [], positive)).toBe(false)
    expect(call('all', [1, 2], positive)).toBe(true)
    expect(call('all', [1, -2], positive)).toBe(false)
    expect(call('all', [], positive)).toBe(true)
    expect(call('count', [1, -2, 3], positive)).toBe(2)
    expect(call('count', [1, -2, 3])).toBe(3)
    expect(call('map', [1, 2], double)).toEqual([2, 4])
    expect(call('filter', [1, -2, 3], positive)).toEqual([1, 3])
  })

  it('require a boolean from every predicate', () => {
    const num: Callable = () => 1
    for (const name of ['any', 'all', 'count', 'filter']) {
      const e = evalErrorOf(() => call(name, [1], num))
      expect(e.code).toBe(EVAL_CODES.NOT_BOOLEAN)
      expect(e.message).toContain(name)
    }
    // map takes any result.
    expect(call('map', [1], num)).toEqual([1])
  })

  it('stop at the deciding element and propagate lambda errors', () => {
    const seen: Value[] = []
    const spy: Callable = (x) => {
      seen.push(x)
      return x === 2
    }
    expect(call('any', [1, 2, 3], spy)).toBe(true)
    expect(seen).toEqual([1, 2])
    const boom: Callable = () => {
      throw new EvalError(EVAL_CODES.MISSING_ATTRIBUTE, "missing attribute 'x' on record")
    }
    expect(codeOf(() => call('map', [1], boom))).toBe(EVAL_CODES.MISSING_ATTRIBUTE)
  })

  it('count a lambda passed past the end of args (never silently dropped)', () => {
    const b = BUILTINS.get('count')!
    expect(b.call([[1, -2]], [undefined, positive], ctx)).toBe(1)
    expect(codeOf(() => b.call([[1]], [undefined, undefined, positive], ctx))).toBe(EVAL_CODES.ARITY)
    expect(codeOf(() => BUILTINS.get('contains')!.call([[1]], [undefined, positive], ctx))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => BUILTINS.get('min')!.call([1], [undefined, undefined, positive], ctx))).toBe(EVAL_CODES.ARGUMENT_TYPE)
  })

  it('require an array and a lambda', () => {
    expect(codeOf(() => call('any', 'abc', positive))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('any', { a: 1 }, positive))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('map', [1], 5))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('filter', [1], null))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('count', [1], true))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('count', positive))).toBe(EVAL_CODES.ARGUMENT_TYPE)
  })
})

describe('min / max', () => {
  it('pick from an array or from several arguments', () => {
    expect(call('min', [3, 1, 2])).toBe(1)
    expect(call('max', [3, 1, 2])).toBe(3)
    expect(call('min', 3, 1, 2)).toBe(1)
    expect(call('max', 3, 1)).toBe(3)
    expect(call('max', [duration(1000), duration(60_000)])).toEqual(duration(60_000))
    expect(call('max', ['internal', 'secret', 'public'])).toBe('secret')
    expect(call('min', 'high', 'low')).toBe('low')
    expect(call('min', [7])).toBe(7)
  })

  it('reject empty arrays, mixed types, off-ladder strings and lone scalars', () => {
    expect(codeOf(() => call('min', []))).toBe(EVAL_CODES.EMPTY_COLLECTION)
    expect(codeOf(() => call('max', []))).toBe(EVAL_CODES.EMPTY_COLLECTION)
    expect(codeOf(() => call('min', [1, 'a']))).toBe(EVAL_CODES.INCOMPARABLE)
    expect(codeOf(() => call('max', 1, duration(1)))).toBe(EVAL_CODES.INCOMPARABLE)
    expect(codeOf(() => call('max', ['zebra', 'apple']))).toBe(EVAL_CODES.NOT_ON_LADDER)
    expect(codeOf(() => call('max', ['zebra']))).toBe(EVAL_CODES.NOT_ON_LADDER)
    expect(codeOf(() => call('max', [true]))).toBe(EVAL_CODES.INCOMPARABLE)
    expect(codeOf(() => call('max', 'low', 'secret'))).toBe(EVAL_CODES.NOT_ON_LADDER)
    expect(codeOf(() => call('min', 5))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('min', [1], [2]))).toBe(EVAL_CODES.INCOMPARABLE)
  })
})

describe('sum', () => {
  it('adds numbers or durations; empty is 0', () => {
    expect(call('sum', [1, 2, 3.5])).toBe(6.5)
    expect(call('sum', [])).toBe(0)
    expect(call('sum', [duration(1000), duration(2000)])).toEqual(duration(3000))
  })

  it('rejects strings, mixtures and overflow', () => {
    expect(codeOf(() => call('sum', ['a', 'b']))).toBe(EVAL_CODES.ARGUMENT_TYPE)
    expect(codeOf(() => call('sum', [1, duration(1)]))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => call('sum', [Number.MAX_VALUE, Number.MAX_VALUE]))).toBe(EVAL_CODES.NON_FINITE)
    expect(codeOf(() => call('sum', 5))).toBe(EVAL_CODES.ARGUMENT_TYPE)
  })
})

describe('now / duration', () => {
  it('now() is the request time from the context', () => {
    expect(call('now')).toBe(1_700_000_000_000)
    expect(callFunction(table, 'now', [], [], createCallContext({ now: 5 }))).toBe(5)
  })

  it('duration() parses the literal syntax', () => {
    expect(call('duration', '5m')).toEqual(duration(300_000))
    expect(codeOf(() => call('duration', '500ms'))).toBe(EVAL_CODES.BAD_DURATION)
    expect(codeOf(() => call('duration', 5))).toBe(EVAL_CODES.ARGUMENT_TYPE)
  })
})

describe('maxCollectionSize', () => {
  const small = createCallContext({ now: 0, limits: resolveLimits({ maxCollectionSize: 3 }) })
  const ok = [1, 2, 3]
  const big = [1, 2, 3, 4]
  const fnsFor = (name: string): (Callable | undefined)[] => (['any', 'all', 'count', 'map', 'filter'].includes(name) ? [undefined, positive] : [])
  const argsFor = (name: string, xs: Value): Value[] => (fnsFor(name).length > 0 ? [xs, null] : [xs])

  it.each(['map', 'filter', 'any', 'all', 'count', 'min', 'max', 'sum', 'length', 'len'])('%s refuses an array over the limit', (name) => {
    const b = BUILTINS.get(name)!
    expect(() => b.call(argsFor(name, ok), fnsFor(name), small)).not.toThrow()
    expect(codeOf(() => b.call(argsFor(name, big), fnsFor(name), small))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
  })

  it('applies to strings and records too', () => {
    expect(codeOf(() => BUILTINS.get('lower')!.call(['ABCD'], [], small))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
    expect(codeOf(() => BUILTINS.get('contains')!.call(['abcd', 'a'], [], small))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
    expect(codeOf(() => BUILTINS.get('keys')!.call([{ a: 1, b: 2, c: 3, d: 4 }], [], small))).toBe(EVAL_CODES.COLLECTION_TOO_LARGE)
  })

  it('does not apply to has, an O(1) lookup', () => {
    expect(BUILTINS.get('has')!.call([{ a: 1, b: 2, c: 3, d: 4 }, 'a'], [], small)).toBe(true)
  })
})

describe('matchesParamType', () => {
  it('classifies values', () => {
    expect(matchesParamType('a', 'collection')).toBe(true)
    expect(matchesParamType(duration(1), 'collection')).toBe(false)
    expect(matchesParamType(duration(1), 'comparable')).toBe(true)
    expect(matchesParamType(null, 'null')).toBe(true)
    expect(matchesParamType(null, 'any')).toBe(true)
    expect(matchesParamType({}, 'record')).toBe(true)
    expect(matchesParamType(duration(1), 'record')).toBe(false)
    expect(matchesParamType(1, 'function')).toBe(false)
  })
})
