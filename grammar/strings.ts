/**
 * String literal decoding and encoding. Any backslash escape is accepted (LANGUAGE.md §1):
 * the usual ones are decoded, an unknown one stands for the escaped character itself.
 */

const SIMPLE: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' }

/** Decodes the raw text of a string literal, quotes included. */
export function decodeString(raw: string): string {
  const body = raw.slice(1, raw.endsWith('"') && raw.length > 1 ? -1 : undefined)
  if (!body.includes('\\')) return body
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string
    if (c !== '\\') {
      out += c
      continue
    }
    const next = body[i + 1]
    if (next === undefined) break
    i++
    if (next === 'u') {
      const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(body.slice(i + 1, i + 10))
      const plain = /^[0-9a-fA-F]{4}/.exec(body.slice(i + 1, i + 5))
      if (braced) {
        const cp = parseInt(braced[1] as string, 16)
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd'
        i += braced[0].length
      } else if (plain) {
        out += String.fromCharCode(parseInt(plain[0], 16))
        i += 4
      } else out += 'u'
      continue
    }
    out += SIMPLE[next] ?? next
  }
  return out
}

/** Encodes a value as a canonical string literal that `decodeString` maps back to the value. */
export function encodeString(value: string): string {
  let out = '"'
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    const ch = value[i] as string
    if (ch === '"') out += '\\"'
    else if (ch === '\\') out += '\\\\'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\r') out += '\\r'
    else if (c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff && !isPairedSurrogate(value, i))) out += `\\u${c.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return `${out}"`
}

function isPairedSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i)
  if (c >= 0xd800 && c <= 0xdbff) {
    const n = s.charCodeAt(i + 1)
    return n >= 0xdc00 && n <= 0xdfff
  }
  const p = s.charCodeAt(i - 1)
  return p >= 0xd800 && p <= 0xdbff
}
