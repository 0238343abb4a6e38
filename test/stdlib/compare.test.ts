import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import {
  CLASSIFICATION_LADDER,
  DEFAULT_LADDERS,
  EVAL_CODES,
  compareValues,
  createLadders,
  duration,
  ladderPositions,
  ladderRank,
  sharedLadder,
} from '../../stdlib/index.js'
import type { Value } from '../../stdlib/index.js'
import { RUNS, arbDuration, arbValue, codeOf, evalErrorOf } from './helpers.js'

const LADDERS = createLadders({
  priority: ['low', 'medium', 'high', 'critical'],
  // Shares 'internal' and 'secret' with classification, in the same order.
  audience: ['team', 'internal', 'partners', 'secret'],
})
const RUNGS = [...new Set([...LADDERS.byName.values()].flat())]

describe('createLadders', () => {
  it('always contains the classification ladder', () => {
    expect(DEFAULT_LADDERS.byName.get('classification')).toEqual(['public', 'internal', 'confidential', 'secret', 'top_secret'])
    expect(LADDERS.byName.get('classification')).toEqual(CLASSIFICATION_LADDER)
    expect(createLadders({}).byName.size).toBe(1)
  })

  it('indexes every rung with all its positions', () => {
    expect(ladderPositions(LADDERS, 'internal')).toEqual([
      { ladder: 'classification', rank: 1 },
      { ladder: 'audience', rank: 1 },
    ])
    expect(ladderPositions(LADDERS, 'nowhere')).toEqual([])
    expect(ladderRank(LADDERS, 'priority', 'high')).toBe(2)
    expect(ladderRank(LADDERS, 'priority', 'secret')).toBeUndefined()
  })

  it('finds a shared ladder with both ranks', () => {
    expect(sharedLadder(LADDERS, 'team', 'partners')).toEqual({ ladder: 'audience', a: 0, b: 2 })
    expect(sharedLadder(LADDERS, 'secret', 'public')).toEqual({ ladder: 'classification', a: 3, b: 0 })
    expect(sharedLadder(LADDERS, 'low', 'secret')).toBeUndefined()
    expect(sharedLadder(LADDERS, 'low', 'zzz')).toBeUndefined()
  })

  it('accepts restating classification exactly', () => {
    expect(() => createLadders({ classification: [...CLASSIFICATION_LADDER] })).not.toThrow()
  })

  it.each([
    ['not an object', [] as unknown, /must be an object/],
    ['non-array ladder', { p: 'low' }, /'p' must be an array/],
    ['one rung', { p: ['low'] }, /at least two rungs/],
    ['empty rung', { p: ['low', ''] }, /rung 1 must be a non-empty string/],
    ['non-string rung', { p: ['low', 3] }, /rung 1 must be a non-empty string/],
    ['duplicate rung', { p: ['low', 'high', 'low'] }, /lists 'low' twice/],
    ['empty name', { '': ['a', 'b'] }, /name must not be empty/],
    ['redefined classification', { classification: ['public', 'secret'] }, /cannot be redefined/],
    ['order contradicting classification', { p: ['secret', 'internal'] }, /cycle/],
    ['three ladders forming a cycle', { a: ['x', 'y'], b: ['y', 'z'], c: ['z', 'x'] }, /cycle: 'y' < 'z' < 'x' < 'y'/],
  ])('rejects %s with a plain Error', (_name, extra, message) => {
    let thrown: unknown
    try {
      createLadders(extra as Record<string, string[]>)
    } catch (e) {
      thrown = e
    }
    expect(thrown).toBeInstanceOf(Error)
    expect((thrown as Error).name).toBe('Error')
    expect((thrown as Error).message).toMatch(message)
  })
})

describe('compareValues', () => {
  it('orders numbers, durations and ladder strings', () => {
    expect(compareValues(1, 2, LADDERS)).toBeLessThan(0)
    expect(compareValues(2, 1, LADDERS)).toBeGreaterThan(0)
    expect(compareValues(1, 1.0, LADDERS)).toBe(0)
    expect(compareValues(duration(1000), duration(60_000), LADDERS)).toBeLessThan(0)
    expect(compareValues('secret', 'internal', LADDERS)).toBeGreaterThan(0)
    expect(compareValues('public', 'top_secret', LADDERS)).toBeLessThan(0)
    expect(compareValues('low', 'critical', LADDERS)).toBeLessThan(0)
    expect(compareValues('team', 'secret', LADDERS)).toBeLessThan(0)
    expect(compareValues('secret', 'secret', LADDERS)).toBe(0)
  })

  it('never orders strings lexicographically', () => {
    expect(codeOf(() => compareValues('a', 'b', LADDERS))).toBe(EVAL_CODES.NOT_ON_LADDER)
    expect(codeOf(() => compareValues('zebra', 'zebra', LADDERS))).toBe(EVAL_CODES.NOT_ON_LADDER)
    expect(codeOf(() => compareValues('zebra', 'secret', LADDERS))).toBe(EVAL_CODES.NOT_ON_LADDER)
    // Both on ladders, but on no common one.
    expect(codeOf(() => compareValues('low', 'public', LADDERS))).toBe(EVAL_CODES.NOT_ON_LADDER)
    // Only declared ladders count.
    expect(codeOf(() => compareValues('low', 'high', DEFAULT_LADDERS))).toBe(EVAL_CODES.NOT_ON_LADDER)
  })

  it('rejects mixed and unordered types, naming both', () => {
    expect(evalErrorOf(() => compareValues('secret', 3, LADDERS)).message).toContain('cannot compare string with number')
    expect(codeOf(() => compareValues(1, duration(1), LADDERS))).toBe(EVAL_CODES.INCOMPARABLE)
    expect(codeOf(() => compareValues(true, false, LADDERS))).toBe(EVAL_CODES.INCOMPARABLE)
    expect(codeOf(() => compareValues(null, null, LADDERS))).toBe(EVAL_CODES.INCOMPARABLE)
    expect(codeOf(() => compareValues([1], [2], LADDERS))).toBe(EVAL_CODES.INCOMPARABLE)
    expect(codeOf(() => compareValues({}, {}, LADDERS))).toBe(EVAL_CODES.INCOMPARABLE)
  })

  it('refuses NaN operands instead of answering 0', () => {
    expect(codeOf(() => compareValues(Number.NaN, 1, LADDERS))).toBe(EVAL_CODES.NON_FINITE)
  })

  const arbComparable = fc.oneof(
    fc.array(fc.double({ noNaN: true }), { minLength: 3, maxLength: 3 }),
    fc.array(arbDuration, { minLength: 3, maxLength: 3 }),
    fc.array(fc.constantFrom(...RUNGS), { minLength: 3, maxLength: 3 }),
  ) as fc.Arbitrary<Value[]>

  function tryCompare(a: Value, b: Value): number | undefined {
    try {
      return Math.sign(compareValues(a, b, LADDERS))
    } catch {
      return undefined
    }
  }

  it('is antisymmetric on numbers, durations and ladder strings', () => {
    fc.assert(
      fc.property(arbComparable, ([a, b]) => {
        const ab = tryCompare(a as Value, b as Value)
        const ba = tryCompare(b as Value, a as Value)
        if (ab === undefined) return ba === undefined
        return ba !== undefined && ab === -ba
      }),
      { numRuns: RUNS },
    )
  })

  it('is transitive on numbers, durations and ladder strings', () => {
    fc.assert(
      fc.property(arbComparable, ([a, b, c]) => {
        const ab = tryCompare(a as Value, b as Value)
        const bc = tryCompare(b as Value, c as Value)
        const ac = tryCompare(a as Value, c as Value)
        if (ab === undefined || bc === undefined || ac === undefined) return true
        if (ab <= 0 && bc <= 0) return ac <= 0
        if (ab >= 0 && bc >= 0) return ac >= 0
        return true
      }),
      { numRuns: RUNS },
    )
  })

  it('always throws an EvalError for values of different types', () => {
    const kind = (v: Value): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? ('$duration' in v ? 'duration' : 'record') : typeof v)
    fc.assert(
      fc.property(arbValue, arbValue, (a, b) => {
        fc.pre(kind(a) !== kind(b))
        const code = codeOf(() => compareValues(a, b, LADDERS))
        return code === EVAL_CODES.INCOMPARABLE
      }),
      { numRuns: RUNS },
    )
  })

  it('accepts exactly the ladder sets whose union order is acyclic, and then compares transitively', () => {
    const alphabet = ['a', 'b', 'c', 'd', 'e', 'f']
    const arbLadder = fc.uniqueArray(fc.constantFrom(...alphabet), { minLength: 2, maxLength: 4 })
    const arbSet = fc.array(arbLadder, { minLength: 1, maxLength: 4 })
    fc.assert(
      fc.property(arbSet, (ladders) => {
        const extra = Object.fromEntries(ladders.map((l, i) => [`l${i}`, l]))
        // Reference: transitive closure of "declared lower than" over all ladders.
        const less = new Set<string>()
        for (const l of ladders) for (let i = 0; i < l.length; i++) for (let j = i + 1; j < l.length; j++) less.add(`${l[i]}<${l[j]}`)
        for (const k of alphabet) for (const i of alphabet) for (const j of alphabet) if (less.has(`${i}<${k}`) && less.has(`${k}<${j}`)) less.add(`${i}<${j}`)
        const cyclic = alphabet.some((x) => less.has(`${x}<${x}`))
        let built: ReturnType<typeof createLadders> | undefined
        try {
          built = createLadders(extra)
        } catch {
          built = undefined
        }
        expect(built === undefined).toBe(cyclic)
        if (built === undefined) return
        for (const x of alphabet) {
          for (const y of alphabet) {
            const shared = sharedLadder(built, x, y)
            if (shared === undefined) continue
            // Every shared-ladder comparison agrees with the global order.
            if (shared.a < shared.b) expect(less.has(`${x}<${y}`)).toBe(true)
            if (shared.a > shared.b) expect(less.has(`${y}<${x}`)).toBe(true)
          }
        }
      }),
      { numRuns: RUNS },
    )
  })
})
