/**
 * Differential tests (STYLE.md §12): for generated Cedar-translatable policy sets and requests,
 * our interpreter and Cedar (cedar-wasm, on the compiled text) agree on allow/deny; and for any
 * request — missing attributes, wrong types, values Cedar cannot hold — Cedar never allows what
 * we deny (the translation is fail-closed).
 */
import fc from 'fast-check'
import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs'
import { describe, expect, it } from 'vitest'
import { compileToCedar, verifyCedar } from '../../compiler/cedar/index.js'
import { compilePolicySet, interpret } from '../../compiler/index.js'
import type { PolicySet } from '../../compiler/index.js'
import { CedarPolicyGate, toCedarRequest } from '../../runtime/cedar-gate/index.js'
import { isPermitted, type AuthzRequest, type Decision } from '../../stdlib/decision.js'
import { policySources, requests, wildRequests } from './generators.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 60)
const REQUESTS_PER_SET = 40
const SCHEMA = { actions: { read: { groups: ['data_ops'] }, write: { groups: ['data_ops'] } }, ladders: { priority: ['low', 'medium', 'high'] }, open: true }

interface Compiled {
  readonly set: PolicySet
  readonly text: string
  readonly storeId: string
  readonly gate: CedarPolicyGate
}

const gate = CedarPolicyGate.denyByDefault('', { groupsOf: new Map(Object.entries(SCHEMA.actions).map(([k, v]) => [k, v.groups])) })

function compile(sources: string[]): Compiled {
  const r = compilePolicySet(sources.map((source, i) => ({ name: `gen${i}.policy`, source })), { schema: SCHEMA })
  if (r.value === undefined) throw new Error(`generated policies do not compile:\n${sources.join('\n')}\n${JSON.stringify(r.files.flatMap((f) => f.diagnostics))}`)
  const out = compileToCedar(r.value)
  if (out.diagnostics.length > 0 || out.omitted.length > 0) throw new Error(`generated policies do not translate:\n${sources.join('\n')}\n${JSON.stringify(out.diagnostics)}`)
  expect(verifyCedar(out.text)).toEqual([])
  // One store id and one gate, reloaded per set: wasm keeps every preparsed set until its id is reused.
  const storeId = 'differential'
  expect(preparsePolicySet(storeId, { staticPolicies: out.text }).type).toBe('success')
  gate.reload(out.text)
  return { set: r.value, text: out.text, storeId, gate }
}

function decide(c: Compiled, req: AuthzRequest): Decision {
  return interpret(c.set.checked, req, { functions: c.set.functions, ladders: c.set.ladders, limits: c.set.limits, version: 1 })
}

function ours(c: Compiled, req: AuthzRequest): boolean {
  return isPermitted(decide(c, req))
}

/** Obligations and audits of a permitted decision, as comparable strings. */
function conditionsOf(d: Decision): string[] {
  return d.effect === 'allow_with_conditions' ? d.conditions.map((x) => `${x.kind}:${x.name}:${(x.modifiers ?? []).join(',')}`).sort() : []
}

/** Cedar's own decision on the compiled text, through the documented request mapping. */
function cedar(c: Compiled, req: AuthzRequest): boolean {
  const m = toCedarRequest(req, { groupsOf: c.set.checked.vocabulary.groupsOf })
  const a = statefulIsAuthorized({ principal: m.principal, action: m.action, resource: m.resource, context: m.context, entities: m.entities, preparsedPolicySetId: c.storeId })
  if (a.type !== 'success') throw new Error(`Cedar failed: ${JSON.stringify(a.errors)}`)
  return a.response.decision === 'allow'
}

function mappable(c: Compiled, req: AuthzRequest): boolean {
  try {
    toCedarRequest(req, { groupsOf: c.set.checked.vocabulary.groupsOf })
    return true
  } catch {
    return false
  }
}

function explain(c: Compiled, req: AuthzRequest): string {
  return `\npolicies:\n${c.set.sources.length} sources\n${c.text}\nrequest: ${JSON.stringify(req)}`
}

describe('Cedar differential', () => {
  it('our engine and Cedar agree on allow/deny for translatable sets and representable requests', () => {
    let cases = 0
    let allows = 0
    fc.assert(
      fc.property(policySources, fc.array(requests, { minLength: REQUESTS_PER_SET, maxLength: REQUESTS_PER_SET }), (sources, reqs) => {
        const c = compile(sources)
        for (const req of reqs) {
          const od = decide(c, req)
          const gd = c.gate.evaluate(req)
          const o = isPermitted(od)
          const k = cedar(c, req)
          const g = isPermitted(gd)
          cases++
          if (o) allows++
          if (o !== k || o !== g) throw new Error(`ours=${o} cedar=${k} gate=${g}${explain(c, req)}\n${sources.join('\n')}`)
          // The gate recovers obligations and audits through the carrier policies.
          if (o) expect(conditionsOf(gd), explain(c, req)).toEqual(conditionsOf(od))
        }
      }),
      // A few runs (the mutation suite's 25) leave the allow count to chance: then one fixed seed,
      // so the count below is the same on every run.
      { numRuns: RUNS, ...(RUNS < 50 ? { seed: 7 } : {}) },
    )
    expect(cases).toBe(RUNS * REQUESTS_PER_SET)
    console.info(`Cedar differential: ${allows} allows in ${cases} cases`)
    // The generator must exercise both outcomes, or agreement would prove little.
    // (1 in 100: the generator now also makes scoped policies and case variants, which allow less.)
    expect(allows).toBeGreaterThan(cases / 100)
    expect(allows).toBeLessThan(cases)
  }, 120_000)

  it('Cedar never allows what we deny, whatever the request (fail-closed translation)', () => {
    fc.assert(
      fc.property(policySources, fc.array(wildRequests, { minLength: REQUESTS_PER_SET, maxLength: REQUESTS_PER_SET }), (sources, reqs) => {
        const c = compile(sources)
        for (const req of reqs) {
          const o = ours(c, req)
          if (isPermitted(c.gate.evaluate(req)) && !o) throw new Error(`the Cedar gate allowed what we deny${explain(c, req)}\n${sources.join('\n')}`)
          // Plain Cedar (skipping failing forbids) on the compiled text, wherever the mapping can express the request.
          if (mappable(c, req) && cedar(c, req) && !o) throw new Error(`Cedar allowed what we deny${explain(c, req)}\n${sources.join('\n')}`)
        }
      }),
      { numRuns: RUNS },
    )
  }, 120_000)
})
