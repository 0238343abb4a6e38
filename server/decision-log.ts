/**
 * The decision log: one JSON line per decision (decisionId, time, principal, action, effect,
 * determining rules, version, bundle revision, latency), written with pino, masked like the
 * audit trail. Plain allows can be dropped to cut volume; denials and anything with conditions,
 * approvals or errors are always written.
 */
import { pino, type Logger } from 'pino'
import type { AuthzRequest, Decision } from '../stdlib/decision.js'
import type { Value } from '../stdlib/value.js'
import { maskSensitive } from '../runtime/masking.js'

/** Options of a decision log. */
export interface DecisionLogOptions {
  /** A file path, or `-` for standard output. */
  readonly destination: string
  /** Skip decisions that are plain allows without errors. */
  readonly dropAllows?: boolean
  /** Write synchronously (tests); default asynchronous with a buffer flushed on close. */
  readonly sync?: boolean
}

/** One decision to log. */
export interface LoggedDecision {
  readonly decisionId: string
  readonly request: AuthzRequest
  readonly decision: Decision
  readonly revision: string | undefined
  readonly latencyMs: number
}

/** Writes decision lines. */
export class DecisionLog {
  readonly #logger: Logger
  readonly #dropAllows: boolean
  readonly #destination: ReturnType<typeof pino.destination>

  constructor(options: DecisionLogOptions) {
    this.#destination = pino.destination({ dest: options.destination === '-' ? 1 : options.destination, sync: options.sync ?? false, mkdir: true })
    this.#logger = pino({ base: null, messageKey: 'msg', timestamp: pino.stdTimeFunctions.isoTime }, this.#destination)
    this.#dropAllows = options.dropAllows ?? false
  }

  /** Logs one decision (masked). */
  write(entry: LoggedDecision): void {
    const d = entry.decision
    if (this.#dropAllows && d.effect === 'allow' && d.errors.length === 0) return
    const r = entry.request as { principal?: unknown; action?: unknown; resource?: unknown }
    this.#logger.info({
      decisionId: entry.decisionId,
      principal: maskSensitive(r.principal as Value),
      action: typeof r.action === 'string' ? r.action : maskSensitive(r.action as Value),
      ...(r.resource !== undefined ? { resource: maskSensitive(r.resource as Value) } : {}),
      effect: d.effect,
      ...(d.effect === 'deny' ? { reason: d.reason } : {}),
      determining: d.determining.map((x) => `${x.policy}[${x.rule}]`),
      errors: d.errors.length,
      version: d.version,
      revision: entry.revision ?? null,
      latencyMs: entry.latencyMs,
    }, 'decision')
  }

  /** Flushes buffered lines and closes the file. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#logger.flush(() => resolve())
    })
    this.#destination.end()
  }
}
