import { callerContext } from './caller-context.js'
import type { Entity } from '../../stdlib/decision.js'
import type { ValueRecord } from '../../stdlib/value.js'
import type { Authorization, Enforced, Enforcer } from './enforcer.js'
import { EnforcementInputError, checkPrincipal } from './resource-access.js'

/** Operations on data that this point guards. */
export const DATA_OPERATIONS = ['read', 'export', 'transform', 'aggregate'] as const
/** An operation on data. */
export type DataOperation = (typeof DATA_OPERATIONS)[number]

/** One data operation to decide. */
export interface DataAccess {
  /** The acting agent or user. */
  readonly principal: Entity
  /** What is done. */
  readonly operation: DataOperation
  /** The data set: an id, its classification and further attributes (`contains_pii`, …). */
  readonly data: { readonly id: string; readonly classification: string } & ValueRecord
  /** Action groups, e.g. `statistical_operations` for an aggregate. */
  readonly groups?: readonly string[]
  /** Request context (user, session, operation, source/target, …). */
  readonly context?: ValueRecord
}

/**
 * Builds the request for a data operation — the data set is argument 0 and the resource, so
 * `deny: export(data) if data.contains_pii` binds it — and runs `operation` only if permitted.
 */
export async function guardDataOperation<T>(
  enforcer: Enforcer,
  access: DataAccess,
  operation: (auth: Authorization) => T | Promise<T>,
): Promise<Enforced<T>> {
  if (!(DATA_OPERATIONS as readonly string[]).includes(access?.operation)) {
    throw new EnforcementInputError(`data operation: unknown operation '${String(access?.operation)}' (known: ${DATA_OPERATIONS.join(', ')})`)
  }
  checkPrincipal('data operation', access.principal)
  const data = access.data
  if (typeof data !== 'object' || data === null || typeof data.id !== 'string' || data.id === '') {
    throw new EnforcementInputError('data operation: data must be a record with a non-empty string id')
  }
  if (typeof data.classification !== 'string' || data.classification === '') {
    throw new EnforcementInputError(`data operation: data '${data.id}' has no classification attribute`)
  }
  const resource: Entity = { type: 'data', ...data }
  const action = access.groups === undefined ? { name: access.operation, args: [resource] } : { name: access.operation, args: [resource], groups: [...access.groups] }
  return enforcer.guard(
    {
      point: 'data_operation',
      agentId: access.principal.id,
      details: { classification: data.classification },
      request: { principal: access.principal, action, resource, context: callerContext(access.context, 'data operation') },
    },
    operation,
  )
}
