/**
 * Every piece of Cedar text that comes from policy data goes through this module: string
 * literals, `like` patterns, entity references, attribute names and annotations. Nothing else in
 * the Cedar backend pastes user text into output (STYLE.md §10).
 */

/** Cedar keywords and reserved words that cannot be written as bare attribute names. */
const RESERVED = new Set([
  'true', 'false', 'if', 'then', 'else', 'in', 'is', 'like', 'has', 'principal', 'action', 'resource', 'context',
  'permit', 'forbid', 'when', 'unless', '__cedar',
])

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/** True when `s` has a lone UTF-16 surrogate, which Cedar (UTF-8) cannot represent. */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++
        continue
      }
      return true
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true
  }
  return false
}

function escapeChars(s: string, star: boolean): string {
  let out = ''
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number
    if (ch === '\\') out += '\\\\'
    else if (ch === '"') out += '\\"'
    else if (star && ch === '*') out += '\\*'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || cp === 0x2028 || cp === 0x2029) out += `\\u{${cp.toString(16)}}`
    else out += ch
  }
  return out
}

/** A Cedar string literal. Callers must reject strings with lone surrogates first. */
export function cedarString(s: string): string {
  return `"${escapeChars(s, false)}"`
}

/** A Cedar `like` pattern: `*` in `glob` stays a wildcard, every other character is literal. */
export function likeFromGlob(glob: string): string {
  return `"${glob.split('*').map((piece) => escapeChars(piece, true)).join('*')}"`
}

/** A `like` pattern matching strings that start with `prefix`. */
export function likePrefix(prefix: string): string {
  return `"${escapeChars(prefix, true)}*"`
}

/** A `like` pattern matching strings that end with `suffix`. */
export function likeSuffix(suffix: string): string {
  return `"*${escapeChars(suffix, true)}"`
}

/** An entity reference such as `Action::"read"`; `type` must be a Cedar path (checked by callers). */
export function entityRef(type: string, id: string): string {
  return `${type}::${cedarString(id)}`
}

/** True when `name` can be written bare after `.` or `has`. */
export function isBareAttribute(name: string): boolean {
  return IDENT.test(name) && !RESERVED.has(name)
}

/** True for a Cedar entity type path such as `Agent` or `Symbi::Tool` (no reserved words). */
export function isEntityTypeName(name: string): boolean {
  return name.split('::').every((part) => IDENT.test(part) && !RESERVED.has(part))
}

/** `obj.attr`, or `obj["attr"]` when the name is not a bare identifier. */
export function memberAccess(obj: string, attr: string): string {
  return isBareAttribute(attr) ? `${obj}.${attr}` : `${obj}[${cedarString(attr)}]`
}

/** `obj has attr`, or `obj has "attr"`. */
export function hasAttribute(obj: string, attr: string): string {
  return isBareAttribute(attr) ? `${obj} has ${attr}` : `${obj} has ${cedarString(attr)}`
}

/** A record literal key. */
export function recordKey(key: string): string {
  return cedarString(key)
}

/** An annotation line `@key("value")`; `key` must be an identifier chosen by the compiler. */
export function annotation(key: string, value: string): string {
  if (!IDENT.test(key)) throw new Error(`bug: annotation key '${key}' is not an identifier`)
  return `@${key}(${cedarString(value)})`
}
