/** A condition on a message's sender and recipient. */
export type CommCondition =
  | { readonly kind: 'SenderIs'; readonly agent: string }
  | { readonly kind: 'RecipientIs'; readonly agent: string }
  | { readonly kind: 'Always' }
  | { readonly kind: 'All'; readonly conditions: readonly CommCondition[] }
  | { readonly kind: 'Any'; readonly conditions: readonly CommCondition[] }

/** What a matching rule does. */
export type CommEffect = { readonly kind: 'Allow' } | { readonly kind: 'Deny'; readonly reason: string }

/** One communication rule. */
export interface CommRule {
  /** Rule name, shown in denial messages as `[name]`. */
  readonly name: string
  /** Higher runs first; equal priorities keep insertion order. */
  readonly priority: number
  /** When the rule matches. */
  readonly condition: CommCondition
  /** What it does when it matches. */
  readonly effect: CommEffect
}

/** The facts a rule looks at. */
export interface CommMessage {
  /** Sending agent id. */
  readonly sender: string
  /** Receiving agent id. */
  readonly recipient: string
  /** Topic (not matched by the built-in conditions; carried for audit). */
  readonly topic?: string
}

/** Deepest condition nesting accepted. */
export const MAX_CONDITION_DEPTH = 32

/** Matches when the sender is `agent`. */
export const SenderIs = (agent: string): CommCondition => ({ kind: 'SenderIs', agent })
/** Matches when the recipient is `agent`. */
export const RecipientIs = (agent: string): CommCondition => ({ kind: 'RecipientIs', agent })
/** Always matches. */
export const Always = (): CommCondition => ({ kind: 'Always' })
/** Matches when every condition matches (an empty `All` always matches). */
export const All = (...conditions: CommCondition[]): CommCondition => ({ kind: 'All', conditions })
/** Matches when some condition matches (an empty `Any` never matches). */
export const Any = (...conditions: CommCondition[]): CommCondition => ({ kind: 'Any', conditions })
/** Lets the message through. */
export const Allow = (): CommEffect => ({ kind: 'Allow' })
/** Stops the message with a reason. */
export const Deny = (reason: string): CommEffect => ({ kind: 'Deny', reason })

/** A rule that cannot be loaded; `where` names the rule and field. */
export class CommRuleError extends Error {
  override readonly name = 'CommRuleError'
}

/** True when `c` matches `m`. */
export function matches(c: CommCondition, m: CommMessage): boolean {
  switch (c.kind) {
    case 'SenderIs':
      return m.sender === c.agent
    case 'RecipientIs':
      return m.recipient === c.agent
    case 'Always':
      return true
    case 'All':
      return c.conditions.every((x) => matches(x, m))
    case 'Any':
      return c.conditions.some((x) => matches(x, m))
  }
}

/** Validates a rule, throwing `CommRuleError` naming the rule and the bad part. */
export function validateRule(rule: unknown, index: number): CommRule {
  const r = rule as Partial<CommRule> | null
  const name = typeof r?.name === 'string' && r.name !== '' ? r.name : undefined
  const where = name === undefined ? `rule #${index}` : `rule '${name}'`
  if (name === undefined) throw new CommRuleError(`${where}: name must be a non-empty string`)
  if (typeof r?.priority !== 'number' || !Number.isFinite(r.priority)) throw new CommRuleError(`${where}: priority must be a finite number`)
  validateCondition(r.condition, `${where}.condition`, 0)
  const e = r.effect as Partial<{ kind: string; reason: unknown }> | undefined
  if (e?.kind === 'Deny') {
    if (typeof e.reason !== 'string') throw new CommRuleError(`${where}.effect: Deny needs a string reason`)
  } else if (e?.kind !== 'Allow') throw new CommRuleError(`${where}.effect: expected Allow or Deny, got ${JSON.stringify(e?.kind ?? null)}`)
  return r as CommRule
}

function validateCondition(c: unknown, where: string, depth: number): void {
  if (depth > MAX_CONDITION_DEPTH) throw new CommRuleError(`${where}: nested deeper than ${MAX_CONDITION_DEPTH}`)
  const x = c as { kind?: unknown; agent?: unknown; conditions?: unknown } | null
  switch (x?.kind) {
    case 'SenderIs':
    case 'RecipientIs':
      if (typeof x.agent !== 'string' || x.agent === '') throw new CommRuleError(`${where}: ${x.kind} needs a non-empty agent id`)
      return
    case 'Always':
      return
    case 'All':
    case 'Any': {
      if (!Array.isArray(x.conditions)) throw new CommRuleError(`${where}: ${x.kind} needs a conditions array`)
      x.conditions.forEach((sub, i) => validateCondition(sub, `${where}.conditions[${i}]`, depth + 1))
      return
    }
    default:
      throw new CommRuleError(`${where}: unknown condition ${JSON.stringify(x?.kind ?? null)} (known: SenderIs, RecipientIs, Always, All, Any)`)
  }
}
