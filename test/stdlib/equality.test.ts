import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { duration, valueEquals } from '../../stdlib/index.js'
import type { Value } from '../../stdlib/index.js'
import { RUNS, arbValue, canonicalJson, reorderKeys } from './helpers.js'

describe('valueEquals', () => {
  it('treats numbers by value, so 1 == 1.0 and 0 == -0', () => {
    expect(valueEquals(1, 1.0)).toBe(true)
    expect(valueEquals(0, -0)).toBe(true)
    expect(valueEquals(1, 2)).toBe(false)
  })

  it('never equates values of different types', () => {
    expect(valueEquals(1, '1')).toBe(false)
    expect(valueEquals(true, 1)).toBe(false)
    expect(valueEquals(null, false)).toBe(false)
    expect(valueEquals(null, 0)).toBe(false)
    expect(valueEquals('', null)).toBe(false)
    expect(valueEquals([], {})).toBe(false)
    expect(valueEquals(duration(300_000), 300_000)).toBe(false)
    expect(valueEquals(duration(0), {})).toBe(false)
    expect(valueEquals(duration(5), { $duration: 5, x: 1 })).toBe(false)
  })

  it('compares durations by milliseconds', () => {
    expect(valueEquals(duration(60_000), duration(60_000))).toBe(true)
    expect(valueEquals(duration(60_000), duration(60_001))).toBe(false)
  })

  it('compares arrays element by element, order and length included', () => {
    expect(valueEquals([1, 'a', [true]], [1, 'a', [true]])).toBe(true)
    expect(valueEquals([1, 2], [2, 1])).toBe(false)
    expect(valueEquals([1, 2], [1, 2, 3])).toBe(false)
    expect(valueEquals([[1]], [[2]])).toBe(false)
  })

  it('compares records by keys and values, ignoring key order', () => {
    expect(valueEquals({ a: 1, b: { c: 'x' } }, { b: { c: 'x' }, a: 1 })).toBe(true)
    expect(valueEquals({ a: 1 }, { a: 1, b: 2 })).toBe(false)
    expect(valueEquals({ a: 1, b: 2 }, { a: 1 })).toBe(false)
    expect(valueEquals({ a: 1 }, { b: 1 })).toBe(false)
    expect(valueEquals({ a: null }, { b: null })).toBe(false)
    expect(valueEquals({ a: 1 }, { a: 2 })).toBe(false)
  })

  it('does not consult the prototype for missing keys', () => {
    const a = JSON.parse('{"constructor": 1}') as Value
    expect(valueEquals(a, { toString: 1 })).toBe(false)
    expect(valueEquals({ x: 1 }, JSON.parse('{"__proto__": 1}') as Value)).toBe(false)
  })

  it('handles data nested far deeper than the JS stack', () => {
    let a: Value = 1
    let b: Value = 1
    let b2: Value = 1
    let b3: Value = 2
    for (let i = 0; i < 200_000; i++) {
      a = [a]
      b = { k: b }
      b2 = { k: b2 }
      b3 = { k: b3 }
    }
    expect(valueEquals(a, a)).toBe(true)
    expect(valueEquals(b, b2)).toBe(true)
    expect(valueEquals(b, b3)).toBe(false)
    expect(valueEquals(a, b)).toBe(false)
  })

  it('is reflexive, including for structural copies', () => {
    fc.assert(
      fc.property(arbValue, (v) => valueEquals(v, v) && valueEquals(v, structuredClone(v))),
      { numRuns: RUNS },
    )
  })

  it('decides deeply nested pairs (the explicit-stack path) exactly as shallow ones', () => {
    // Beyond depth 200 the comparison switches to an explicit stack: both paths must agree on
    // every kind of difference (type, length, key set, duration, null vs absent).
    const wrap = (v: Value, depth: number, kind: 'array' | 'record'): Value => {
      let out = v
      for (let i = 0; i < depth; i++) out = kind === 'array' ? [out] : { k: out }
      return out
    }
    const pair = fc.oneof(
      fc.tuple(arbValue, arbValue),
      arbValue.map((a) => [a, structuredClone(a)] as [Value, Value]),
      arbValue.map((a) => [a, reorderKeys(a) as Value] as [Value, Value]),
    )
    fc.assert(
      fc.property(pair, fc.constantFrom<'array' | 'record'>('array', 'record'), fc.integer({ min: 201, max: 260 }), ([a, b], kind, depth) => {
        expect(valueEquals(wrap(a, depth, kind), wrap(b, depth, kind))).toBe(valueEquals(a, b))
        // A sibling difference next to the deep part is seen too.
        expect(valueEquals([wrap(a, depth, kind), 1], [wrap(b, depth, kind), 2])).toBe(false)
        expect(valueEquals({ x: wrap(a, depth, kind) }, { y: wrap(b, depth, kind) })).toBe(false)
      }),
      { numRuns: RUNS },
    )
    const deep = (v: Value): Value => wrap(v, 250, 'array')
    expect(valueEquals(deep([1, 2]), deep([1]))).toBe(false)
    expect(valueEquals(deep({ a: 1 }), deep({ a: 1, b: 2 }))).toBe(false)
    expect(valueEquals(deep({ a: 1, c: 1 }), deep({ a: 1, b: 1 }))).toBe(false)
    expect(valueEquals(deep([1]), deep({ 0: 1 }))).toBe(false)
    expect(valueEquals(deep(duration(5000)), deep(duration(5000)))).toBe(true)
    expect(valueEquals(deep(duration(5000)), deep(duration(6000)))).toBe(false)
    expect(valueEquals(deep(duration(5000)), deep({ $duration: 5000, x: 1 } as never))).toBe(false)
    expect(valueEquals(deep({ a: 1 }), deep(duration(1)))).toBe(false)
    expect(valueEquals(deep([null]), deep([undefined as never]))).toBe(true)
    expect(valueEquals(deep([null]), deep([0]))).toBe(false)
    // A length difference that only a null slot would hide, at both depths.
    expect(valueEquals([null], [])).toBe(false)
    expect(valueEquals(deep([null]), deep([]))).toBe(false)
    expect(valueEquals({ a: null }, { b: null })).toBe(false)
    expect(valueEquals(deep({ a: null }), deep({ b: null }))).toBe(false)
    expect(valueEquals(deep(['x']), deep([['x']]))).toBe(false)
    expect(valueEquals(deep([[]]), deep(['']))).toBe(false)
  })

  it('never equates a primitive or null with a container, at either depth and in either order', () => {
    const deep = (v: Value): Value => {
      let out = v
      for (let i = 0; i < 250; i++) out = [out]
      return out
    }
    const containers: Value[] = [{}, []]
    const others: Value[] = [1, 'a', true, null]
    for (const c of containers) {
      for (const o of others) {
        for (const [a, b] of [[[c], [o]], [[o], [c]], [deep(c), deep(o)], [deep(o), deep(c)]] as [Value, Value][]) {
          expect(valueEquals(a, b), `${JSON.stringify(a).slice(0, 12)} vs ${JSON.stringify(b).slice(0, 12)}`).toBe(false)
        }
      }
    }
    // An empty record is not an empty array, below the switch to the explicit stack too.
    expect(valueEquals(deep({}), deep([]))).toBe(false)
    expect(valueEquals(deep([]), deep({}))).toBe(false)
    // A primitive against null, in both orders (null is not "absent" unless the other side is).
    expect(valueEquals(deep([0]), deep([null]))).toBe(false)
    expect(valueEquals(deep(['']), deep([null]))).toBe(false)
    // Host-built arrays may hold undefined: a slot holding undefined equals null, in both orders.
    expect(valueEquals([null], [undefined as never])).toBe(true)
    expect(valueEquals([undefined as never], [null])).toBe(true)
  })

  it('compares distinct arrays nested far deeper than the JS stack (not only identical ones)', () => {
    const nest = (leaf: Value): Value => {
      let out = leaf
      for (let i = 0; i < 200_000; i++) out = [out]
      return out
    }
    expect(valueEquals(nest(1), nest(1))).toBe(true)
    expect(valueEquals(nest(1), nest(2))).toBe(false)
  })

  it('is symmetric', () => {
    fc.assert(
      fc.property(arbValue, arbValue, (a, b) => valueEquals(a, b) === valueEquals(b, a)),
      { numRuns: RUNS },
    )
  })

  it('agrees with canonical-JSON comparison on JSON data', () => {
    const pair = fc.jsonValue().chain((a) =>
      fc.tuple(fc.constant(a), fc.oneof(fc.constant(reorderKeys(a)), fc.constant(structuredClone(a)), fc.jsonValue())),
    )
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(valueEquals(a as Value, b as Value)).toBe(canonicalJson(a) === canonicalJson(b))
      }),
      { numRuns: RUNS },
    )
  })
})

describe('valueEquals on cyclic data', () => {
  it('terminates on two distinct cyclic structures (JS-built requests can be cyclic)', () => {
    const a: Record<string, unknown> = { n: 1 }
    a['self'] = a
    const b: Record<string, unknown> = { n: 1 }
    b['self'] = b
    const c: Record<string, unknown> = { n: 2 }
    c['self'] = c
    const t0 = Date.now()
    expect(valueEquals(a as never, b as never)).toBe(true)
    expect(valueEquals(a as never, c as never)).toBe(false)
    expect(Date.now() - t0).toBeLessThan(5000)
  })

  it('remembers every partner a node was compared with: cycles that alternate partners terminate', () => {
    // a = [a, a] against b = [c, c], c = [b, b]: a meets b, then c, then b again … Forgetting
    // that a already met b (keeping only the latest partner) would walk this forever.
    const a: unknown[] = []
    a.push(a, a)
    const b: unknown[] = []
    const c: unknown[] = []
    b.push(c, c)
    c.push(b, b)
    expect(valueEquals(a as never, b as never)).toBe(true)
  })

  it('compares data that shares sub-objects in time linear in the distinct objects, not in the tree they unfold to', () => {
    // 40 levels of [x, x] on each side: 2^40 pairs as a tree, 40 distinct pairs.
    const shared = (leaf: Value): Value => {
      let out = leaf
      for (let i = 0; i < 40; i++) out = [out, out]
      return out
    }
    expect(valueEquals(shared(1), shared(1))).toBe(true)
    expect(valueEquals(shared(1), shared(2))).toBe(false)
    expect(valueEquals({ a: shared('x') }, { a: shared('x') })).toBe(true)
  })
})
