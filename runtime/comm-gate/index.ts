export type { CommDecision } from './communication-gate.js'
export type { CommCondition, CommEffect, CommMessage, CommRule } from './rules.js'
export { CommunicationDeniedError, CommunicationPolicyGate, DEFAULT_RULE_NAME } from './communication-gate.js'
export { All, Allow, Always, Any, CommRuleError, Deny, MAX_CONDITION_DEPTH, RecipientIs, SenderIs, matches, validateRule } from './rules.js'
