/**
 * Bearer-token authentication. Tokens come from a file or the environment, never argv (argv is
 * visible to every user of the machine through `ps`). Comparison is constant-time over SHA-256
 * digests, so neither the token's content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

/** Checks `Authorization: Bearer <token>` headers against one or more accepted tokens. */
export class TokenCheck {
  readonly #digests: readonly Buffer[]

  /** Throws when a token is empty or not printable ASCII (a header could never carry it). */
  constructor(tokens: readonly string[]) {
    if (tokens.length === 0) throw new Error('no tokens given')
    for (const t of tokens) {
      if (t.length < 16) throw new Error('a token must be at least 16 characters')
      if (!/^[\x21-\x7e]+$/.test(t)) throw new Error('a token must be printable ASCII without spaces')
    }
    this.#digests = tokens.map((t) => digest(t))
  }

  /** True when the header carries an accepted token. */
  accepts(header: string | undefined): boolean {
    if (typeof header !== 'string') return false
    const m = /^Bearer ([\x21-\x7e]+)$/i.exec(header.trim())
    const presented = digest(m?.[1] ?? '')
    let ok = false
    // Every accepted token is compared, whichever matches: the time does not say which one did.
    for (const d of this.#digests) ok = timingSafeEqual(d, presented) || ok
    return ok && m !== null
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest()
}

/** Reads tokens from file text: one per line, blank lines and `#` comments ignored. */
export function parseTokenFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}
