/** Resource limits of one scan. Exceeding one is a `high` finding, so the skill is refused. */
export interface ScanLimits {
  /** Largest file scanned, in bytes. */
  readonly maxFileBytes: number
  /** Most files in one skill directory. */
  readonly maxFiles: number
  /** Total bytes over all files of one skill. */
  readonly maxTotalBytes: number
  /** Longest line, in UTF-16 code units. */
  readonly maxLineLength: number
  /** Deepest directory nesting below the root. */
  readonly maxDepth: number
}

/** Defaults: generous for skills (instructions and small scripts), small enough to bound scan time. */
export const DEFAULT_SCAN_LIMITS: ScanLimits = Object.freeze({
  maxFileBytes: 1024 * 1024,
  maxFiles: 500,
  maxTotalBytes: 16 * 1024 * 1024,
  maxLineLength: 10_000,
  maxDepth: 16,
})

const KEYS = Object.keys(DEFAULT_SCAN_LIMITS) as (keyof ScanLimits)[]

/** Merges overrides into the defaults; an unknown key or a non-positive value is an error. */
export function resolveLimits(overrides: Partial<ScanLimits> = {}): ScanLimits {
  const out: Record<string, number> = { ...DEFAULT_SCAN_LIMITS }
  for (const [k, v] of Object.entries(overrides)) {
    if (!(KEYS as string[]).includes(k)) throw new RangeError(`unknown scan limit '${k}' (known: ${KEYS.join(', ')})`)
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`scan limit '${k}' must be a positive integer, got ${String(v)}`)
    out[k] = v
  }
  return Object.freeze(out) as unknown as ScanLimits
}
