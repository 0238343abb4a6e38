/**
 * Where suspensions live. A suspension held only in memory would be lifted by a restart — a
 * crash or a deploy would let a contained agent through again without the audited resume the
 * workflow requires — so a monitor that must survive restarts keeps them in a store: a file
 * (`FileSuspensionStore`) or, for replicas, PostgreSQL (server/postgres/suspension-store.ts).
 *
 * Reads are synchronous: every enforcement point asks on its hot path, so stores answer from
 * memory (the file read at open, or a snapshot the database keeps current). A suspension takes
 * effect in this process before it is persisted (suspending only denies more), and a resume
 * takes effect only after it is: a store that cannot write keeps the agent suspended.
 */
import { heldFields, RecordFile } from '../record-file.js'

/** Why an agent is suspended, and since when. */
export interface Suspension {
  readonly agent: string
  /** Milliseconds since the epoch. */
  readonly since: number
  readonly reason: string
  /** The security event that led to it. */
  readonly event?: string
}

/** The reason of a deny that a suspension decided (no policy was asked). */
export function suspendedReason(s: Suspension): string {
  return `agent '${s.agent}' is suspended since ${new Date(s.since).toISOString()}: ${s.reason}`
}

/** Where a monitor keeps its suspensions. */
export interface SuspensionStore {
  get(agent: string): Suspension | undefined
  list(): Suspension[]
  /** Holds `s` at once; persisting it may fail afterwards (thrown, the suspension stays). */
  put(s: Suspension): void | Promise<void>
  /** Persists the removal, then forgets it; on failure the agent stays suspended. */
  remove(agent: string): void | Promise<void>
}

/** Suspensions of this process only (the default): a restart lifts them. */
export class MemorySuspensions implements SuspensionStore {
  protected readonly held = new Map<string, Suspension>()

  get(agent: string): Suspension | undefined {
    return this.held.get(agent)
  }

  list(): Suspension[] {
    return [...this.held.values()].sort((a, b) => a.since - b.since || a.agent.localeCompare(b.agent))
  }

  put(s: Suspension): void | Promise<void> {
    this.held.set(s.agent, s)
  }

  remove(agent: string): void | Promise<void> {
    this.held.delete(agent)
  }
}

/** Checks one stored suspension; throws naming what is wrong. */
export function parseSuspension(v: unknown, where: string): Suspension {
  const { id, since, reason, record } = heldFields(v, where, 'suspension', 'agent')
  const event = record['event']
  if (event !== undefined && typeof event !== 'string') throw new Error(`${where}: 'event' must be a string`)
  return event === undefined ? { agent: id, since, reason } : { agent: id, since, reason, event }
}

/**
 * Suspensions in one JSON file (`{"suspensions":[…]}`), 0600, rewritten atomically on every
 * change. A file that exists but cannot be read or parsed stops the store from opening: starting
 * with no suspensions because the file was damaged would lift them all.
 */
export class FileSuspensionStore extends MemorySuspensions {
  readonly #file: RecordFile<Suspension>

  constructor(readonly path: string) {
    super()
    this.#file = new RecordFile<Suspension>(path, 'suspensions', 'suspension store')
    for (const s of this.#file.read(parseSuspension)) this.held.set(s.agent, s)
  }

  override put(s: Suspension): void {
    super.put(s)
    this.#file.write(this.list())
  }

  override remove(agent: string): void {
    if (!this.held.has(agent)) return
    this.#file.write(this.list().filter((s) => s.agent !== agent))
    this.held.delete(agent)
  }
}
