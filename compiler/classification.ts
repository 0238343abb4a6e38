/**
 * A channel's `data_classification { category: action … }` block as rules (SEMANTICS.md §6: "its
 * data-classification rules are checked on every message sent on the channel"). The block
 * becomes one channel-scoped policy, `data_classification@<channel>`, over the messaging verbs,
 * reading the message's classification from `context.classification` (which the messaging
 * point sets from the message, never from caller data):
 *
 * | action | rule |
 * |---|---|
 * | `"deny"` | `deny: <verbs> if classification == "<category>"` |
 * | `"encrypt"` | `require: encrypt for <verbs> if classification == "<category>"` (an obligation) |
 * | `"encrypt_and_audit"` | the same, plus `audit: classified_message for <verbs> if …` |
 * | `"audit"` | `audit: classified_message for <verbs> if …` |
 * | `"allow"` | nothing: it grants nothing beyond the channel's own allow rules |
 *
 * A message without a classification on a channel that has such a block cannot be checked:
 * `classification` is unbound, the deny (or requirement) errors, and an erroring deny or
 * requirement denies. A classification the block does not list (`SECRET`, `top-secret`, a
 * typo) is refused too: otherwise a spelling the `deny` entry does not match would walk past it.
 * Unknown actions are CHECK026.
 */
import { diagnostic, type Diagnostic, type Span } from '../diagnostics/diagnostic.js'
import type { DataClassificationBlock, Expr, Policy, Rule } from '../grammar/ir.js'
import { CHECK } from './codes.js'

/** The verbs a message is sent with (runtime/enforce/message-routing.ts). */
export const MESSAGING_VERBS = ['ask', 'delegate', 'send_to', 'parallel', 'race'] as const

/** The actions a classification entry may name. */
export const CLASSIFICATION_ACTIONS = ['allow', 'deny', 'encrypt', 'encrypt_and_audit', 'audit'] as const

/** The policy name a channel's classification block becomes. */
export function classificationPolicyName(channel: string): string {
  return `data_classification@${channel}`
}

/** Builds the policy of one channel's classification block; reports unknown actions. */
export function classificationPolicy(channel: string, block: DataClassificationBlock, report: (d: Diagnostic) => void): Policy {
  const rules: Rule[] = []
  for (const entry of block.rules) {
    const span = entry.span
    const action = entry.action.kind === 'String' ? entry.action.value : entry.action.kind === 'Ident' ? entry.action.name : undefined
    if (action === undefined || !(CLASSIFICATION_ACTIONS as readonly string[]).includes(action)) {
      report(diagnostic(CHECK.classificationAction, 'error', `data classification \`${entry.category}\` names an unknown action${action === undefined ? '' : ` \`${action}\``}`, entry.action.span, {
        help: `use one of ${CLASSIFICATION_ACTIONS.map((a) => `"${a}"`).join(', ')}`,
      }))
      continue
    }
    const verbs: Expr = { kind: 'Array', elements: MESSAGING_VERBS.map((v) => ({ kind: 'Ident', name: v, span })), span }
    const guard: Expr = { kind: 'Binary', op: '==', left: { kind: 'Ident', name: 'classification', span }, right: { kind: 'String', value: entry.category, raw: JSON.stringify(entry.category), span }, span }
    const ident = (name: string): Expr => ({ kind: 'Ident', name, span })
    if (action === 'deny') rules.push({ kind: 'Rule', ruleKind: 'deny', target: verbs, guard, span })
    if (action === 'encrypt' || action === 'encrypt_and_audit') rules.push({ kind: 'Rule', ruleKind: 'require', target: ident('encrypt'), scope: verbs, guard, span })
    if (action === 'audit' || action === 'encrypt_and_audit') rules.push({ kind: 'Rule', ruleKind: 'audit', target: ident('classified_message'), scope: verbs, guard, span })
  }
  if (rules.length > 0 || block.rules.length > 0) {
    const span = block.span
    const listed: Expr = { kind: 'Array', elements: block.rules.map((r) => ({ kind: 'String', value: r.category, raw: JSON.stringify(r.category), span: r.span })), span }
    const verbs: Expr = { kind: 'Array', elements: MESSAGING_VERBS.map((v) => ({ kind: 'Ident', name: v, span })), span }
    const known: Expr = { kind: 'Binary', op: 'in', left: { kind: 'Ident', name: 'classification', span }, right: listed, span }
    rules.push({ kind: 'Rule', ruleKind: 'deny', target: verbs, guard: { kind: 'Unary', op: '!', operand: known, span }, span })
  }
  return { kind: 'Policy', name: classificationPolicyName(channel), rules, span: block.span }
}

export type { Span }
