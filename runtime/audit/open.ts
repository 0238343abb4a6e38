import { FileStore } from './file-store.js'
import { AuditTrail, type AuditTrailOptions } from './trail.js'

/** Options of {@link openAuditLog}: the trail's options plus the file store's. */
export interface OpenAuditLogOptions extends AuditTrailOptions {
  /** fdatasync each batch before its appends resolve (group commit). Default true. */
  readonly durable?: boolean
}

/**
 * Opens (creating if needed) an append-only audit log file and returns its trail. Recovery of a
 * torn last record happens here; see `trail.recovery`. Close the trail when done: it signs a final
 * checkpoint (checkpoint mode) and releases the lock file.
 *
 * ```ts
 * const trail = await openAuditLog('audit.log', { signingKey: 'keys/private.pem', mode: 'checkpoint' })
 * await trail.append({ agentId: 'a1', type: 'policy_decision', details: { decision: 'deny' } })
 * await trail.close()
 * ```
 */
export async function openAuditLog(path: string, options: OpenAuditLogOptions = {}): Promise<AuditTrail> {
  const { durable = true, ...trailOptions } = options
  return AuditTrail.open(new FileStore(path, { durable }), trailOptions)
}
