import { GENESIS_HASH, type AuditEvent } from './event.js'

/** What a store reports when it opens: where the chain continues, and what recovery did. */
export interface StoreState {
  /** Hash of the last stored record, {@link GENESIS_HASH} when empty. */
  readonly head: string
  /** Number of stored records. */
  readonly count: number
  /** Present when opening had to repair the store (a torn last record was cut off). */
  readonly recovery?: RecoveryReport
}

/** What crash recovery found and did. */
export interface RecoveryReport {
  /** The log file. */
  readonly path: string
  /** Bytes of the torn, never acknowledged last record that were removed. */
  readonly truncatedBytes: number
  /** File length after recovery. */
  readonly length: number
  /** Complete records kept. */
  readonly records: number
  /** One line for people (and logs). */
  readonly message: string
}

/**
 * Where an {@link AuditTrail} keeps its records. The trail calls `open` once, then `write` strictly
 * one batch at a time in chain order; `write` resolves only when the batch is stored (durably, for
 * a durable store). A store never reorders or drops records.
 */
export interface AuditStore {
  /** Loads (and if needed repairs) the stored chain. */
  open(): Promise<StoreState>
  /** Appends a batch of records in order. */
  write(records: readonly AuditEvent[]): Promise<void>
  /** Releases files and locks; later writes fail. */
  close(): Promise<void>
}

/** A store in memory: for tests and for callers that ship records elsewhere themselves. Re-openable. */
export class MemoryStore implements AuditStore {
  readonly #records: AuditEvent[]
  #closed = false

  /** Starts empty or continues after `initial` (which is trusted, not verified). */
  constructor(initial: readonly AuditEvent[] = []) {
    this.#records = [...initial]
  }

  /** The stored records, in order. */
  get records(): readonly AuditEvent[] {
    return this.#records
  }

  async open(): Promise<StoreState> {
    this.#closed = false
    return { head: this.#records.at(-1)?.hash ?? GENESIS_HASH, count: this.#records.length }
  }

  async write(records: readonly AuditEvent[]): Promise<void> {
    if (this.#closed) throw new Error('audit memory store is closed')
    for (const r of records) this.#records.push(r)
  }

  async close(): Promise<void> {
    this.#closed = true
  }
}
