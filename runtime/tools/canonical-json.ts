/** A value that has no canonical JSON form (undefined, NaN, a function, a cycle, …), with its path. */
export class CanonicalJsonError extends Error {
  override readonly name = 'CanonicalJsonError'
  constructor(
    /** JSONPath-like location of the bad value, e.g. `$.parameters.limit`. */
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`)
  }
}

/** Deepest nesting accepted; deeper input is refused rather than risking a stack overflow. */
export const MAX_CANONICAL_DEPTH = 128

/**
 * The canonical JSON text that SchemaPin signs:
 * - object keys sorted by UTF-16 code units (the default `Array.prototype.sort` order), each
 *   key written once; no whitespace anywhere;
 * - strings (keys and values) escaped exactly as `JSON.stringify` escapes them (`"`, `\\`,
 *   control characters as `\b \f \n \r \t` or `\u00XX` lower-case hex, lone surrogates as
 *   `\uDXXX`, everything else literal — so non-ASCII text is written as UTF-8, not escaped);
 * - numbers as `JSON.stringify` writes them (shortest round-trip form, `-0` as `0`);
 *   NaN and ±Infinity are refused;
 * - only null, booleans, numbers, strings, arrays and plain objects; `undefined` (also as
 *   an object field or array element), functions, bigints, symbols and class instances are
 *   refused, never silently dropped.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$', 0, new Set())
}

function write(v: unknown, path: string, depth: number, seen: Set<object>): string {
  if (depth > MAX_CANONICAL_DEPTH) throw new CanonicalJsonError(path, `nested deeper than ${MAX_CANONICAL_DEPTH} levels`)
  if (v === null) return 'null'
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false'
    case 'string':
      return JSON.stringify(v)
    case 'number':
      if (!Number.isFinite(v)) throw new CanonicalJsonError(path, `${String(v)} has no JSON form`)
      return JSON.stringify(v)
    case 'object':
      break
    default:
      throw new CanonicalJsonError(path, `a ${typeof v} has no JSON form`)
  }
  const obj = v as object
  if (seen.has(obj)) throw new CanonicalJsonError(path, 'cyclic reference')
  seen.add(obj)
  try {
    if (Array.isArray(obj)) {
      const parts: string[] = []
      for (let i = 0; i < obj.length; i++) {
        if (!(i in obj) || obj[i] === undefined) throw new CanonicalJsonError(`${path}[${i}]`, 'undefined array element')
        parts.push(write(obj[i], `${path}[${i}]`, depth + 1, seen))
      }
      return `[${parts.join(',')}]`
    }
    const proto = Object.getPrototypeOf(obj) as unknown
    if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError(path, 'only plain objects have a JSON form')
    const rec = obj as Record<string, unknown>
    const keys = Object.keys(rec).sort()
    const parts: string[] = []
    for (const k of keys) {
      const child = `${path}.${k}`
      if (rec[k] === undefined) throw new CanonicalJsonError(child, 'undefined field')
      parts.push(`${JSON.stringify(k)}:${write(rec[k], child, depth + 1, seen)}`)
    }
    return `{${parts.join(',')}}`
  } finally {
    seen.delete(obj)
  }
}
