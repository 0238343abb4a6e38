/**
 * Action patterns (compiler/patterns.ts, SEMANTICS.md §2) decided three ways — the reference
 * interpreter, closures and generated code — on the cases where "which rules apply" is subtle:
 * literal arguments matched by value or by a record's id, argument 0 falling back to the
 * resource, a deny whose pattern names an argument the action lacks (fail closed) unless a
 * literal argument already rules it out, wildcards in verb and argument position.
 */
import { describe, expect, it } from 'vitest'
import { compilePolicySet, interpret } from '../../compiler/index.js'
import { createEngine } from '../../index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'

function decide(source: string, req: AuthzRequest): Decision {
  const compiled = compilePolicySet([{ name: 'p.policy', source }])
  const set = compiled.value
  if (set === undefined) throw new Error(JSON.stringify(compiled.files))
  const reference = interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version: 1 })
  const essence = (d: Decision) => ({ effect: d.effect, errors: d.errors.map((e) => e.code), determining: d.determining.map((r) => r.rule) })
  for (const evaluator of ['closures', 'generated'] as const) {
    const e = createEngine({ evaluator })
    e.load([{ name: 'p.policy', source }])
    expect(essence(e.evaluate(req)), `${evaluator}: ${JSON.stringify(req)}`).toEqual(essence(reference))
  }
  return reference
}

const P = { id: 'p' }
const act = (name: string, args?: unknown[], resource?: unknown): AuthzRequest => ({ principal: P, action: args === undefined ? name : { name, args: args as never }, ...(resource === undefined ? {} : { resource: resource as never }) })

describe('literal arguments and missing arguments', () => {
  const DENY_DB = 'policy p {\n  allow: export\n  deny: export("db", data) if true\n}'
  it.each([
    ['both arguments, the literal by value', act('export', ['db', 1]), 'deny', []],
    ['both arguments, the literal as a record id', act('export', [{ id: 'db' }, 1]), 'deny', []],
    ['another first argument: the deny does not apply', act('export', ['logs', 1]), 'allow', []],
    ['another record id: the deny does not apply', act('export', [{ id: 'logs' }, 1]), 'allow', []],
    ['a record without an id does not match the literal', act('export', [{ name: 'db' }, 1]), 'allow', []],
    ['the literal matches but argument 1 is missing: fail closed', act('export', ['db']), 'deny', ['EVAL004']],
    ['a record id matches but argument 1 is missing: fail closed', act('export', [{ id: 'db' }]), 'deny', ['EVAL004']],
    ['another first argument and argument 1 missing: the deny does not apply', act('export', ['logs']), 'allow', []],
    ['no arguments: argument 0 is the resource, whose id matches; argument 1 missing', act('export', undefined, { id: 'db' }), 'deny', ['EVAL004']],
    ['no arguments and another resource', act('export', undefined, { id: 'logs' }), 'allow', []],
    ['no arguments and no resource: argument 0 is missing', act('export'), 'deny', ['EVAL004']],
    ['another verb', act('import', ['db', 1]), 'deny', []],
  ])('%s', (_what, req, effect, errors) => {
    const d = decide(DENY_DB, req)
    expect(d.effect).toBe(effect)
    expect(d.errors.map((e) => e.code)).toEqual(errors)
  })

  it('an allow pattern that names a missing argument simply does not match (no error)', () => {
    const source = 'policy p {\n  allow: send(to, body) if true\n}'
    expect(decide(source, act('send', ['bob']))).toMatchObject({ effect: 'deny', errors: [] })
    expect(decide(source, act('send', ['bob', 'hi'])).effect).toBe('allow')
    expect(decide(source, act('send', undefined, { id: 'bob' })).effect).toBe('deny')
  })
})

describe('wildcards and match-all names', () => {
  it.each([
    ['policy p {\n  allow: _\n}', act('anything'), 'allow'],
    ['policy p {\n  allow: any\n}', act('anything'), 'allow'],
    ['policy p {\n  allow: "*"\n}', act('anything'), 'allow'],
    ['policy p {\n  allow: all_operations\n}', act('anything'), 'allow'],
    ['policy p {\n  allow: _(x) if x == "a"\n}', act('whatever', ['a']), 'allow'],
    ['policy p {\n  allow: _(x) if x == "a"\n}', act('whatever', ['b']), 'deny'],
    ['policy p {\n  allow: send(_, any)\n}', act('send', [1, 2]), 'allow'],
    ['policy p {\n  allow: send(_, any)\n}', act('send', [1]), 'deny'],
    ['policy p {\n  allow: "tool_call::*"\n  deny: "TOOL_CALL::SH*"\n}', act('tool_call::shell'), 'deny'],
    ['policy p {\n  allow: "tool_call::*"\n  deny: "TOOL_CALL::SH*"\n}', act('tool_call::ls'), 'allow'],
    ['policy p {\n  allow: "Tool_Call::*"\n}', act('tool_call::ls'), 'deny'],
  ])('%s on %j', (source, req, effect) => {
    expect(decide(source, req).effect).toBe(effect)
  })
})

describe('groups, binders at several positions, and several patterns per rule', () => {
  const grouped = (name: string, groups: string[], args?: unknown[]): AuthzRequest => ({ principal: P, action: { name, groups, ...(args === undefined ? {} : { args: args as never }) } })

  it('an allow matches a group exactly; a deny matches it ASCII-folded', () => {
    expect(decide('policy p {\n  allow: data_ops\n}', grouped('export', ['data_ops'])).effect).toBe('allow')
    expect(decide('policy p {\n  allow: data_ops\n}', grouped('export', ['Data_Ops'])).effect).toBe('deny')
    expect(decide('policy p {\n  allow: data_ops(x) if x == 1\n}', grouped('export', ['data_ops'], [1])).effect).toBe('allow')
    expect(decide('policy p {\n  allow: export\n  deny: DATA_OPS\n}', grouped('export', ['data_ops']))).toMatchObject({ effect: 'deny', errors: [] })
    expect(decide('policy p {\n  allow: export\n  deny: DATA_OPS\n}', grouped('export', ['other'])).effect).toBe('allow')
  })

  it('a binder bound at different positions by different patterns', () => {
    const source = 'policy p {\n  allow: [send(to), forward(_, to)] if to == "bob"\n}'
    expect(decide(source, act('send', ['bob'])).effect).toBe('allow')
    expect(decide(source, act('forward', [1, 'bob'])).effect).toBe('allow')
    expect(decide(source, act('forward', ['bob', 1])).effect).toBe('deny')
    expect(decide(source, act('send', ['eve'])).effect).toBe('deny')
  })

  it('two rules with one guard shape but their binders in other slots do not share a compiled guard wrongly', () => {
    // No binder sits at one position in every pattern, so both live in slots: a→0, b→1 in the
    // first rule and b→0, a→1 in the second.
    const source = 'policy p {\n  allow: [send(a, b), relay(b, a)] if a == "x"\n  allow: [send(b, a), relay(a, b)] if a == "x"\n}'
    expect(decide(source, act('send', ['y', 'x']))).toMatchObject({ effect: 'allow', determining: [expect.objectContaining({ rule: 1 })] })
    expect(decide(source, act('send', ['x', 'y']))).toMatchObject({ effect: 'allow', determining: [expect.objectContaining({ rule: 0 })] })
    expect(decide(source, act('send', ['y', 'y'])).effect).toBe('deny')
  })

  it('a deny with several patterns: a missing argument fails closed unless another pattern matches', () => {
    expect(decide('policy p {\n  allow: export\n  deny: [export("db", x), leak(y)] if true\n}', act('export', ['db']))).toMatchObject({ effect: 'deny', errors: [expect.objectContaining({ code: 'EVAL004' })] })
    expect(decide('policy p {\n  allow: export\n  deny: [export("db", x), export(y)] if y == "other"\n}', act('export', ['db']))).toMatchObject({ effect: 'allow', errors: [] })
    expect(decide('policy p {\n  allow: export\n  deny: [export("db", x), export(y)] if y == "db"\n}', act('export', ['db']))).toMatchObject({ effect: 'deny', errors: [] })
  })
})
