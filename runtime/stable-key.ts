/**
 * A canonical string for a request (sorted keys, type-tagged), used as a decision-cache key.
 * It covers everything a decision can depend on: the whole request. Returns undefined for
 * values it cannot key faithfully (cycles, functions, very deep data), and for requests of more
 * than `maxValues` values in all, which are then simply not cached. The second bound matters:
 * JS-built data can share one sub-object, so 40 levels of `[x, x]` would be 2^40 values to walk.
 */
const MAX_DEPTH = 64

export function stableKey(value: unknown, maxValues = 100_000): string | undefined {
  const seen = new Set<object>()
  let budget = maxValues
  const walk = (v: unknown, depth: number): string | undefined => {
    if (depth > MAX_DEPTH || --budget < 0) return undefined
    if (v === null) return 'null'
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v)
      case 'number':
        return Number.isFinite(v) ? `n${v === 0 ? 0 : v}` : undefined
      case 'boolean':
        return v ? 'true' : 'false'
      case 'undefined':
        return 'u'
      case 'object': {
        if (seen.has(v)) return undefined
        seen.add(v)
        let out: string
        if (Array.isArray(v)) {
          const parts: string[] = []
          for (const x of v) {
            const k = walk(x, depth + 1)
            if (k === undefined) return undefined
            parts.push(k)
          }
          out = `[${parts.join(',')}]`
        } else {
          if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) return undefined
          // Evaluation sees non-enumerable own attributes too (`has`, member access); a key
          // that left them out would serve one request's decision to a different request.
          const names = Object.getOwnPropertyNames(v)
          if (names.length !== Object.keys(v).length) return undefined
          // A symbol key makes a record read as a value an error (SEMANTICS.md §5); a key without
          // it would serve the symbol-free request's decision.
          if (Object.getOwnPropertySymbols(v).length > 0) return undefined
          const parts: string[] = []
          for (const key of names.sort()) {
            const k = walk((v as Record<string, unknown>)[key], depth + 1)
            if (k === undefined) return undefined
            parts.push(`${JSON.stringify(key)}:${k}`)
          }
          out = `{${parts.join(',')}}`
        }
        seen.delete(v)
        return out
      }
      default:
        return undefined
    }
  }
  return walk(value, 0)
}
