import type { AuthzRequest, Condition, Decision, PolicyDecider } from '../../../stdlib/decision.js'
import type { AuditInput, AuditSink } from '../../../runtime/audit-sink.js'

/** Property-test run count: small by default, larger with SYMBI_PROPERTY_RUNS. */
export const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 100)

const info = { determining: [], errors: [], version: 1 }

export const allow = (): Decision => ({ effect: 'allow', ...info })
export const deny = (reason: string): Decision => ({ effect: 'deny', reason, ...info })
export const withConditions = (conditions: Condition[]): Decision => ({ effect: 'allow_with_conditions', conditions, ...info })
export const needsApproval = (approver: string): Decision => ({ effect: 'require_approval', approver, approvers: [approver], ...info })

/** A decider from a function, recording every request it saw. */
export function decider(fn: (r: AuthzRequest) => unknown): PolicyDecider & { calls: AuthzRequest[] } {
  const calls: AuthzRequest[] = []
  return {
    calls,
    evaluate(r) {
      calls.push(r)
      return fn(r) as Decision | Promise<Decision>
    },
  }
}

/** An audit sink that keeps events in memory, optionally failing. */
export class MemorySink implements AuditSink {
  readonly events: AuditInput[] = []
  constructor(private readonly fail: boolean | ((e: AuditInput) => boolean) = false) {}
  async append(event: AuditInput): Promise<unknown> {
    const failing = typeof this.fail === 'function' ? this.fail(event) : this.fail
    if (failing) throw new Error('disk full')
    this.events.push(structuredClone(event))
    return this.events.length
  }
}

/** A spy that counts calls and returns a value. */
export function spy<A extends unknown[], R>(ret: R): ((...args: A) => R) & { calls: A[] } {
  const calls: A[] = []
  const f = ((...args: A) => {
    calls.push(args)
    return ret
  }) as ((...args: A) => R) & { calls: A[] }
  f.calls = calls
  return f
}
