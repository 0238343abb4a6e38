import { resolve } from 'node:path'
import { openAuditLog } from '../runtime/audit/index.js'
import { maskSensitive } from '../runtime/masking.js'
import type { AuthzRequest, Decision } from '../stdlib/decision.js'
import type { Value } from '../stdlib/value.js'
import { UsageError } from './io.js'

/**
 * Appends one `policy_decision` event per decision, so that shell pipelines and agent hooks
 * leave the same evidence as embedded users. Requests are masked before they are written.
 */
export async function auditDecisions(
  cwd: string,
  path: string,
  signingKey: string | undefined,
  mode: string | undefined,
  requests: readonly AuthzRequest[],
  decisions: readonly Decision[],
): Promise<void> {
  if (signingKey === undefined) throw new UsageError('--audit-log needs --signing-key (create one with `symbi-policy audit keygen --out <dir>`)')
  if (mode !== undefined && mode !== 'every_event' && mode !== 'checkpoint') throw new UsageError(`--audit-mode must be 'every_event' or 'checkpoint', not '${mode}'`)
  let trail
  try {
    // Paths are the user's, relative to the command's working directory, not the process's.
    trail = await openAuditLog(resolve(cwd, path), { signingKey: resolve(cwd, signingKey), mode: mode === 'checkpoint' ? 'checkpoint' : 'every' })
  } catch (e) {
    throw new UsageError(`cannot open audit log '${path}': ${e instanceof Error ? e.message : String(e)}`)
  }
  try {
    for (let i = 0; i < decisions.length; i++) {
      const r = requests[i] as AuthzRequest
      const d = decisions[i] as Decision
      const details = {
        request: maskSensitive(JSON.parse(JSON.stringify(r)) as Value),
        effect: d.effect,
        version: d.version,
        ...(d.effect === 'deny' ? { reason: d.reason } : {}),
        determining: d.determining.map((x) => `${x.policy}[${x.rule}]`),
      }
      await trail.append({ agentId: typeof r.principal?.id === 'string' ? r.principal.id : 'unknown', type: 'policy_decision', details })
    }
  } finally {
    await trail.close()
  }
}
