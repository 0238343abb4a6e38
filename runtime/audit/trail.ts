import { randomUUID, type KeyObject } from 'node:crypto'
import type { AuditInput, AuditSink } from '../audit-sink.js'
import { DEFAULT_MASK_MAX_DEPTH, maskSensitive } from '../masking.js'
import type { ValueRecord } from '../../stdlib/value.js'
import { CanonicalError, chainHash } from './canonical.js'
import { CHECKPOINT_AGENT, CHECKPOINT_TYPE, SESSION_TYPE, TOMBSTONE_TYPE, type AuditEvent, type AuditRecordType, type CheckpointDetails, type SessionDetails } from './event.js'
import { loadPrivateKey, type SigningKeyInput } from './keys.js'
import { SignWorker } from './sign-worker.js'
import { signHash } from './signing.js'
import type { AuditStore, RecoveryReport } from './store.js'

/** How records are signed: not at all, each one, or by periodic signed checkpoints. */
export type SigningMode = 'none' | 'every' | 'checkpoint'

/** Options of {@link AuditTrail.open}. */
export interface AuditTrailOptions {
  /** Ed25519 private key (KeyObject, PEM text or PEM file path). Required unless `mode` is `none`. */
  readonly signingKey?: SigningKeyInput
  /** Signing mode; default `every` with a key, `none` without. */
  readonly mode?: SigningMode
  /** Checkpoint mode: sign a checkpoint after this many unsigned events. Default 1000. */
  readonly checkpointEvery?: number
  /** Checkpoint mode: also sign a checkpoint when events have waited this long (ms). Default 1000. */
  readonly checkpointIntervalMs?: number
  /** Sensitive key list for masking `details` (default: masking.ts DEFAULT_SENSITIVE_KEYS). */
  readonly sensitiveKeys?: readonly string[]
  /** Depth at which `details` subtrees are replaced by a marker. Default 64. */
  readonly maxDepth?: number
  /**
   * Every-event mode: sign on a worker thread, beside masking and hashing on the caller's thread.
   * Default false: it only pays with a spare core, and on the 2-core benchmark machine it measured
   * no gain (bench/results/enforcement-audit.md).
   */
  readonly signingThread?: boolean
  /** Clock in epoch milliseconds, for tests. Default `Date.now`. */
  readonly clock?: () => number
}

/** An append was refused; the enforcement point must fail closed. */
export class AuditTrailError extends Error {
  override readonly name = 'AuditTrailError'
  constructor(
    /** Stable code: `AUDIT_BAD_INPUT`, `AUDIT_CLOSED`, `AUDIT_STORE_FAILED`, `AUDIT_SIGNING_FAILED` or `AUDIT_BAD_OPTIONS`. */
    readonly code: 'AUDIT_BAD_INPUT' | 'AUDIT_CLOSED' | 'AUDIT_STORE_FAILED' | 'AUDIT_SIGNING_FAILED' | 'AUDIT_BAD_OPTIONS',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

interface Batch {
  readonly records: AuditEvent[]
  /** Positions of records whose hashes are not yet sent to the signing worker. */
  unsent: number[]
  /** Signing requests sent for this batch; each adds signatures to `records` when it settles. */
  readonly signing: Promise<void>[]
  /** A microtask is queued to send `unsent`. */
  sendQueued: boolean
  readonly done: Promise<void>
  resolve(): void
  reject(e: unknown): void
}

function newBatch(): Batch {
  let resolve!: () => void
  let reject!: (e: unknown) => void
  const done = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  // Callers await per-record promises derived from `done`; this keeps an unobserved batch from crashing.
  done.catch(() => undefined)
  return { records: [], unsent: [], signing: [], sendQueued: false, done, resolve, reject }
}

/**
 * The tamper-evident audit trail: masks, hash-chains, signs and stores records.
 *
 * The chain is extended synchronously inside `append`, so the order of `append` calls is the
 * chain order and the chain cannot fork. Writes are group-committed: records appended while a
 * batch is being written (and fsynced) go into the next batch, and each `append` resolves when its
 * batch is stored. A store failure poisons the trail: that and every later append rejects.
 */
export class AuditTrail implements AuditSink {
  readonly #store: AuditStore
  readonly #key: KeyObject | undefined
  readonly #signer: SignWorker | undefined
  readonly #mode: SigningMode
  readonly #every: number
  readonly #intervalMs: number
  readonly #keys: readonly string[] | undefined
  readonly #maxDepth: number
  readonly #clock: () => number
  #stampMs = Number.NaN
  #stamp = ''
  #head: string
  #count: number
  #uncovered = 0
  #pending: Batch = newBatch()
  #writing = false
  #scheduled = false
  #failure: AuditTrailError | undefined
  #closed = false
  #timer: NodeJS.Timeout | undefined
  /** What crash recovery did when the store was opened, if anything. */
  readonly recovery: RecoveryReport | undefined

  private constructor(store: AuditStore, opts: AuditTrailOptions, key: KeyObject | undefined, mode: SigningMode, head: string, count: number, recovery: RecoveryReport | undefined) {
    this.#store = store
    this.#key = key
    this.#mode = mode
    this.#signer = mode === 'every' && key !== undefined && opts.signingThread === true ? new SignWorker(key) : undefined
    this.#every = opts.checkpointEvery ?? 1000
    this.#intervalMs = opts.checkpointIntervalMs ?? 1000
    this.#keys = opts.sensitiveKeys
    this.#maxDepth = opts.maxDepth ?? DEFAULT_MASK_MAX_DEPTH
    this.#clock = opts.clock ?? Date.now
    this.#head = head
    this.#count = count
    this.recovery = recovery
  }

  /**
   * Opens a trail on a store. In checkpoint mode an opening checkpoint is written first: it signs
   * whatever the store already held and records the checkpoint policy that `verify` enforces.
   */
  static async open(store: AuditStore, opts: AuditTrailOptions = {}): Promise<AuditTrail> {
    const mode = opts.mode ?? (opts.signingKey === undefined ? 'none' : 'every')
    if (mode !== 'none' && mode !== 'every' && mode !== 'checkpoint') throw new AuditTrailError('AUDIT_BAD_OPTIONS', `unknown signing mode '${String(mode)}' (none, every, checkpoint)`)
    if (mode !== 'none' && opts.signingKey === undefined) throw new AuditTrailError('AUDIT_BAD_OPTIONS', `signing mode '${mode}' needs a signingKey`)
    const every = opts.checkpointEvery ?? 1000
    const ms = opts.checkpointIntervalMs ?? 1000
    if (!Number.isSafeInteger(every) || every < 1) throw new AuditTrailError('AUDIT_BAD_OPTIONS', `checkpointEvery must be a positive integer, got ${String(every)}`)
    if (!Number.isFinite(ms) || ms < 0) throw new AuditTrailError('AUDIT_BAD_OPTIONS', `checkpointIntervalMs must be a non-negative number, got ${String(ms)}`)
    const key = mode === 'none' ? undefined : loadPrivateKey(opts.signingKey as SigningKeyInput)
    const state = await store.open()
    let trail: AuditTrail
    try {
      trail = new AuditTrail(store, opts, key, mode, state.head, state.count, state.recovery)
    } catch (e) {
      await store.close()
      throw e
    }
    if (mode !== 'none') {
      // The session start is signed and names the mode: verify holds the records after it to
      // that mode, so they cannot be passed off as covered by a weaker one.
      try {
        const details: SessionDetails = mode === 'every' ? { mode } : { mode, interval: { events: every, ms } }
        await trail.#push(trail.#seal(CHECKPOINT_AGENT, SESSION_TYPE, details, true)).done
      } catch (e) {
        await store.close()
        throw e
      }
    }
    if (mode === 'checkpoint') {
      if (ms > 0) {
        trail.#timer = setInterval(() => {
          if (trail.#uncovered > 0 && !trail.#closed) trail.#autoCheckpoint()
        }, ms)
        trail.#timer.unref()
      }
    }
    return trail
  }

  /** Hash of the last record appended (stored or still being written). */
  get head(): string {
    return this.#head
  }

  /** Number of records in the chain, checkpoints included. */
  get count(): number {
    return this.#count
  }

  /** Masks, chains, signs and stores one event; resolves with the stored record. */
  append(input: AuditInput): Promise<AuditEvent> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#closed) return Promise.reject(new AuditTrailError('AUDIT_CLOSED', 'the audit trail is closed'))
    const deferred = this.#signer !== undefined
    let record: AuditEvent
    try {
      record = this.#build(input, !deferred && this.#mode === 'every')
    } catch (e) {
      return Promise.reject(e)
    }
    const batch = this.#push(record, deferred)
    const at = batch.records.length - 1
    if (this.#mode === 'checkpoint' && ++this.#uncovered >= this.#every) this.#autoCheckpoint()
    // The batch's record gains its signature (every mode, worker) before the batch is written.
    return batch.done.then(() => batch.records[at] as AuditEvent)
  }

  /**
   * Appends several events in order with one promise: for producers of many events at once, it
   * spares a promise per event. Resolves with the stored records, in input order. Events are
   * chained as they are read: when input `k` is malformed, the inputs before it are appended
   * (and stored) and the call rejects with `AUDIT_BAD_INPUT` naming `k`; nothing from `k` on is.
   */
  appendMany(inputs: readonly AuditInput[]): Promise<AuditEvent[]> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    if (this.#closed) return Promise.reject(new AuditTrailError('AUDIT_CLOSED', 'the audit trail is closed'))
    if (!Array.isArray(inputs)) return Promise.reject(new AuditTrailError('AUDIT_BAD_INPUT', 'appendMany takes an array of audit inputs'))
    const deferred = this.#signer !== undefined
    const batch = this.#pending
    const at: number[] = []
    for (let i = 0; i < inputs.length; i++) {
      let record: AuditEvent
      try {
        record = this.#build(inputs[i] as AuditInput, !deferred && this.#mode === 'every')
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e)
        const error = new AuditTrailError('AUDIT_BAD_INPUT', `audit input ${i}: ${why} (inputs before it are appended)`, { cause: e })
        return at.length === 0 ? Promise.reject(error) : batch.done.then(() => Promise.reject(error))
      }
      // Appends made synchronously share the pending batch (#drain replaces it only later).
      this.#push(record, deferred)
      at.push(batch.records.length - 1)
      if (this.#mode === 'checkpoint' && ++this.#uncovered >= this.#every) this.#autoCheckpoint()
    }
    // An empty call has nothing in the batch to wait for (an empty batch is never written).
    if (at.length === 0) return Promise.resolve([])
    return batch.done.then(() => at.map((i) => batch.records[i] as AuditEvent))
  }

  /** Writes a signed checkpoint over the current head now (checkpoint mode); resolves when stored. */
  async checkpoint(): Promise<AuditEvent | undefined> {
    if (this.#mode !== 'checkpoint') return undefined
    if (this.#failure !== undefined) throw this.#failure
    const record = this.#checkpointRecord()
    await this.#push(record).done
    return record
  }

  /** Resolves when every record appended so far is stored. */
  async flush(): Promise<void> {
    while (this.#writing || this.#pending.records.length > 0) {
      const waitFor = this.#pending.records.length > 0 ? this.#pending.done : undefined
      if (waitFor === undefined) await new Promise((r) => setImmediate(r))
      else await waitFor
    }
    if (this.#failure !== undefined) throw this.#failure
  }

  /** Signs a final checkpoint if needed, stores everything and closes the store. */
  async close(): Promise<void> {
    if (this.#closed) return
    if (this.#timer !== undefined) clearInterval(this.#timer)
    try {
      if (this.#mode === 'checkpoint' && this.#uncovered > 0) this.#autoCheckpoint()
      this.#closed = true
      await this.flush()
    } finally {
      this.#closed = true
      await this.#signer?.close()
      await this.#store.close()
    }
  }

  #build(input: AuditInput, sign: boolean): AuditEvent {
    if (typeof input !== 'object' || input === null) throw new AuditTrailError('AUDIT_BAD_INPUT', 'audit input must be an object {agentId, type, details}')
    const { agentId, type, details } = input as { agentId?: unknown; type?: unknown; details?: unknown }
    if (typeof agentId !== 'string' || agentId === '') throw new AuditTrailError('AUDIT_BAD_INPUT', 'audit input: agentId must be a non-empty string')
    if (typeof type !== 'string' || type === '' || type === CHECKPOINT_TYPE || type === SESSION_TYPE || type === TOMBSTONE_TYPE) throw new AuditTrailError('AUDIT_BAD_INPUT', `audit input: type must be an event type other than '${CHECKPOINT_TYPE}', '${SESSION_TYPE}' and '${TOMBSTONE_TYPE}'`)
    if (typeof details !== 'object' || details === null || Array.isArray(details)) throw new AuditTrailError('AUDIT_BAD_INPUT', 'audit input: details must be a record')
    const masked = maskSensitive(details, this.#keys, { maxDepth: this.#maxDepth }) as ValueRecord
    return this.#seal(maskSensitive(agentId) as string, maskSensitive(type) as AuditRecordType, masked, sign)
  }

  /** A checkpoint nobody awaits (count or timer): a failure to build it poisons the trail instead of throwing. */
  #autoCheckpoint(): void {
    if (this.#failure !== undefined) return
    try {
      this.#push(this.#checkpointRecord())
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e)
      this.#failure = new AuditTrailError('AUDIT_STORE_FAILED', `audit checkpoint could not be signed, the trail is closed to further events: ${why}`, { cause: e })
    }
  }

  #checkpointRecord(): AuditEvent {
    const details: CheckpointDetails = { head: this.#head, index: this.#count, interval: { events: this.#every, ms: this.#intervalMs } }
    this.#uncovered = 0
    return this.#seal(CHECKPOINT_AGENT, CHECKPOINT_TYPE, details, true)
  }

  /** ISO time, formatted once per millisecond: at 100k events/s `toISOString` was a visible cost. */
  #timestamp(): string {
    const ms = this.#clock()
    if (ms !== this.#stampMs) {
      this.#stampMs = ms
      this.#stamp = new Date(ms).toISOString()
    }
    return this.#stamp
  }

  #seal(agentId: string, type: AuditRecordType, details: ValueRecord, sign: boolean): AuditEvent {
    const id = randomUUID()
    const timestamp = this.#timestamp()
    const fields = { id, timestamp, agentId, type, details }
    let hash: string
    try {
      hash = chainHash(this.#head, fields)
    } catch (e) {
      if (e instanceof CanonicalError) throw new AuditTrailError('AUDIT_BAD_INPUT', `audit input cannot be hashed: ${e.message}`)
      throw e
    }
    const previousHash = this.#head
    const record: AuditEvent =
      sign && this.#key !== undefined
        ? { id, timestamp, agentId, type, details, previousHash, hash, signature: signHash(hash, this.#key) }
        : { id, timestamp, agentId, type, details, previousHash, hash }
    this.#head = hash
    this.#count++
    return record
  }

  #push(record: AuditEvent, deferredSignature = false): Batch {
    const batch = this.#pending
    batch.records.push(record)
    if (deferredSignature) {
      batch.unsent.push(batch.records.length - 1)
      if (!batch.sendQueued) {
        batch.sendQueued = true
        // Sign while the previous batch is still being written and fsynced, not after.
        queueMicrotask(() => this.#sendForSigning(batch))
      }
    }
    if (!this.#writing && !this.#scheduled) {
      this.#scheduled = true
      // A microtask lets a synchronous burst of appends share one write (and one fsync).
      queueMicrotask(() => void this.#drain())
    }
    return batch
  }

  #sendForSigning(batch: Batch): void {
    batch.sendQueued = false
    const signer = this.#signer
    if (signer === undefined || batch.unsent.length === 0) return
    const positions = batch.unsent
    batch.unsent = []
    const recs = batch.records
    const job = signer.sign(positions.map((i) => (recs[i] as AuditEvent).hash)).then((signatures) => {
      positions.forEach((i, k) => {
        recs[i] = { ...(recs[i] as AuditEvent), signature: signatures[k] as string }
      })
    })
    // Awaited by #drain; this only keeps an early rejection from being reported as unhandled.
    job.catch(() => undefined)
    batch.signing.push(job)
  }

  async #drain(): Promise<void> {
    this.#scheduled = false
    if (this.#writing) return
    this.#writing = true
    try {
      while (this.#pending.records.length > 0) {
        const batch = this.#pending
        this.#pending = newBatch()
        if (this.#failure !== undefined) {
          batch.reject(this.#failure)
          continue
        }
        let signed = false
        try {
          this.#sendForSigning(batch)
          await Promise.all(batch.signing)
          signed = true
          await this.#store.write(batch.records)
          batch.resolve()
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e)
          this.#failure = signed
            ? new AuditTrailError('AUDIT_STORE_FAILED', `audit store write failed, the trail is closed to further events: ${why}`, { cause: e })
            : new AuditTrailError('AUDIT_SIGNING_FAILED', `audit signing failed, the trail is closed to further events: ${why}`, { cause: e })
          batch.reject(this.#failure)
        }
      }
    } finally {
      this.#writing = false
    }
  }
}
