/**
 * Defence in depth: the evaluators are built from checked IR, and the checker rejects lambdas,
 * vault references, `_` and assignments used as values, statements in `if` blocks, and calls of
 * unknown functions or of functions as methods. Each evaluator still turns such a node into an
 * evaluation error rather than a value — so IR that reached it some other way (a bug in the
 * checker, a hand-built set) fails closed. Here each such node is spliced into a checked set as a
 * guard of an allow rule and of a deny rule: the interpreter, the closures and generated code
 * must all decide deny, with the same errors.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, type PolicySet } from '../../compiler/index.js'
import type { Expr } from '../../grammar/ir.js'
import { collectPolicies } from '../../grammar/ir-utils.js'
import { parse } from '../../grammar/parse.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { agreeing } from './agreement.js'

/** The guard (or, with `item`, the require item) of the first rule of a parsed policy. */
function node(policySource: string, item?: number): Expr {
  const r = parse(policySource)
  const rule = r.value ? collectPolicies(r.value)[0]?.rules[0] : undefined
  if (!rule) throw new Error(JSON.stringify(r.diagnostics))
  if (item !== undefined) return (rule.target as Extract<Expr, { kind: 'Array' }>).elements[item] as Expr
  if (!rule.guard) throw new Error('no guard')
  return rule.guard
}

const NODES: Record<string, Expr> = {
  'a lambda': node('policy p { allow: read if (x => x) }'),
  'a lambda inside a comparison': node('policy p { allow: read if [x => x] == [] }'),
  'a vault reference': node('policy p { allow: read if user.token == vault://secrets/api }'),
  '`_`': node('policy p { allow: read if user.level == _ }'),
  'an assignment': node('policy p { require: [retain = 30] }', 0),
  'statements in an `if` block': node('policy p { allow: read if (if user.ok { let x = 1; x } else { true }) }'),
  'an `if` block without a value': node('policy p { allow: read if (if user.ok { let x = 1; } else { true }) }'),
  'an unknown function': node('policy p { allow: read if nosuch(1) }'),
  'a function called as a method': node('policy p { allow: read if user.now() > 1 }'),
  'a call of something that is not a name': node('policy p { allow: read if user.fs[0](1) }'),
}

/** A checked set whose allow or deny rule has `guard` in place of its own. */
function withGuard(kind: 'allow' | 'deny', guard: Expr): PolicySet {
  const source = kind === 'allow' ? 'policy p { allow: read if user.ok == true }' : 'policy p { allow: read  deny: read if user.ok == true }'
  const r = compilePolicySet([{ name: 'p.policy', source }])
  if (!r.value) throw new Error(JSON.stringify(r.files))
  const set = r.value
  const policy = set.checked.policies[0]
  if (!policy) throw new Error('no policy')
  const index = kind === 'allow' ? 0 : 1
  const rules = policy.rules.map((rule, i) => (i === index ? { ...rule, guard } : rule))
  return { ...set, checked: { ...set.checked, policies: [{ ...policy, rules }] } }
}

const REQUEST: AuthzRequest = { principal: { id: 'p' }, action: 'read', context: { user: { ok: true, level: 1, token: 't', fs: [1] } } }

describe('IR the checker would reject fails closed in every evaluator', () => {
  for (const [name, guard] of Object.entries(NODES)) {
    it.each(['allow', 'deny'] as const)(`${name}, as the guard of an %s rule`, (kind) => {
      const d = agreeing(withGuard(kind, guard)).decide(REQUEST)
      expect(d.effect).toBe('deny')
      expect(d.errors.length).toBeGreaterThan(0)
      expect(d.errors.every((e) => e.code.startsWith('EVAL'))).toBe(true)
    })
  }
})
