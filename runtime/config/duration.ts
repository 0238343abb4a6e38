const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/**
 * Parses a duration such as `120s`, `500ms`, `2m`, `1h30m` or `90d` into milliseconds. Every number
 * needs a unit (a bare `120` is ambiguous between seconds and milliseconds). Returns `undefined`
 * for anything else.
 */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0 || text.length > 32) return undefined
  const re = /(\d{1,9})(ms|s|m|h|d)/y
  let total = 0
  let at = 0
  while (at < text.length) {
    re.lastIndex = at
    const m = re.exec(text)
    if (m === null) return undefined
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number)
    at = re.lastIndex
  }
  return total
}

/** Formats milliseconds the way the docs write defaults (`120s`, `500ms`). */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}
