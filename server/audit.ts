/**
 * The audit trail as the service uses it: a sink every decision and approval is appended to,
 * with a health view for `/v1/status` and `/health/ready`.
 */
import type { AuditInput, AuditSink } from '../runtime/audit-sink.js'
import type { AuditTrail } from '../runtime/audit/trail.js'
import type { StoreHealth } from '../runtime/store-health.js'

export type { StoreHealth }

/** The service's audit trail. */
export interface ServiceAudit extends AuditSink {
  /** False when decisions are not audited at all (no store configured). */
  readonly enabled: boolean
  health(): StoreHealth
  close(): Promise<void>
}

/** No audit store configured: nothing is recorded and `/v1/status` says so. */
export class NoAudit implements ServiceAudit {
  readonly enabled = false
  async append(_event: AuditInput): Promise<void> {}
  health(): StoreHealth {
    return { kind: 'none', ok: true, message: 'no audit store configured (--audit-log or --postgres)' }
  }
  async close(): Promise<void> {}
}

/** A file audit trail (`--audit-log`). A failed write poisons the trail: every later append is refused. */
export class FileAudit implements ServiceAudit {
  readonly enabled = true
  #failure: string | undefined
  constructor(private readonly trail: AuditTrail) {}
  async append(event: AuditInput): Promise<unknown> {
    try {
      return await this.trail.append(event)
    } catch (e) {
      this.#failure = e instanceof Error ? e.message : String(e)
      throw e
    }
  }
  health(): StoreHealth {
    return this.#failure === undefined ? { kind: 'file', ok: true } : { kind: 'file', ok: false, message: this.#failure }
  }
  async close(): Promise<void> {
    await this.trail.close()
  }
}
