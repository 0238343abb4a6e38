import type { AuthzRequest, Decision, PolicyDecider } from '../../stdlib/decision.js'
import { TIER_RUNTIME } from './tier.js'

const NO_RULES = { determining: [], errors: [], version: 0 } as const

/**
 * The decider used when no policy is given: allows `execute` on a resource of type `sandbox`
 * whose tier is tier1 or tier2, and denies everything else. It decides only that the run is a
 * well-formed sandbox run; the isolation itself comes from the hardened container settings.
 * Written as policy source it is:
 *
 *     policy sandbox_default {
 *       allow: execute(sb) if resource.type == "sandbox" and resource.tier in ["tier1", "tier2"]
 *     }
 */
export const defaultSandboxDecider: PolicyDecider = {
  evaluate(request: AuthzRequest): Decision {
    const action = typeof request.action === 'string' ? request.action : request.action.name
    const r = request.resource
    if (action !== 'execute') return { effect: 'deny', reason: `default sandbox policy: action "${action}" is not execute`, ...NO_RULES }
    if (r === undefined || r['type'] !== 'sandbox') return { effect: 'deny', reason: 'default sandbox policy: resource is not a sandbox', ...NO_RULES }
    const tier = r['tier']
    if (typeof tier !== 'string' || !Object.hasOwn(TIER_RUNTIME, tier)) {
      return { effect: 'deny', reason: `default sandbox policy: unknown tier ${JSON.stringify(tier)}`, ...NO_RULES }
    }
    return { effect: 'allow', ...NO_RULES }
  },
}
