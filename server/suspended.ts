/**
 * Suspensions in front of a decider: the approvals' re-evaluation asks through this, so that
 * approving a parked request of an agent suspended since grants nothing.
 */
import { syntheticDeny } from '../runtime/enforce/forbidden-error.js'
import { suspendedReason, type Suspension } from '../runtime/events/suspension-store.js'
import type { AuthzRequest, Decision, PolicyDecider } from '../stdlib/decision.js'

/** The agent a request is made for: its principal's id (`unknown` without one). */
export function principalId(r: AuthzRequest): string {
  const id = (r.principal as { id?: unknown } | undefined)?.id
  return typeof id === 'string' && id !== '' ? id : 'unknown'
}

/** `decider`, denying the requests of suspended principals without asking it. */
export function withSuspensions<D extends PolicyDecider>(decider: D, suspended: ((agent: string) => Suspension | undefined) | undefined): PolicyDecider {
  if (suspended === undefined) return decider
  return {
    evaluate(r: AuthzRequest): Decision | Promise<Decision> {
      const s = suspended(principalId(r))
      return s === undefined ? decider.evaluate(r) : syntheticDeny(suspendedReason(s))
    },
  }
}
