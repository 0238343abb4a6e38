import type { Decision } from '../../stdlib/decision.js'

/** The enforcement points of RUNTIME.md, named as they appear in audit events and errors. */
export type EnforcementPoint =
  | 'agent_creation'
  | 'resource_access'
  | 'data_operation'
  | 'tool_invocation'
  | 'message_routing'
  | 'reasoning_loop'

/**
 * Thrown by every enforcement wrapper when an operation is not allowed to run (CASL
 * `ForbiddenError` style): the guarded operation has not been called when this is thrown.
 */
export class ForbiddenError extends Error {
  /** Always `ForbiddenError`. */
  override readonly name = 'ForbiddenError'

  constructor(
    /** The enforcement point that refused. */
    readonly point: EnforcementPoint,
    /** The action name that was asked for, e.g. `read` or `tool_call::web_search`. */
    readonly action: string,
    /** The id of the resource acted on, when there is one. */
    readonly resource: string | undefined,
    /** Why the operation was refused. */
    readonly reason: string,
    /** The decision that refused it (a synthesized deny when the engine could not decide). */
    readonly decision: Decision,
  ) {
    super(`forbidden: ${action}${resource === undefined ? '' : ` on ${resource}`}: ${reason}`)
  }
}

/** Policy-set version carried by denies the runtime synthesizes when no engine decision exists. */
export const SYNTHETIC_VERSION = -1

/** A deny the runtime makes up when it cannot get a usable decision (fail closed). */
export function syntheticDeny(reason: string): Decision {
  return { effect: 'deny', reason, determining: [], errors: [], version: SYNTHETIC_VERSION }
}

/** The action name of a request's action, whether given as a string or an object. */
export function actionName(action: string | { readonly name: string }): string {
  return typeof action === 'string' ? action : action.name
}
