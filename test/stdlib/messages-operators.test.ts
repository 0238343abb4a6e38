/** `in`, typeOf and quoting at their edges: survivors of the 2026-12-04 Stryker run of stdlib/. */
import { describe, expect, it } from 'vitest'
import { duration, inOp, typeOf } from '../../stdlib/index.js'
import { quote } from '../../stdlib/eval-codes.js'
import { failureMessage } from './helpers.js'

const fails = failureMessage

describe('in', () => {
  it('finds the last element, and says what is wrong with the right-hand side', () => {
    expect(inOp(3, [1, 2, 3])).toBe(true)
    expect(inOp(4, [1, 2, 3])).toBe(false)
    expect(inOp('a', { a: 1 })).toBe(true)
    expect(fails(() => inOp('a', 'abc'))).toBe("'in' needs an array or a record on the right, got a string; test substrings with contains()")
    expect(fails(() => inOp(1, { a: 1 }))).toBe('cannot test whether number is a key of a record: only a string can be a key')
    expect(fails(() => inOp(1, 5))).toBe("cannot test membership in number: 'in' needs an array or a record")
  })
})

describe('typeOf', () => {
  it('names every kind of value', () => {
    expect([undefined, null, () => 1, [1], duration(5), { a: 1 }, { $duration: 'x' }, true, 1, 's'].map(typeOf)).toEqual(['null', 'null', 'function', 'array', 'duration', 'record', 'record', 'boolean', 'number', 'string'])
  })
})

describe('quote', () => {
  it('quotes as JSON and shortens past 40 characters', () => {
    expect(quote('a"b')).toBe('"a\\"b"')
    expect(quote('x'.repeat(40))).toBe(JSON.stringify('x'.repeat(40)))
    expect(quote('x'.repeat(41))).toBe(JSON.stringify(`${'x'.repeat(40)}…`))
  })
})
