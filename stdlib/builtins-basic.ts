import { hasAttr } from './access.js'
import type { Builtin } from './builtin-types.js'
import { defineBuiltin } from './define-builtin.js'
import { EVAL_CODES, fail, typeName } from './eval-codes.js'
import { inOp } from './operators.js'
import type { Value, ValueRecord } from './value.js'

/**
 * Builtins over strings, arrays and records that take no lambda: contains, starts_with,
 * ends_with, length/len, lower, upper, keys, has. All are methods: `x.f(a)` ≡ `f(x, a)`.
 */

/**
 * `contains(c, x)`: an element of an array or a key of a record (as `x in c`), or a substring of
 * a string — the one place substrings are tested (`in` on a string is an error, SEMANTICS.md §5).
 */
export const contains: Builtin = defineBuiltin({
  name: 'contains',
  params: ['collection', 'any'],
  returns: 'boolean',
  method: true,
  impl: ([c, x]) => {
    if (typeof c !== 'string') return inOp(x as Value, c as Value)
    if (typeof x !== 'string') return fail(EVAL_CODES.TYPE_MISMATCH, `cannot test whether ${typeName(x as Value)} is a substring of a string: only a string can be`)
    return c.includes(x)
  },
})

/** `starts_with(s, prefix)`. */
export const startsWith: Builtin = defineBuiltin({
  name: 'starts_with',
  params: ['string', 'string'],
  returns: 'boolean',
  method: true,
  impl: ([s, p]) => (s as string).startsWith(p as string),
})

/** `ends_with(s, suffix)`. */
export const endsWith: Builtin = defineBuiltin({
  name: 'ends_with',
  params: ['string', 'string'],
  returns: 'boolean',
  method: true,
  impl: ([s, p]) => (s as string).endsWith(p as string),
})

/**
 * `length(x)`: elements of an array, keys of a record, or Unicode code points of a string
 * (`"é"` and `"😀"` count 1 each, as a policy author would count them; a lone surrogate counts 1).
 */
function lengthOf(name: string): Builtin {
  return defineBuiltin({
    name,
    params: ['collection'],
    returns: 'number',
    method: true,
    impl: ([x]) => {
      if (typeof x === 'string') return codePointLength(x)
      if (Array.isArray(x)) return x.length
      return Object.keys(x as ValueRecord).length
    },
  })
}

/** `length(x)`. */
export const length: Builtin = lengthOf('length')
/** `len(x)`, an alias of `length`. */
export const len: Builtin = lengthOf('len')

/** `lower(s)`: locale-independent lower case. */
export const lower: Builtin = defineBuiltin({
  name: 'lower',
  params: ['string'],
  returns: 'string',
  method: true,
  impl: ([s]) => (s as string).toLowerCase(),
})

/** `upper(s)`: locale-independent upper case. */
export const upper: Builtin = defineBuiltin({
  name: 'upper',
  params: ['string'],
  returns: 'string',
  method: true,
  impl: ([s]) => (s as string).toUpperCase(),
})

/**
 * `keys(r)`: a record's keys, sorted by UTF-16 code units. Sorted rather than insertion order
 * because records that are equal (`==` ignores key order) must give equal results.
 */
export const keys: Builtin = defineBuiltin({
  name: 'keys',
  params: ['record'],
  returns: 'array',
  method: true,
  impl: ([r]) => Object.keys(r as ValueRecord).sort(),
})

/** `has(r, "attr")`: whether the record has the attribute (the only safe presence test). */
export const has: Builtin = defineBuiltin({
  name: 'has',
  params: ['record', 'string'],
  returns: 'boolean',
  method: true,
  checkSizes: false,
  impl: ([r, k]) => hasAttr(r as Value, k as string),
})

function codePointLength(s: string): number {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}

