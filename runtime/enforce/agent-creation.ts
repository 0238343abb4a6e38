import { callerContext } from './caller-context.js'
import type { Entity } from '../../stdlib/decision.js'
import type { Value, ValueRecord } from '../../stdlib/value.js'
import type { Authorization, Enforced, Enforcer } from './enforcer.js'

/** Isolation tiers of RUNTIME.md: tier 1 is Docker, tier 2 is gVisor. */
export type SandboxTier = 'tier1' | 'tier2'

/** Every spelling of a tier an agent definition may use, and the tier it names. */
export const SANDBOX_TIER_NAMES: Readonly<Record<string, SandboxTier>> = Object.freeze({
  tier1: 'tier1',
  docker: 'tier1',
  tier2: 'tier2',
  gvisor: 'tier2',
})

/** An agent definition that is invalid as written: it is refused at load time, never patched up. */
export class AgentLoadError extends Error {
  override readonly name = 'AgentLoadError'
  constructor(
    /** The agent that failed to load. */
    readonly agent: string,
    /** The definition field at fault. */
    readonly field: string,
    message: string,
  ) {
    super(`agent '${agent}': ${field}: ${message}`)
  }
}

/** What an agent definition contributes to a `create_agent` request. */
export interface AgentDefinition {
  /** Agent id. */
  readonly id: string
  /** Declared capabilities. */
  readonly capabilities: readonly string[]
  /** Sandbox tier as written (`tier1`, `docker`, `tier2`, `gvisor`). */
  readonly sandbox: string
  /** Further attributes the policy may look at. */
  readonly attributes?: ValueRecord
}

/** Who creates the agent and in what context. */
export interface AgentCreationOptions {
  /** The creating principal; default `{ id: 'system', type: 'system' }`. */
  readonly principal?: Entity
  /** Request context. */
  readonly context?: ValueRecord
}

/** Resolves a tier name; an unknown tier is an `AgentLoadError`, never a fallback to another tier. */
export function resolveSandboxTier(agent: string, written: unknown): SandboxTier {
  if (typeof written !== 'string') throw new AgentLoadError(agent, 'sandbox', `expected a tier name (tier1, docker, tier2, gvisor), got ${written === undefined ? 'nothing' : typeof written}`)
  const tier = Object.hasOwn(SANDBOX_TIER_NAMES, written) ? SANDBOX_TIER_NAMES[written] : undefined
  if (tier === undefined) throw new AgentLoadError(agent, 'sandbox', `unknown sandbox tier '${written}' (known: ${Object.keys(SANDBOX_TIER_NAMES).join(', ')})`)
  return tier
}

/**
 * Guards agent creation: the definition is validated first (load errors never reach the
 * engine), then `create_agent` is decided on the definition, then `create` runs.
 */
export async function guardAgentCreation<T>(
  enforcer: Enforcer,
  definition: AgentDefinition,
  create: (definition: AgentDefinition, tier: SandboxTier, auth: Authorization) => T | Promise<T>,
  options: AgentCreationOptions = {},
): Promise<Enforced<T>> {
  const id = definition?.id
  if (typeof id !== 'string' || id === '') throw new AgentLoadError(String(id), 'id', 'expected a non-empty string')
  if (!Array.isArray(definition.capabilities) || !definition.capabilities.every((c) => typeof c === 'string')) {
    throw new AgentLoadError(id, 'capabilities', 'expected an array of strings')
  }
  const tier = resolveSandboxTier(id, definition.sandbox)
  const resource: Entity = { ...definition.attributes, id, type: 'agent', capabilities: [...definition.capabilities], sandbox_tier: tier }
  const principal = options.principal ?? { id: 'system', type: 'system' }
  const details: Record<string, Value> = { capabilities: [...definition.capabilities], sandbox_tier: tier }
  return enforcer.guard(
    {
      point: 'agent_creation',
      agentId: id,
      auditType: 'agent_lifecycle',
      details,
      request: { principal, action: { name: 'create_agent', args: [resource] }, resource, context: callerContext(options.context, 'agent creation') },
    },
    (auth) => create(definition, tier, auth),
  )
}
