/**
 * readValue and readBase: what a read of request data yields. Every evaluator calls them at every
 * read, so a wrong answer here is a guard that reads `undefined` or `NaN` as data.
 */
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, EVAL_CODES, resolveLimits } from '../../stdlib/index.js'
import { isPlainScalar, readBase, readValue } from '../../stdlib/read-value.js'
import { evalErrorOf } from './helpers.js'

class Point {
  x = 1
}

const hostile = new Proxy(
  {},
  {
    getPrototypeOf: () => Point.prototype,
    get: () => {
      throw new Error('trap')
    },
  },
)

const nameless = Object.create(Object.create(null) as object) as object
const emptyName = Object.create({ constructor: { name: '' } }) as object

describe('readValue and readBase', () => {
  for (const [name, read] of [
    ['readValue', (v: unknown) => readValue(v, DEFAULT_LIMITS, 'user.x')],
    ['readBase', (v: unknown) => readBase(v, 'user.x')],
  ] as const) {
    describe(name, () => {
      it('passes strings, booleans, finite numbers and null through', () => {
        for (const v of ['', 'a', true, false, 0, 1.5, -3, null]) expect(read(v)).toBe(v)
      })

      it('reads -0 as 0', () => {
        expect(Object.is(read(-0), 0)).toBe(true)
        expect(Object.is(read(-1), -1)).toBe(true)
      })

      it('refuses non-finite numbers, naming the value', () => {
        for (const [v, text] of [
          [Number.NaN, 'NaN'],
          [Number.POSITIVE_INFINITY, 'Infinity'],
          [Number.NEGATIVE_INFINITY, '-Infinity'],
        ] as const) {
          const e = evalErrorOf(() => read(v))
          expect(e.code).toBe(EVAL_CODES.BAD_VALUE)
          expect(e.message).toBe(`user.x is ${text}, not a finite number`)
        }
      })

      it('refuses what is not a policy value, naming its type', () => {
        for (const [v, text] of [
          [undefined, 'undefined'],
          [() => 1, 'a function'],
          [Symbol('s'), 'a symbol'],
          [10n, 'a bigint'],
        ] as const) {
          const e = evalErrorOf(() => read(v))
          expect(e.code).toBe(EVAL_CODES.BAD_VALUE)
          expect(e.message).toBe(`user.x is ${text}, not a policy value`)
        }
      })

      it('passes plain records, null-prototype records and arrays', () => {
        const rec = { a: 1 }
        const bare = Object.assign(Object.create(null) as object, { a: 1 })
        const arr = [1, 'x']
        expect(read(rec)).toBe(rec)
        expect(read(bare)).toBe(bare)
        expect(read(arr)).toBe(arr)
      })
    })
  }

  it('readBase refuses class instances and other non-plain objects by class name', () => {
    expect(evalErrorOf(() => readBase(new Date(0), 'user')).message).toBe('user is a Date, not a record')
    expect(evalErrorOf(() => readBase(new Point(), 'user')).message).toBe('user is a Point, not a record')
    expect(evalErrorOf(() => readBase(new Map(), 'user')).message).toBe('user is a Map, not a record')
    expect(evalErrorOf(() => readBase(nameless, 'user')).message).toBe('user is a non-plain object, not a record')
    expect(evalErrorOf(() => readBase(emptyName, 'user')).message).toBe('user is a non-plain object, not a record')
    expect(evalErrorOf(() => readBase(hostile, 'user')).message).toBe('user is a non-plain object, not a record')
  })

  it('readBase checks only the top level; readValue checks deeply', () => {
    const shallow = { ok: 1, bad: undefined }
    expect(readBase(shallow, 'user')).toBe(shallow)
    expect(evalErrorOf(() => readValue(shallow, DEFAULT_LIMITS, 'user')).code).toBe(EVAL_CODES.BAD_VALUE)
    expect(readBase([Number.NaN], 'xs')).toEqual([Number.NaN])
    expect(evalErrorOf(() => readValue([Number.NaN], DEFAULT_LIMITS, 'xs')).message).toContain('xs[0] is NaN')
    expect(evalErrorOf(() => readValue(new Date(0), DEFAULT_LIMITS, 'user')).code).toBe(EVAL_CODES.BAD_VALUE)
  })

  it('isPlainScalar: exactly the values readValue yields unchanged without looking further', () => {
    for (const v of ['', 'a', true, false, 1, -1, 0.5, Number.MAX_VALUE, -Number.MIN_VALUE]) {
      expect(isPlainScalar(v), String(v)).toBe(true)
      expect(Object.is(readValue(v, DEFAULT_LIMITS, 'x'), v)).toBe(true)
    }
    // 0 and -0 read as 0 (not unchanged); the others are checked or refused.
    for (const v of [0, -0, Number.NaN, Infinity, -Infinity, null, undefined, {}, [], new Date(0), 1n, Symbol('s'), () => 1, new String('a'), new Number(1), Object(true)]) {
      expect(isPlainScalar(v), String(typeof v)).toBe(false)
    }
  })

  it('readValue applies the limits to what it checks', () => {
    const small = resolveLimits({ maxCollectionSize: 2 })
    expect(readValue([1, 2], small, 'xs')).toEqual([1, 2])
    expect(evalErrorOf(() => readValue([1, 2, 3], small, 'xs')).message).toMatch(/xs/)
  })
})
