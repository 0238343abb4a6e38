import { MessageError } from './errors.js'

/** Options of a replay cache. */
export interface ReplayCacheOptions {
  /** Most entries kept (each message takes two: its id and its sender's nonce); default 100 000. */
  readonly maxEntries?: number
  /** Clock; default `Date.now`. */
  readonly clock?: () => number
}

/**
 * Remembers message ids and (sender, nonce) pairs until the message expires; after that an
 * old message is refused as expired anyway. The cache is bounded: when it is full of entries
 * that have not expired, new messages are refused (`replay_cache_full`) rather than evicting
 * an entry and re-opening a replay window — fail closed under flooding.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>()
  private readonly max: number
  private readonly clock: () => number
  private earliest = Number.POSITIVE_INFINITY

  constructor(options: ReplayCacheOptions = {}) {
    const max = options.maxEntries ?? 100_000
    if (!Number.isSafeInteger(max) || max < 2) throw new MessageError('config', `replay cache maxEntries must be an integer ≥ 2 (got ${String(max)})`)
    this.max = max
    this.clock = options.clock ?? Date.now
  }

  /** Throws `replay` if the id or the sender's nonce was seen and has not expired; otherwise records both. */
  checkAndRecord(id: string, sender: string, nonce: string, expiresAt: number): void {
    const now = this.clock()
    const idKey = `i\u0000${id}`
    const nonceKey = `n\u0000${sender}\u0000${nonce}`
    for (const [key, what] of [[idKey, `message id '${id}'`], [nonceKey, `nonce from '${sender}'`]] as const) {
      const until = this.seen.get(key)
      if (until !== undefined && until > now) throw new MessageError('replay', `replayed message: ${what} was already accepted`)
    }
    if (this.seen.size + 2 > this.max) this.sweep(now)
    if (this.seen.size + 2 > this.max) throw new MessageError('replay_cache_full', `replay cache full (${this.max} entries not yet expired); message refused`)
    this.seen.set(idKey, expiresAt)
    this.seen.set(nonceKey, expiresAt)
    if (expiresAt < this.earliest) this.earliest = expiresAt
  }

  /** Number of entries held. */
  get size(): number {
    return this.seen.size
  }

  /** Drops expired entries; skipped when nothing can have expired yet, so a full cache is not rescanned per message. */
  private sweep(now: number): void {
    if (now < this.earliest) return
    let earliest = Number.POSITIVE_INFINITY
    for (const [k, until] of this.seen) {
      if (until <= now) this.seen.delete(k)
      else if (until < earliest) earliest = until
    }
    this.earliest = earliest
  }
}
