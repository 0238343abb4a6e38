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

/**
 * Tokens of the people (or systems) who resolve approvals, each bound to an approver name. The
 * name comes from the token, never from the request body: a caller holding only a service token
 * (an agent asking for decisions) cannot approve its own request by writing "supervisor".
 */
export class ApproverTokens {
  readonly #entries: readonly { readonly name: string; readonly digest: Buffer }[]

  constructor(entries: readonly { readonly name: string; readonly token: string }[]) {
    if (entries.length === 0) throw new Error('no approver tokens given')
    for (const e of entries) {
      if (!/^[A-Za-z0-9._@:-]{1,128}$/.test(e.name)) throw new Error(`approver name '${e.name}' must be 1-128 letters, digits or . _ @ : -`)
      new TokenCheck([e.token])
    }
    this.#entries = entries.map((e) => ({ name: e.name, digest: digest(e.token) }))
  }

  /** The approver whose token the header carries, or undefined. */
  who(header: string | undefined): string | undefined {
    if (typeof header !== 'string') return undefined
    const m = /^Bearer ([\x21-\x7e]+)$/i.exec(header.trim())
    const presented = digest(m?.[1] ?? '')
    let found: string | undefined
    for (const e of this.#entries) if (timingSafeEqual(e.digest, presented) && m !== null) found = e.name
    return found
  }
}

/** Reads `<approver> <token>` lines (blank lines and `#` comments ignored). */
export function parseApproverTokenFile(text: string): { name: string; token: string }[] {
  return parseTokenFile(text).map((line, i) => {
    const m = /^(\S+)\s+(\S+)$/.exec(line)
    if (m === null) throw new Error(`line ${i + 1}: expected '<approver> <token>'`)
    return { name: m[1] as string, token: m[2] as string }
  })
}

/** Reads tokens from file text: one per line, blank lines and `#` comments ignored. */
export function parseTokenFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
}
