/**
 * Egress decisions with reporting: the pure `decideEgress`, plus an `egress_refused` security
 * event for every refusal (not awaited: the refusal is immediate), so detectors and response
 * policies see an agent probing for a way out.
 */
import type { SecurityEventSink } from '../events/security-event.js'
import { decideEgress, type EgressDecision, type EgressRequest } from './decide-egress.js'
import type { CompiledNetworkPolicy, NetworkPolicy } from './network-policy.js'

export function egressGuard(policy: NetworkPolicy | CompiledNetworkPolicy, security?: SecurityEventSink): (agent: string, request: EgressRequest) => EgressDecision {
  return (agent, request) => {
    const d = decideEgress(policy, request)
    if (!d.allowed && security !== undefined) {
      const where = `${String(request.host).slice(0, 253)}:${String(request.port)}`
      security
        .emit({ severity: 'warning', category: 'egress_refused', description: `'${agent}' may not connect to ${where}: ${d.reason}`, agent, affected: [agent, `host:${where}`], recommendedActions: ['check what the agent was trying to reach'], source: 'egress' })
        .catch(() => undefined)
    }
    return d
  }
}
