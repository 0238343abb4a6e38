import type { AuthzRequest, Decision, PolicyDecider } from '../../stdlib/decision.js'
import type { CommMessage, CommRule } from './rules.js'
import { matches, validateRule } from './rules.js'

/** Name used in the message of the default deny. */
export const DEFAULT_RULE_NAME = 'default'

/** The gate's answer for one message. */
export type CommDecision =
  | { readonly allowed: true; readonly rule: string }
  | { readonly allowed: false; readonly rule: string; readonly message: string }

/** A message the gate refused; `message` is `[rule] reason`. */
export class CommunicationDeniedError extends Error {
  override readonly name = 'CommunicationDeniedError'
  constructor(
    /** The refused message. */
    readonly attempted: CommMessage,
    /** The rule that refused it (`default` when none matched). */
    readonly rule: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Rule-based gate for inter-agent messages: rules are tried highest priority first (equal
 * priorities in insertion order); the first rule whose condition matches decides; when none
 * matches the message is denied (`[default] no communication rule matched`).
 */
export class CommunicationPolicyGate {
  private ordered: { rule: CommRule; seq: number }[] = []
  private seq = 0

  constructor(rules: readonly CommRule[] = []) {
    rules.forEach((r) => this.addRule(r))
  }

  /** Adds a rule after validating it. */
  addRule(rule: CommRule): this {
    const valid = validateRule(rule, this.seq)
    if (this.ordered.some((o) => o.rule.name === valid.name)) throw new Error(`duplicate communication rule name '${valid.name}'`)
    this.ordered.push({ rule: valid, seq: this.seq++ })
    this.ordered.sort((a, b) => b.rule.priority - a.rule.priority || a.seq - b.seq)
    return this
  }

  /** The rules in evaluation order. */
  rules(): readonly CommRule[] {
    return this.ordered.map((o) => o.rule)
  }

  /** Decides one message. */
  evaluate(m: CommMessage): CommDecision {
    if (typeof m?.sender !== 'string' || typeof m.recipient !== 'string') {
      return { allowed: false, rule: DEFAULT_RULE_NAME, message: `[${DEFAULT_RULE_NAME}] message has no sender or recipient` }
    }
    for (const { rule } of this.ordered) {
      if (!matches(rule.condition, m)) continue
      if (rule.effect.kind === 'Allow') return { allowed: true, rule: rule.name }
      return { allowed: false, rule: rule.name, message: `[${rule.name}] ${rule.effect.reason}` }
    }
    return { allowed: false, rule: DEFAULT_RULE_NAME, message: `[${DEFAULT_RULE_NAME}] no communication rule matched` }
  }

  /** Throws `CommunicationDeniedError` unless the message is allowed. */
  check(m: CommMessage): void {
    const d = this.evaluate(m)
    if (!d.allowed) throw new CommunicationDeniedError(m, d.rule, d.message)
  }

  /**
   * The gate as a `PolicyDecider`, so it can sit behind an `Enforcer`: sender is
   * `context.sender` or the principal id, recipient is `context.recipient` or the resource id.
   */
  asDecider(): PolicyDecider {
    return { evaluate: (request: AuthzRequest): Decision => this.decide(request) }
  }

  private decide(request: AuthzRequest): Decision {
    const ctx = request.context ?? {}
    const sender = typeof ctx['sender'] === 'string' ? ctx['sender'] : request.principal?.id
    const recipient = typeof ctx['recipient'] === 'string' ? ctx['recipient'] : request.resource?.id
    const topic = typeof ctx['topic'] === 'string' ? ctx['topic'] : ''
    const d = this.evaluate({ sender: sender as string, recipient: recipient as string, topic })
    const index = this.ordered.findIndex((o) => o.rule.name === d.rule)
    const determining =
      index < 0 ? [] : [{ policy: 'communication_gate', rule: index, kind: d.allowed ? ('allow' as const) : ('deny' as const), span: { start: 0, end: 0 } }]
    const info = { determining, errors: [], version: 0 }
    return d.allowed ? { effect: 'allow', ...info } : { effect: 'deny', reason: d.message, ...info }
  }
}
