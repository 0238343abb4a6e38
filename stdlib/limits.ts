/**
 * Resource limits (STYLE.md §11): frozen defaults, each overridable, an unknown key an error.
 * They bound what hostile policies or requests can make the engine do, so that such input yields
 * an error decision instead of a stack overflow, an out-of-memory crash or a hang.
 */

/** Every limit the compiler, evaluators and builtins enforce. All are positive integers. */
export interface Limits {
  /**
   * Deepest expression nesting accepted in a policy. The parser, checker and tree-walker recurse
   * once per level with a handful of frames each, so 128 levels stay far below Node's default
   * stack (~10 000 frames) while still admitting a 100-way `a || b || …` chain, which a binary IR
   * nests one level per operator.
   */
  readonly maxDepth: number
  /** Most IR nodes in one policy source. */
  readonly maxNodes: number
  /** Largest policy source, in UTF-8 bytes. */
  readonly maxPolicyBytes: number
  /** Most policies in one policy set. */
  readonly maxPolicies: number
  /** Most rules in one policy set, over all its policies. */
  readonly maxRules: number
  /** Largest array, record (in keys) or string (in UTF-16 units) a builtin will iterate or produce. */
  readonly maxCollectionSize: number
  /** Deepest nesting of request data accepted by `checkValue`. */
  readonly maxValueDepth: number
  /**
   * Most values (scalars and collections) in one piece of request data accepted by `checkValue`,
   * a part reachable twice counting twice. Depth and size per collection alone do not bound the
   * walk: JS-built data can share one sub-object, so 40 levels of `[x, x]` are 2^40 values to
   * every walker while taking a few hundred bytes.
   */
  readonly maxValueNodes: number
  /** Longest glob pattern, e.g. `"tool_call::*"`, in UTF-16 units. */
  readonly maxPatternLength: number
}

/** The defaults; see each field of `Limits` for the reasoning. */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxDepth: 128,
  maxNodes: 100_000,
  maxPolicyBytes: 1_048_576,
  maxPolicies: 10_000,
  maxRules: 100_000,
  maxCollectionSize: 100_000,
  maxValueDepth: 64,
  maxValueNodes: 1_000_000,
  maxPatternLength: 1_024,
})

/** The names of all limits. */
export const LIMIT_NAMES: readonly (keyof Limits)[] = Object.freeze(Object.keys(DEFAULT_LIMITS) as (keyof Limits)[])

/**
 * Overrides defaults with `partial` (e.g. parsed from a config file). Throws a plain `Error`
 * naming the key for an unknown limit or a value that is not a positive safe integer.
 * Returns a frozen object.
 */
export function resolveLimits(partial: Readonly<Record<string, unknown>> = {}): Limits {
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial)) {
    throw new Error('limits must be an object of limit names to positive integers')
  }
  const out: Record<keyof Limits, number> = { ...DEFAULT_LIMITS }
  for (const [key, value] of Object.entries(partial)) {
    if (!(LIMIT_NAMES as readonly string[]).includes(key)) {
      throw new Error(`unknown limit '${key}' (known limits: ${LIMIT_NAMES.join(', ')})`)
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`limit '${key}' must be a positive integer, got ${describe(value)}`)
    }
    out[key as keyof Limits] = value
  }
  return Object.freeze(out)
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v)
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`
}
