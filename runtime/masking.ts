import type { Value, ValueRecord } from '../stdlib/value.js'

/**
 * Key names whose values are secrets. A key is sensitive when its *normalised* form (lower case,
 * every character that is not a letter or digit removed) contains the normalised form of one of
 * these entries as a substring: `X-Api-Key` → `xapikey` ⊇ `apikey`, `db_password` → `dbpassword`
 * ⊇ `password`. Substring matching over-redacts (`max_tokens` is masked because of `token`):
 * that is deliberate, a leaked secret costs more than a masked counter.
 */
export const DEFAULT_SENSITIVE_KEYS: readonly string[] = Object.freeze([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'api_key',
  'apikey',
  'authorization',
  'private_key',
  'credential',
  'access_token',
  'refresh_token',
  'session_id',
  'ssn',
  'credit_card',
  'card_number',
  'cvv',
  'cookie',
])

/** Replaces a subtree nested deeper than `maxDepth`. */
export const MASK_TOO_DEEP = '[TRUNCATED:depth]'
/** Replaces every container met after the copy reached `maxValues` values. */
export const MASK_TOO_LARGE = '[TRUNCATED:size]'
/** Replaces a reference back to an object that is still being copied (a cycle). */
export const MASK_CIRCULAR = '[CIRCULAR]'
/** Replaces a property whose getter threw. */
export const MASK_UNREADABLE = '[UNREADABLE]'

/** Options of {@link maskSensitive}. */
export interface MaskOptions {
  /** Nesting depth kept (the top value is depth 0); deeper subtrees become {@link MASK_TOO_DEEP}. Default 64. */
  readonly maxDepth?: number
  /**
   * Values (scalars and containers) copied at most; containers met after that become
   * {@link MASK_TOO_LARGE}. Default 100,000. Depth alone does not bound the copy: JS-built data
   * can share one sub-object, so 40 levels of `[x, x]` would copy as 2^40 values.
   */
  readonly maxValues?: number
}

/** The default `maxDepth` of {@link maskSensitive}. */
export const DEFAULT_MASK_MAX_DEPTH = 64
/** The default `maxValues` of {@link maskSensitive}. */
export const DEFAULT_MASK_MAX_VALUES = 100_000

/** A compiled key matcher, so the key list is normalised once and not per call. */
export type SensitiveKeyMatcher = (key: string) => boolean

const matcherCache = new WeakMap<readonly string[], SensitiveKeyMatcher>()

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '')
}

/** Builds the matcher for a key list (see {@link DEFAULT_SENSITIVE_KEYS} for the rule). */
export function sensitiveKeyMatcher(keys: readonly string[] = DEFAULT_SENSITIVE_KEYS): SensitiveKeyMatcher {
  const cached = matcherCache.get(keys)
  if (cached !== undefined) return cached
  const needles = [...new Set(keys.map(normaliseKey).filter((k) => k.length > 0))]
  const hits = new Map<string, boolean>()
  const matcher: SensitiveKeyMatcher = (key) => {
    let hit = hits.get(key)
    if (hit === undefined) {
      const k = normaliseKey(key)
      hit = needles.some((n) => k.includes(n))
      // Keys repeat across events; a bounded memo keeps the hot path to one Map lookup.
      if (hits.size < 4096) hits.set(key, hit)
    }
    return hit
  }
  matcherCache.set(keys, matcher)
  return matcher
}

/** True when `key` is sensitive under the given list (default {@link DEFAULT_SENSITIVE_KEYS}). */
export function isSensitiveKey(key: string, keys?: readonly string[]): boolean {
  return sensitiveKeyMatcher(keys)(key)
}

/**
 * Returns a masked, JSON-clean copy of `value`; the input is never modified.
 *
 * - The value of every sensitive key, at any depth (records inside arrays inside records…),
 *   becomes the string `[REDACTED:<key>]`, whatever it was (a string, a number, a whole subtree).
 * - Cycles become {@link MASK_CIRCULAR}; subtrees deeper than `maxDepth` become {@link MASK_TOO_DEEP}.
 * - The result survives `JSON.parse(JSON.stringify(·))` unchanged, which the audit hash chain needs:
 *   non-finite numbers become `null`, `undefined`/functions/symbols are dropped from records and
 *   become `null` in arrays, bigints become decimal strings, `toJSON` (dates) is honoured, and lone
 *   UTF-16 surrogates in strings and keys become U+FFFD.
 */
export function maskSensitive(value: ValueRecord, keys?: readonly string[], options?: MaskOptions): ValueRecord
export function maskSensitive(value: Value, keys?: readonly string[], options?: MaskOptions): Value
export function maskSensitive(value: unknown, keys?: readonly string[], options?: MaskOptions): Value
export function maskSensitive(value: unknown, keys?: readonly string[], options?: MaskOptions): Value {
  const maxDepth = options?.maxDepth ?? DEFAULT_MASK_MAX_DEPTH
  if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new RangeError(`maskSensitive: maxDepth must be a non-negative integer, got ${String(maxDepth)}`)
  const maxValues = options?.maxValues ?? DEFAULT_MASK_MAX_VALUES
  if (!Number.isInteger(maxValues) || maxValues < 1) throw new RangeError(`maskSensitive: maxValues must be a positive integer, got ${String(maxValues)}`)
  const out = copy(value, 0, { matcher: sensitiveKeyMatcher(keys), maxDepth, path: new Set(), budget: maxValues })
  return out === undefined ? null : out
}

interface Walk {
  readonly matcher: SensitiveKeyMatcher
  readonly maxDepth: number
  /** Objects on the path from the root to the current node; a repeat is a cycle, a shared subtree is not. */
  readonly path: Set<object>
  /** Values still to copy. */
  budget: number
}

const LONE_SURROGATE = /\p{Cs}/u
const LONE_SURROGATES = /\p{Cs}/gu

const hasIsWellFormed = typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'

function wellFormed(s: string): string {
  const ok = hasIsWellFormed ? (s as string & { isWellFormed(): boolean }).isWellFormed() : !LONE_SURROGATE.test(s)
  return ok ? s : s.replace(LONE_SURROGATES, '\uFFFD')
}

/** `undefined` means "omit" (JSON semantics for records). */
function copy(v: unknown, depth: number, w: Walk): Value | undefined {
  w.budget--
  switch (typeof v) {
    case 'string':
      return wellFormed(v)
    case 'number':
      return Number.isFinite(v) ? (Object.is(v, -0) ? 0 : v) : null
    case 'boolean':
      return v
    case 'bigint':
      return v.toString()
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined
  }
  if (v === null) return null
  const obj = v as object
  if (typeof (obj as { toJSON?: unknown }).toJSON === 'function') {
    let j: unknown
    try {
      j = (obj as { toJSON: () => unknown }).toJSON()
    } catch {
      return MASK_UNREADABLE
    }
    if (j !== obj) return copy(j, depth, w)
  }
  if (depth >= w.maxDepth) return MASK_TOO_DEEP
  if (w.budget < 0) return MASK_TOO_LARGE
  if (w.path.has(obj)) return MASK_CIRCULAR
  w.path.add(obj)
  try {
    return Array.isArray(obj) ? copyArray(obj, depth, w) : copyRecord(obj, depth, w)
  } finally {
    w.path.delete(obj)
  }
}

function copyArray(arr: readonly unknown[], depth: number, w: Walk): Value {
  const out: Value[] = new Array<Value>(arr.length)
  for (let i = 0; i < arr.length; i++) {
    let item: unknown
    try {
      item = arr[i]
    } catch {
      out[i] = MASK_UNREADABLE
      continue
    }
    out[i] = copy(item, depth + 1, w) ?? null
  }
  return out
}

function copyRecord(obj: object, depth: number, w: Walk): Value {
  const out: Record<string, Value> = {}
  for (const rawKey of Object.keys(obj)) {
    const key = wellFormed(rawKey)
    let masked: Value | undefined
    if (w.matcher(rawKey)) masked = `[REDACTED:${key}]`
    else {
      let item: unknown
      try {
        item = (obj as Record<string, unknown>)[rawKey]
      } catch {
        item = MASK_UNREADABLE
      }
      masked = copy(item, depth + 1, w)
    }
    if (masked === undefined) continue
    // `out.__proto__ = …` would set the prototype instead of a property; JSON.parse makes it a property.
    if (key === '__proto__') Object.defineProperty(out, key, { value: masked, enumerable: true, writable: true, configurable: true })
    else out[key] = masked
  }
  return out
}
