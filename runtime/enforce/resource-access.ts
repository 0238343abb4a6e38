import { callerContext } from './caller-context.js'
import { EnforcementInputError } from './input-error.js'
import type { Entity } from '../../stdlib/decision.js'
import type { ValueRecord } from '../../stdlib/value.js'
import type { Authorization, Enforced, Enforcer } from './enforcer.js'

/** Operations on resources that this point guards. */
export const RESOURCE_OPERATIONS = ['read', 'write', 'delete', 'execute', 'connect'] as const
/** An operation on a resource. */
export type ResourceOperation = (typeof RESOURCE_OPERATIONS)[number]

/** Kinds of resources that this point guards. */
export const RESOURCE_KINDS = ['file', 'network', 'command', 'database', 'env'] as const
/** A kind of resource. */
export type ResourceKind = (typeof RESOURCE_KINDS)[number]

/** One resource access to decide. */
export interface ResourceAccess {
  /** The acting agent or user. */
  readonly principal: Entity
  /** What is done. */
  readonly operation: ResourceOperation
  /** Resource kind; becomes the resource entity's `type`. */
  readonly kind: ResourceKind
  /** Resource id: a path, a host:port, a command line, a table, a variable name. */
  readonly resource: string
  /** Further resource attributes (owner, classification, …). */
  readonly attributes?: ValueRecord
  /** Request context. */
  readonly context?: ValueRecord
}

export { EnforcementInputError }

/** Builds the request for a resource access and runs `operation` only if it is permitted. */
export async function guardResourceAccess<T>(
  enforcer: Enforcer,
  access: ResourceAccess,
  operation: (auth: Authorization) => T | Promise<T>,
): Promise<Enforced<T>> {
  if (!(RESOURCE_OPERATIONS as readonly string[]).includes(access?.operation)) {
    throw new EnforcementInputError(`resource access: unknown operation '${String(access?.operation)}' (known: ${RESOURCE_OPERATIONS.join(', ')})`)
  }
  if (!(RESOURCE_KINDS as readonly string[]).includes(access.kind)) {
    throw new EnforcementInputError(`resource access: unknown resource kind '${String(access.kind)}' (known: ${RESOURCE_KINDS.join(', ')})`)
  }
  if (typeof access.resource !== 'string' || access.resource === '') throw new EnforcementInputError('resource access: resource must be a non-empty string')
  checkPrincipal('resource access', access.principal)
  const resource: Entity = { ...access.attributes, id: access.resource, type: access.kind }
  return enforcer.guard(
    {
      point: 'resource_access',
      agentId: access.principal.id,
      auditType: 'resource_allocation',
      details: { kind: access.kind },
      request: { principal: access.principal, action: { name: access.operation, args: [resource] }, resource, context: callerContext(access.context, 'resource access') },
    },
    operation,
  )
}

/** Throws unless `principal` is an entity with a non-empty string id. */
export function checkPrincipal(where: string, principal: unknown): asserts principal is Entity {
  const id = typeof principal === 'object' && principal !== null ? (principal as { id?: unknown }).id : undefined
  if (typeof id !== 'string' || id === '') throw new EnforcementInputError(`${where}: principal must be an entity with a non-empty string id`)
}
