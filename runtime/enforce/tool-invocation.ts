import type { Entity } from '../../stdlib/decision.js'
import type { Value, ValueRecord } from '../../stdlib/value.js'
import { DEFAULT_SENSITIVE_KEYS, maskSensitive } from '../masking.js'
import { callerContext, setAuthoritative } from './caller-context.js'
import type { ToolDescriptor, ToolVerification, ToolVerifier } from '../tools/tool-verifier.js'
import { ToolBlockedError } from '../tools/tool-verifier.js'
import type { Authorization, Enforced, Enforcer } from './enforcer.js'
import { ForbiddenError, syntheticDeny } from './forbidden-error.js'
import { EnforcementInputError, checkPrincipal } from './resource-access.js'

/** One tool call to decide. */
export interface ToolCall {
  /** The calling agent. */
  readonly principal: Entity
  /** The tool, with its signed schema and provider key. */
  readonly tool: ToolDescriptor
  /** Call arguments; passed to the policy unmasked, logged masked. */
  readonly arguments: ValueRecord
  /** Request context. */
  readonly context?: ValueRecord
  /** Keys to mask in addition to the masking module's defaults. */
  readonly sensitiveKeys?: readonly string[]
}

/** A completed tool call: the transport's result, its authorization and the schema verification. */
export interface ToolCallResult<T> extends Enforced<T> {
  /** How the schema check went (warnings were audited). */
  readonly verification: ToolVerification
}

/** What actually calls the tool; never called for a blocked or denied tool. */
export type ToolTransport<T> = (name: string, args: ValueRecord, auth: Authorization) => T | Promise<T>

/**
 * Guards a tool call: SchemaPin first (a blocked tool is audited as a security violation and
 * never reaches the engine), then the `tool_call::<name>` decision on `{id: name, type: 'tool',
 * provider}` with the arguments as argument 1 and in `context.arguments`, then the transport.
 * Argument values are masked before anything is logged.
 */
export async function guardToolCall<T>(enforcer: Enforcer, verifier: ToolVerifier, call: ToolCall, transport: ToolTransport<T>): Promise<ToolCallResult<T>> {
  checkPrincipal('tool call', call?.principal)
  const name = call.tool?.name
  if (typeof name !== 'string' || name === '') throw new EnforcementInputError('tool call: tool name must be a non-empty string')
  if (typeof call.arguments !== 'object' || call.arguments === null || Array.isArray(call.arguments)) throw new EnforcementInputError(`tool call '${name}': arguments must be a record`)
  const action = `tool_call::${name}`
  const masked = maskSensitive(call.arguments, call.sensitiveKeys === undefined ? undefined : [...DEFAULT_SENSITIVE_KEYS, ...call.sensitiveKeys]) as Value
  const agentId = call.principal.id

  let verification: ToolVerification
  try {
    verification = await verifier.verify(call.tool)
  } catch (e) {
    const blocked = e instanceof ToolBlockedError ? e : undefined
    const reason = `schema verification failed: ${blocked === undefined ? `verifier error: ${e instanceof Error ? e.message : String(e)}` : `${blocked.problem}: ${blocked.detail}`}`
    await enforcer.report({
      agentId,
      type: 'security_violation',
      details: { point: 'tool_invocation', action, tool: name, provider: String(call.tool.provider), problem: blocked?.problem ?? 'verifier_error', reason, arguments: masked },
    })
    throw new ForbiddenError('tool_invocation', action, name, reason, syntheticDeny(reason))
  }

  const resource: Entity = { id: name, type: 'tool', provider: call.tool.provider }
  const details: Record<string, Value> = { tool: name, provider: call.tool.provider, arguments: masked, schema_verification: verification.status }
  if (verification.keyId !== undefined) details['key_id'] = verification.keyId
  if (verification.warnings.length > 0) details['warnings'] = [...verification.warnings]
  const enforced = await enforcer.guard(
    {
      point: 'tool_invocation',
      agentId,
      auditType: 'tool_invocation',
      details,
      request: {
        principal: call.principal,
        action: { name: action, args: [resource, call.arguments] },
        resource,
        context: toolContext(call, name),
      },
    },
    (auth) => transport(name, call.arguments, auth),
  )
  return Object.assign(enforced, { verification })
}

/** The caller's context, field by field, with the arguments as the point supplies them. */
function toolContext(call: ToolCall, name: string): Record<string, Value> {
  const context = callerContext(call.context, `tool call '${name}'`, ['arguments'])
  setAuthoritative(context, 'arguments', call.arguments)
  return context
}
