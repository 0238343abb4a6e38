import fc from 'fast-check'
import type { CommCondition, CommRule } from '../../../runtime/comm-gate/index.js'
import { All, Allow, Always, Any, Deny, RecipientIs, SenderIs } from '../../../runtime/comm-gate/index.js'

/** Agent ids used by the generated messages and rules. */
export const AGENTS = ['worker', 'boss', 'auditor', 'vault', 'intern']

export const agent = fc.constantFrom(...AGENTS)
export const condition: fc.Arbitrary<CommCondition> = fc.letrec<{ c: CommCondition }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    agent.map(SenderIs),
    agent.map(RecipientIs),
    fc.constant(Always()),
    fc.array(tie('c'), { maxLength: 3 }).map((cs) => All(...cs)),
    fc.array(tie('c'), { maxLength: 3 }).map((cs) => Any(...cs)),
  ),
})).c
export const rules = fc
  .array(fc.record({ priority: fc.integer({ min: -3, max: 3 }), condition, deny: fc.boolean() }), { maxLength: 8 })
  .map((rs) => rs.map((r, i): CommRule => ({ name: `r${i}`, priority: r.priority, condition: r.condition, effect: r.deny ? Deny(`reason ${i}`) : Allow() })))

