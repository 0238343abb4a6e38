import type { AuthzRequest, Decision, PolicyDecider } from '../../stdlib/decision.js'
import { checkDecision } from './decision-shape.js'
import { syntheticDeny } from './forbidden-error.js'

/** Default time an asynchronous decider gets before the request is denied. */
export const DEFAULT_DECISION_TIMEOUT_MS = 1000

/**
 * Asks a decider and never throws: a missing decider, a thrown or rejected evaluation, a
 * timeout and a malformed answer all become a deny whose reason says which (fail closed).
 * A synchronous decider cannot be interrupted, so the timeout applies to promises only.
 */
export async function decideSafely(
  decider: PolicyDecider | undefined,
  request: AuthzRequest,
  timeoutMs: number = DEFAULT_DECISION_TIMEOUT_MS,
): Promise<Decision> {
  let answer: unknown
  try {
    if (typeof decider?.evaluate !== 'function') return syntheticDeny('policy engine unavailable')
    answer = decider.evaluate(request)
  } catch (e) {
    return syntheticDeny(`policy engine error: ${message(e)}`)
  }
  let thenable: boolean
  try {
    thenable = isThenable(answer)
  } catch (e) {
    // Reading `then` threw (a revoked Proxy, a hostile getter).
    return syntheticDeny(`malformed decision: reading it threw: ${message(e)}`)
  }
  if (thenable) {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<Decision>((resolve) => {
      timer = setTimeout(() => resolve(syntheticDeny(`policy engine timed out after ${timeoutMs} ms`)), timeoutMs)
    })
    try {
      const settled = Promise.resolve(answer).then(
        (v) => validated(v),
        (e: unknown) => syntheticDeny(`policy engine error: ${message(e)}`),
      )
      return await Promise.race([settled, timeout])
    } finally {
      clearTimeout(timer)
    }
  }
  return validated(answer)
}

/**
 * An answer that throws when read (a getter, a Proxy, a revoked Proxy) is a malformed answer
 * like any other: a deny, never a TypeError escaping to the caller (issue 9, item 11).
 */
function validated(v: unknown): Decision {
  let d: Decision | string
  try {
    d = checkDecision(v)
  } catch (e) {
    return syntheticDeny(`malformed decision: reading it threw: ${message(e)}`)
  }
  return typeof d === 'string' ? syntheticDeny(`malformed decision: ${d}`) : d
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
}

function message(e: unknown): string {
  try {
    return e instanceof Error ? e.message : String(e)
  } catch {
    // A thrown value whose own message or toString throws.
    return 'an unprintable value was thrown'
  }
}
