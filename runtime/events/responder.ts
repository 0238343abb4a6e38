/**
 * Incident response as policy. Each security event becomes a request to a response policy set,
 * once per response action — `respond::log`, `respond::alert`, `respond::suspend_agent`,
 * `respond::revoke_key`, `respond::quarantine_skill`, `respond::preserve_evidence`,
 * `respond::notify` — and every action the policies permit is carried out and recorded in the
 * audit chain. The seed's workflow is one such policy set (examples/incident_response.policy):
 *
 *   allow: "respond::log"
 *   allow: "respond::alert" if context.event.severity in ["warning", "error", "critical"]
 *   allow: ["respond::suspend_agent", "respond::revoke_key", "respond::preserve_evidence"] if context.event.severity in ["error", "critical"]
 *   allow: "respond::notify" if context.event.severity == "critical"
 *
 * The request: principal `incident-response`, resource `{ id: event id, agent }`, context
 * `{ event: { id, severity, category, agent, source, affected, description } }`. A response
 * engine created with `ladders: RESPONSE_LADDERS` may also order severities
 * (`context.event.severity >= "error"`). Default deny applies: an action no rule allows is not
 * taken — including when the response engine fails.
 */
import type { AuthzRequest, PolicyDecider } from '../../stdlib/decision.js'
import { isPermitted } from '../../stdlib/decision.js'
import type { Responder, SecurityMonitor } from './monitor.js'
import { SEVERITIES, type SecurityEvent } from './security-event.js'

export const RESPONSE_ACTIONS = ['log', 'alert', 'suspend_agent', 'revoke_key', 'quarantine_skill', 'preserve_evidence', 'notify'] as const
export type ResponseAction = (typeof RESPONSE_ACTIONS)[number]

/** The ladder response policies compare severities on. */
export const RESPONSE_LADDERS: Readonly<Record<string, readonly string[]>> = { severity: SEVERITIES }

/** How actions other than suspension are carried out; each is optional (absent: recorded only). */
export interface ResponseHandlers {
  readonly alert?: (event: SecurityEvent) => void | Promise<void>
  readonly notify?: (event: SecurityEvent) => void | Promise<void>
  /** Revokes a key named in `affected` (ids `sha256:…`). */
  readonly revokeKey?: (keyId: string, reason: string) => void | Promise<void>
  readonly quarantineSkill?: (skill: string, reason: string) => void | Promise<void>
  readonly preserveEvidence?: (event: SecurityEvent) => void | Promise<void>
}

/** Events the response itself produces are not responded to again (no feedback loop). */
const OWN = 'incident-response'

export class PolicyResponder implements Responder {
  constructor(
    private readonly decider: PolicyDecider,
    private readonly handlers: ResponseHandlers = {},
  ) {}

  async respond(event: SecurityEvent, monitor: SecurityMonitor): Promise<void> {
    if (event.source === OWN) return
    const context = {
      event: {
        id: event.id,
        severity: event.severity,
        category: event.category,
        agent: event.agent ?? '',
        source: event.source,
        affected: [...event.affected],
        description: event.description,
      },
    }
    for (const action of RESPONSE_ACTIONS) {
      const request: AuthzRequest = { principal: { id: OWN }, action: `respond::${action}`, resource: { id: event.id, agent: event.agent ?? '' }, context }
      let permitted = false
      try {
        permitted = isPermitted(await this.decider.evaluate(request))
      } catch {
        permitted = false
      }
      if (!permitted) continue
      await monitor.record(event.agent ?? OWN, 'incident_response', { action, event: event.id, category: event.category, severity: event.severity })
      await this.carryOut(action, event, monitor)
    }
  }

  private async carryOut(action: ResponseAction, event: SecurityEvent, monitor: SecurityMonitor): Promise<void> {
    const reason = `${event.category} (${event.severity}): ${event.description}`
    switch (action) {
      case 'log':
        return
      case 'alert':
        return void (await this.handlers.alert?.(event))
      case 'notify':
        return void (await this.handlers.notify?.(event))
      case 'suspend_agent':
        if (event.agent !== undefined) await monitor.suspend(event.agent, reason, event.id)
        return
      case 'revoke_key':
        for (const k of event.affected.filter((a) => a.startsWith('sha256:'))) await this.handlers.revokeKey?.(k, reason)
        return
      case 'quarantine_skill':
        for (const s of event.affected.filter((a) => a.startsWith('skill:'))) await this.handlers.quarantineSkill?.(s.slice('skill:'.length), reason)
        return
      case 'preserve_evidence':
        return void (await this.handlers.preserveEvidence?.(event))
    }
  }
}
