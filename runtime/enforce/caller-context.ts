import type { Value, ValueRecord } from '../../stdlib/value.js'
import { EnforcementInputError } from './input-error.js'

/**
 * Context keys no caller of an enforcement point may supply (SEMANTICS.md §7: a request is built
 * from authoritative values; caller objects can never overwrite them):
 *
 * - `principal`, `action`, `resource`, `context`: a context key shadows the request name in
 *   guards (SEMANTICS.md §1), so `context.principal = { id: "admin" }` would make
 *   `principal.id == "admin"` true;
 * - `approvals`: grants come only from the approval queue; a caller's list would self-approve;
 * - `channel`: set only by the messaging point, from the message's own channel (§6);
 * - `time`, `now`: `now()` reads them; a caller's clock would step past every expiry deny.
 */
export const RESERVED_CONTEXT_KEYS: readonly string[] = Object.freeze(['principal', 'action', 'resource', 'context', 'approvals', 'channel', 'time', 'now'])

/**
 * Copies a caller's context into a fresh record, field by field, refusing what it must not
 * say: the reserved keys above and the point's own authoritative keys (`sender`, `recipient`,
 * `topic` for messages, `arguments` for tools, `sandbox` for sandbox runs). A refusal is an
 * `EnforcementInputError` naming the key: the guarded operation never runs. The copy is a new
 * object, so the caller cannot change the request after it was decided.
 */
export function callerContext(context: unknown, where: string, authoritative: readonly string[] = []): Record<string, Value> {
  const out: Record<string, Value> = {}
  if (context === undefined || context === null) return out
  if (typeof context !== 'object' || Array.isArray(context)) throw new EnforcementInputError(`${where}: context must be a record`)
  const proto: unknown = Object.getPrototypeOf(context)
  if (proto !== Object.prototype && proto !== null) throw new EnforcementInputError(`${where}: context must be a plain record`)
  for (const key of Object.keys(context)) {
    if (RESERVED_CONTEXT_KEYS.includes(key)) throw new EnforcementInputError(`${where}: context key '${key}' is reserved: the enforcement point supplies it from authoritative values`)
    if (authoritative.includes(key)) throw new EnforcementInputError(`${where}: context key '${key}' is set by the enforcement point and cannot be supplied by the caller`)
    // defineProperty: a `__proto__` key stays an ordinary key of the copy.
    Object.defineProperty(out, key, { value: (context as ValueRecord)[key] as Value, enumerable: true, writable: true, configurable: true })
  }
  return out
}

/** Sets an authoritative field of a context built by `callerContext`. */
export function setAuthoritative(context: Record<string, Value>, key: string, value: Value): void {
  Object.defineProperty(context, key, { value, enumerable: true, writable: true, configurable: true })
}
