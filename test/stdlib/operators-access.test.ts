import { describe, it, expect } from 'vitest'
import { EVAL_CODES, duration, expectBool, getIndex, getMember, hasAttr, inOp } from '../../stdlib/index.js'
import type { Value } from '../../stdlib/index.js'
import { codeOf, evalErrorOf } from './helpers.js'

describe('expectBool', () => {
  it('passes booleans through', () => {
    expect(expectBool(true, 'guard')).toBe(true)
    expect(expectBool(false, 'guard')).toBe(false)
  })

  it('has no truthiness', () => {
    for (const v of [1, 0, '', 'true', null, [], {}, duration(0)] as Value[]) {
      expect(codeOf(() => expectBool(v, 'left operand of &&'))).toBe(EVAL_CODES.NOT_BOOLEAN)
    }
    expect(evalErrorOf(() => expectBool(1, 'left operand of &&')).message).toBe('left operand of && must be a boolean, got number')
  })
})

describe('inOp', () => {
  it('finds elements of arrays structurally', () => {
    expect(inOp(1, [3, 2, 1])).toBe(true)
    expect(inOp({ a: [1] }, [{ a: [1] }])).toBe(true)
    expect(inOp(duration(1000), [duration(1000)])).toBe(true)
    expect(inOp('1', [1])).toBe(false)
    expect(inOp(null, [])).toBe(false)
  })

  it('refuses a string on the right: membership is not a substring test (SEMANTICS.md §5)', () => {
    // Issue 9 item 10: `"admin" in user.roles` was true for roles "not_admin_at_all".
    expect(codeOf(() => inOp('admin', 'not_admin_at_all'))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => inOp('call', 'tool_call::x'))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => inOp('', 'abc'))).toBe(EVAL_CODES.TYPE_MISMATCH)
    expect(codeOf(() => inOp(1, '123'))).toBe(EVAL_CODES.TYPE_MISMATCH)
  })

  it('finds own keys of records only', () => {
    expect(inOp('a', { a: null })).toBe(true)
    expect(inOp('b', { a: 1 })).toBe(false)
    expect(inOp('constructor', { a: 1 })).toBe(false)
    expect(inOp('toString', {})).toBe(false)
    expect(codeOf(() => inOp(1, { 1: true }))).toBe(EVAL_CODES.TYPE_MISMATCH)
  })

  it('rejects other containers', () => {
    for (const c of [1, true, null, duration(5)] as Value[]) {
      expect(codeOf(() => inOp('x', c))).toBe(EVAL_CODES.TYPE_MISMATCH)
    }
  })
})

describe('getMember', () => {
  const user = { id: 'alice', clearance: 'secret', tags: null } as Value

  it('reads attributes, null included', () => {
    expect(getMember(user, 'clearance')).toBe('secret')
    expect(getMember(user, 'tags')).toBe(null)
  })

  it('reports a missing attribute by name', () => {
    const e = evalErrorOf(() => getMember({ a: 1 }, 'clearance'))
    expect(e.code).toBe(EVAL_CODES.MISSING_ATTRIBUTE)
    expect(e.message).toBe("missing attribute 'clearance' on record")
    expect(evalErrorOf(() => getMember(user, 'role')).message).toContain('"alice"')
  })

  it('never reads the prototype chain', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(codeOf(() => getMember({}, name))).toBe(EVAL_CODES.MISSING_ATTRIBUTE)
    }
    expect(getMember(JSON.parse('{"__proto__": 5}') as Value, '__proto__')).toBe(5)
  })

  it('rejects member access on non-records', () => {
    for (const v of [1, 'abc', true, null, [1], duration(5)] as Value[]) {
      expect(codeOf(() => getMember(v, 'length'))).toBe(EVAL_CODES.NOT_A_RECORD)
    }
  })
})

describe('getIndex', () => {
  it('indexes arrays with in-range integers', () => {
    expect(getIndex(['a', 'b'], 1)).toBe('b')
    expect(getIndex(['a', 'b'], 0)).toBe('a')
  })

  it('rejects out-of-range and non-integer array indexes', () => {
    expect(codeOf(() => getIndex(['a'], 1))).toBe(EVAL_CODES.INDEX_OUT_OF_RANGE)
    expect(codeOf(() => getIndex(['a'], -1))).toBe(EVAL_CODES.INDEX_OUT_OF_RANGE)
    expect(codeOf(() => getIndex([], 0))).toBe(EVAL_CODES.INDEX_OUT_OF_RANGE)
    expect(codeOf(() => getIndex(['a'], 0.5))).toBe(EVAL_CODES.BAD_INDEX)
    expect(codeOf(() => getIndex(['a'], '0'))).toBe(EVAL_CODES.BAD_INDEX)
    expect(codeOf(() => getIndex(['a'], Number.NaN))).toBe(EVAL_CODES.BAD_INDEX)
  })

  it('indexes records with string keys', () => {
    expect(getIndex({ 'x-y': 1 }, 'x-y')).toBe(1)
    expect(codeOf(() => getIndex({ a: 1 }, 'b'))).toBe(EVAL_CODES.MISSING_ATTRIBUTE)
    expect(codeOf(() => getIndex({ 0: 1 }, 0))).toBe(EVAL_CODES.BAD_INDEX)
    expect(codeOf(() => getIndex({}, 'constructor'))).toBe(EVAL_CODES.MISSING_ATTRIBUTE)
  })

  it('rejects indexing anything else', () => {
    for (const v of ['abc', 1, true, null, duration(1)] as Value[]) {
      expect(codeOf(() => getIndex(v, 0))).toBe(EVAL_CODES.NOT_INDEXABLE)
    }
  })
})

describe('hasAttr', () => {
  it('tests own attributes', () => {
    expect(hasAttr({ a: null }, 'a')).toBe(true)
    expect(hasAttr({ a: 1 }, 'b')).toBe(false)
    expect(hasAttr({}, 'constructor')).toBe(false)
  })

  it('is a type error on non-records', () => {
    for (const v of [null, 1, 'a', [], duration(1)] as Value[]) {
      expect(codeOf(() => hasAttr(v, 'a'))).toBe(EVAL_CODES.NOT_A_RECORD)
    }
  })
})
