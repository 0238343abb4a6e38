/**
 * Ladders: the declared orders under which strings may be compared (SEMANTICS.md §5). Strings
 * never compare lexicographically; `"secret" > "internal"` works only because both are rungs of
 * the `classification` ladder.
 */

/** An ordered list of rungs, lowest first. */
export type Ladder = readonly string[]

/** Where a string sits on one ladder. */
export interface LadderPosition {
  /** Name of the ladder, e.g. `classification`. */
  readonly ladder: string
  /** 0-based rank on that ladder; higher is greater. */
  readonly rank: number
}

/** The ladders an engine compares strings with; build with `createLadders`. */
export interface Ladders {
  /** Every ladder by name, rungs lowest first. */
  readonly byName: ReadonlyMap<string, Ladder>
  /** Every rung string to its positions (a string may sit on several ladders). */
  readonly byValue: ReadonlyMap<string, readonly LadderPosition[]>
}

/** The ranks of two strings on a ladder they share. */
export interface SharedRanks {
  /** Name of the shared ladder. */
  readonly ladder: string
  /** Rank of the first string. */
  readonly a: number
  /** Rank of the second string. */
  readonly b: number
}

/** The ladder every engine has: `public < internal < confidential < secret < top_secret`. */
export const CLASSIFICATION_LADDER: Ladder = Object.freeze(['public', 'internal', 'confidential', 'secret', 'top_secret'])

const NO_POSITIONS: readonly LadderPosition[] = Object.freeze([])

/**
 * Builds the ladder table: `classification` plus the engine's `extra` ladders (e.g.
 * `{ priority: ['low', 'medium', 'high'] }`). Throws a plain `Error` for configuration mistakes:
 * a ladder that is not an array of at least two distinct non-empty strings, a redefinition of
 * `classification`, or ladders whose combined order has a cycle (which would make a comparison
 * depend on which ladder was consulted, or make comparisons intransitive).
 */
export function createLadders(extra?: Readonly<Record<string, readonly string[]>>): Ladders {
  const byName = new Map<string, Ladder>([['classification', CLASSIFICATION_LADDER]])
  if (extra !== undefined) {
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) {
      throw new Error('ladders must be an object mapping ladder names to arrays of strings')
    }
    for (const [name, rungs] of Object.entries(extra)) {
      validateLadder(name, rungs)
      if (name === 'classification') {
        if (!sameRungs(rungs, CLASSIFICATION_LADDER)) {
          throw new Error(`ladder 'classification' is built in (${CLASSIFICATION_LADDER.join(' < ')}) and cannot be redefined; declare a ladder with another name`)
        }
        continue
      }
      byName.set(name, Object.freeze([...rungs]))
    }
  }
  const byValue = new Map<string, LadderPosition[]>()
  for (const [ladder, rungs] of byName) {
    rungs.forEach((rung, rank) => {
      const positions = byValue.get(rung)
      if (positions === undefined) byValue.set(rung, [{ ladder, rank }])
      else positions.push({ ladder, rank })
    })
  }
  checkConsistent(byName)
  for (const positions of byValue.values()) Object.freeze(positions)
  return Object.freeze({ byName, byValue })
}

/** The default ladder table (classification only). */
export const DEFAULT_LADDERS: Ladders = createLadders()

/** Every ladder position of `s`; empty when `s` is on no ladder. Lets a compiler precompute literal ranks. */
export function ladderPositions(ladders: Ladders, s: string): readonly LadderPosition[] {
  return ladders.byValue.get(s) ?? NO_POSITIONS
}

/** The rank of `s` on the named ladder, or `undefined` when it is not a rung of it. */
export function ladderRank(ladders: Ladders, ladder: string, s: string): number | undefined {
  for (const p of ladderPositions(ladders, s)) if (p.ladder === ladder) return p.rank
  return undefined
}

/**
 * A ladder holding both strings, with their ranks, or `undefined` when they share none. When
 * they share several, any will do: createLadders guarantees that shared ladders agree.
 */
export function sharedLadder(ladders: Ladders, a: string, b: string): SharedRanks | undefined {
  const pa = ladders.byValue.get(a)
  if (pa === undefined) return undefined
  const pb = ladders.byValue.get(b)
  if (pb === undefined) return undefined
  for (const x of pa) for (const y of pb) if (x.ladder === y.ladder) return { ladder: x.ladder, a: x.rank, b: y.rank }
  return undefined
}

function validateLadder(name: string, rungs: unknown): asserts rungs is readonly string[] {
  if (name.length === 0) throw new Error('a ladder name must not be empty')
  if (!Array.isArray(rungs)) throw new Error(`ladder '${name}' must be an array of strings, lowest first`)
  if (rungs.length < 2) throw new Error(`ladder '${name}' needs at least two rungs, got ${rungs.length}`)
  const seen = new Set<string>()
  rungs.forEach((rung: unknown, i) => {
    if (typeof rung !== 'string' || rung.length === 0) {
      throw new Error(`ladder '${name}' rung ${i} must be a non-empty string`)
    }
    if (seen.has(rung)) throw new Error(`ladder '${name}' lists '${rung}' twice`)
    seen.add(rung)
  })
}

function sameRungs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/**
 * Rejects ladders whose combined order has a cycle. Pairwise agreement is not enough:
 * `a < b` on one ladder, `b < c` on a second and `c < a` on a third agree pairwise yet make
 * comparisons intransitive. An acyclic union means every shared-ladder comparison agrees with
 * one global partial order, which is what makes min/max and sorting well defined.
 */
function checkConsistent(byName: ReadonlyMap<string, Ladder>): void {
  // Edge lower → higher, labelled with the ladder that declares it.
  const preds = new Map<string, { from: string; ladder: string }[]>()
  const indegree = new Map<string, number>()
  const succs = new Map<string, string[]>()
  for (const [ladder, rungs] of byName) {
    for (const r of rungs) if (!indegree.has(r)) indegree.set(r, 0)
    for (let i = 0; i + 1 < rungs.length; i++) {
      const from = rungs[i] as string
      const to = rungs[i + 1] as string
      succs.set(from, [...(succs.get(from) ?? []), to])
      preds.set(to, [...(preds.get(to) ?? []), { from, ladder }])
      indegree.set(to, (indegree.get(to) ?? 0) + 1)
    }
  }
  const ready = [...indegree].filter(([, d]) => d === 0).map(([r]) => r)
  while (ready.length > 0) {
    const r = ready.pop() as string
    indegree.delete(r)
    for (const t of succs.get(r) ?? []) {
      const d = (indegree.get(t) ?? 0) - 1
      indegree.set(t, d)
      if (d === 0) ready.push(t)
    }
  }
  if (indegree.size === 0) return
  // Every rung left over has a predecessor that is also left over: walk back until one repeats.
  const seen = new Map<string, number>()
  const walk: { rung: string; ladder: string }[] = []
  let cur = indegree.keys().next().value as string
  while (!seen.has(cur)) {
    seen.set(cur, walk.length)
    const p = (preds.get(cur) ?? []).find((e) => indegree.has(e.from)) as { from: string; ladder: string }
    walk.push({ rung: cur, ladder: p.ladder })
    cur = p.from
  }
  const cycle = walk.slice(seen.get(cur)).reverse()
  const chain = [...cycle.map((c) => c.rung), cycle[0]?.rung].map((r) => `'${r}'`).join(' < ')
  const names = [...new Set(cycle.map((c) => `'${c.ladder}'`))].join(', ')
  throw new Error(`ladders ${names} order strings in a cycle: ${chain}`)
}
