import type { AuthzRequest } from '../../stdlib/decision.js'
import type { Value, ValueRecord } from '../../stdlib/value.js'
import { callerContext, setAuthoritative } from '../enforce/caller-context.js'
import type { ResolvedSandboxOptions } from './options.js'
import type { SandboxTier } from '../enforce/index.js'

/**
 * Builds the request a policy decides before a sandbox run (documented in docs/sandbox.md):
 *
 * - `principal`: `{ id: agentId, type: 'agent' }`
 * - `action`: `{ name: 'execute', args: [{ id: 'sandbox', tier, image, command }] }`, so that
 *   `allow: execute(sb) if sb.tier == "tier2"` binds the sandbox as argument 0
 * - `resource`: `{ id: 'sandbox:<tier>', type: 'sandbox', tier, image, command, memory, cpus,
 *   timeout_ms, pids_limit, user, network: 'none', capabilities, mounts }`
 * - `context`: the caller's context plus `sandbox: { tier, tier_source, risk_score?, risk_level? }`
 */
export function sandboxRequest(input: {
  /** The agent asking to run. */
  readonly agentId: string
  /** The tier it will run in. */
  readonly tier: SandboxTier
  /** The validated options. */
  readonly options: ResolvedSandboxOptions
  /** Caller's context attributes. */
  readonly context?: ValueRecord
  /** How the tier was chosen, for policies that care. */
  readonly selection?: ValueRecord
}): AuthzRequest {
  const { agentId, tier, options: o } = input
  const command = [...o.command]
  // The tier actually used is authoritative: a `tier` in the selection (how the tier was chosen)
  // must not change what the policy sees (issue 9, item 1: `{ tier, ...selection }` let a tier1
  // run pass a policy that requires tier2). Selection fields are copied one by one, then the tier.
  const sandbox: Record<string, Value> = {}
  for (const key of Object.keys(input.selection ?? {})) {
    if (key === 'tier') continue
    Object.defineProperty(sandbox, key, { value: (input.selection as ValueRecord)[key] as Value, enumerable: true, writable: true, configurable: true })
  }
  sandbox['tier'] = tier
  const context = callerContext(input.context, 'sandbox run', ['sandbox'])
  setAuthoritative(context, 'sandbox', sandbox)
  return {
    principal: { id: agentId, type: 'agent' },
    action: { name: 'execute', args: [{ id: 'sandbox', tier, image: o.image, command }] },
    resource: {
      id: `sandbox:${tier}`,
      type: 'sandbox',
      tier,
      image: o.image,
      command,
      memory: o.memoryBytes,
      cpus: o.nanoCpus / 1e9,
      timeout_ms: o.timeoutMs,
      pids_limit: o.pidsLimit,
      user: o.user,
      network: 'none',
      capabilities: [...o.capAdd],
      mounts: o.mounts.map((m) => ({ source: m.source, target: m.target, read_only: m.readOnly })),
    },
    context,
  }
}
