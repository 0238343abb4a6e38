/**
 * The seed's three policies (examples/*.policy), loaded together into one engine, decide the
 * requests a security engineer would write the way that engineer expects. Each test asserts
 * the effect, the reason or conditions, the determining rules (policy and rule index) and the
 * version, and that the explain path (the reference interpreter) says the same.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { createEngine, type Engine } from '../../index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import type { Value } from '../../stdlib/value.js'

const SEED = ['data_flow_control', 'resource_governance', 'secure_data_access'].map((n) => ({
  name: `${n}.policy`,
  source: readFileSync(new URL(`../../examples/${n}.policy`, import.meta.url), 'utf8'),
}))

/** A policy a team adds on top of the seed: it allows exports and long-running work. */
const EXTRA = { name: 'team.policy', source: 'policy team_extras {\n  allow: export\n  allow: long_running_operations\n}\n' }

function engine(extra: boolean, options: Parameters<typeof createEngine>[0] = {}): Engine {
  const e = createEngine(options)
  const r = e.load(extra ? [...SEED, EXTRA] : SEED)
  expect(r.ok, JSON.stringify(r.files)).toBe(true)
  return e
}

const rules = (d: Decision): string[] => d.determining.map((r) => `${r.policy}[${r.rule}]`)

/** Decides through the compiled path and checks that the interpreter (explain) agrees. */
function decide(e: Engine, req: AuthzRequest): Decision {
  const d = e.evaluate(req)
  const { trace, ...explained } = e.evaluate(req, { explain: true })
  expect(trace).toBeDefined()
  expect(explained).toEqual(d)
  return d
}

const analyst = { id: 'analyst-7', type: 'agent' }
const readRequest = (user: Record<string, unknown>, session: Record<string, unknown> = {}): AuthzRequest => ({
  principal: analyst,
  action: 'read',
  resource: { id: 'report-42', type: 'document' },
  context: {
    user: { clearance: 'secret', need_to_know: ['confidential'], background_check: { current: true }, ...user },
    data: { classification: 'confidential' },
    session: { mfa_verified: true, secure_connection: true, ...session },
  },
})

describe('secure_data_access', () => {
  it('allows a read at secret clearance, with the detailed audit trail as a condition', () => {
    const d = decide(engine(false), readRequest({}))
    expect(d.effect).toBe('allow_with_conditions')
    if (d.effect !== 'allow_with_conditions') return
    expect(d.conditions).toEqual([{ kind: 'obligation', name: 'audit_trail', value: 'detailed' }])
    expect(rules(d)).toEqual(['secure_data_access[0]', 'secure_data_access[2]'])
    expect(d.determining[0]).toMatchObject({ kind: 'allow', source: 'secure_data_access.policy' })
    expect(d.determining[1]).toMatchObject({ kind: 'require' })
    expect(d.errors).toEqual([])
    expect(d.version).toBe(1)
  })

  it('allows top_secret (the classification ladder, not string order)', () => {
    expect(decide(engine(false), readRequest({ clearance: 'top_secret' })).effect).toBe('allow_with_conditions')
  })

  for (const clearance of ['public', 'internal', 'confidential']) {
    it(`denies a read at ${clearance} clearance (below secret)`, () => {
      const d = decide(engine(false), readRequest({ clearance }))
      expect(d).toMatchObject({ effect: 'deny', reason: 'no allow rule matched', determining: [], errors: [], version: 1 })
    })
  }

  it('denies a clearance that is on no ladder and reports why', () => {
    const d = decide(engine(false), readRequest({ clearance: 'zebra' }))
    expect(d).toMatchObject({ effect: 'deny', reason: 'no allow rule matched' })
    expect(d.errors.map((x) => [x.code, `${x.rule.policy}[${x.rule.rule}]`])).toEqual([['EVAL104', 'secure_data_access[0]']])
  })

  it('denies without MFA, and when the need-to-know list lacks the data classification', () => {
    expect(decide(engine(false), readRequest({}, { mfa_verified: false })).effect).toBe('deny')
    expect(decide(engine(false), readRequest({ need_to_know: ['internal'] })).effect).toBe('deny')
  })

  it('denies a read when the background check is not current, naming the requirement', () => {
    const d = decide(engine(false), readRequest({ background_check: { current: false } }))
    expect(d).toMatchObject({ effect: 'deny', reason: 'requirement not met: user.background_check.current', version: 1 })
    expect(rules(d)).toEqual(['secure_data_access[2]'])
  })

  it('denies a read when the background check is missing altogether (fail closed), reporting EVAL105', () => {
    const req = readRequest({})
    const user = { ...((req.context as { user: Record<string, Value> }).user) }
    delete user['background_check']
    const d = decide(engine(false), { ...req, context: { ...req.context, user } })
    expect(d).toMatchObject({ effect: 'deny', reason: 'requirement not met: user.background_check.current' })
    expect(d.errors.map((x) => x.code)).toEqual(['EVAL105'])
  })

  it('denies a read over an insecure connection', () => {
    const d = decide(engine(false), readRequest({}, { secure_connection: false }))
    expect(d).toMatchObject({ effect: 'deny', reason: 'requirement not met: session.secure_connection' })
  })

  it('denies exporting PII even though another policy allows export', () => {
    const e = engine(true)
    const pii: AuthzRequest = { principal: analyst, action: 'export', resource: { id: 'customers', contains_pii: true }, context: readRequest({}).context as Record<string, never> }
    const d = decide(e, pii)
    expect(d).toMatchObject({ effect: 'deny', reason: 'denied by secure_data_access[1]: deny: export(data) if data.contains_pii == true', version: 1 })
    expect(rules(d)).toEqual(['secure_data_access[1]'])
    expect(d.determining[0]?.kind).toBe('deny')
  })

  it('allows exporting data without PII (with the audit trail the same policy requires)', () => {
    const e = engine(true)
    const clean: AuthzRequest = { principal: analyst, action: 'export', resource: { id: 'stats', contains_pii: false }, context: readRequest({}).context as Record<string, never> }
    const d = decide(e, clean)
    expect(d.effect).toBe('allow_with_conditions')
    expect(rules(d)).toEqual(['team_extras[0]', 'secure_data_access[2]'])
  })

  it('denies an export whose resource does not say whether it holds PII (fail closed)', () => {
    const d = decide(engine(true), { principal: analyst, action: 'export', resource: { id: 'unknown' }, context: readRequest({}).context as Record<string, never> })
    expect(d).toMatchObject({ effect: 'deny' })
    if (d.effect === 'deny') expect(d.reason).toContain('could not be evaluated (fail closed)')
    expect(d.errors.map((x) => x.code)).toEqual(['EVAL105'])
  })
})

describe('resource_governance', () => {
  const allocate = (groups: string[] | undefined, approvals?: Value[]): AuthzRequest => ({
    principal: analyst,
    action: groups === undefined ? 'allocate' : { name: 'allocate', groups },
    resource: { id: 'gpu-pool', total: 4 },
    context: { user: { resource_quota: { remaining: 10 }, max_priority: 5 }, operation: { priority: 2 }, system: { maintenance_mode: false }, ...(approvals ? { approvals } : {}) },
  })

  it('requires supervisor approval for a high-memory allocation (groups in the request)', () => {
    const d = decide(engine(false), allocate(['high_memory_operations']))
    expect(d).toMatchObject({ effect: 'require_approval', approver: 'supervisor', approvers: ['supervisor'], version: 1 })
    expect(rules(d)).toEqual(['resource_governance[2]'])
  })

  it('requires supervisor approval when the schema puts the action in the group', () => {
    const e = engine(false, { schema: { actions: { allocate: { groups: ['high_memory_operations'] } }, open: true } })
    const d = decide(e, allocate(undefined))
    expect(d).toMatchObject({ effect: 'require_approval', approver: 'supervisor' })
  })

  it('allows once context.approvals holds the supervisor (by name or as a record)', () => {
    for (const approvals of [['supervisor'], [{ approver: 'supervisor', at: '2026-11-26T10:00:00Z' }]] as Value[][]) {
      const d = decide(engine(false), allocate(['high_memory_operations'], approvals))
      expect(d).toMatchObject({ effect: 'allow', errors: [], version: 1 })
      expect(rules(d)).toEqual(['resource_governance[0]', 'resource_governance[2]'])
    }
  })

  it('an approval from someone else does not count', () => {
    expect(decide(engine(false), allocate(['high_memory_operations'], ['manager'])).effect).toBe('require_approval')
  })

  it('allows an ordinary allocation within quota without approval', () => {
    const d = decide(engine(false), allocate(undefined))
    expect(d).toMatchObject({ effect: 'allow', version: 1 })
    expect(rules(d)).toEqual(['resource_governance[0]'])
  })

  it('denies an allocation over quota even when it would need approval', () => {
    const req = allocate(['high_memory_operations'])
    const d = decide(engine(false), { ...req, resource: { id: 'gpu-pool', total: 50 } })
    expect(d).toMatchObject({ effect: 'deny', reason: 'no allow rule matched' })
  })

  it('denies long-running operations in maintenance mode, even when allowed', () => {
    const e = engine(true)
    const req: AuthzRequest = { principal: analyst, action: { name: 'reindex', groups: ['long_running_operations'] }, context: { system: { maintenance_mode: true } } }
    const d = decide(e, req)
    expect(d).toMatchObject({ effect: 'deny', reason: 'denied by resource_governance[1]: deny: long_running_operations if system.maintenance_mode', version: 1 })
    expect(rules(d)).toEqual(['resource_governance[1]'])
    const off = decide(e, { ...req, context: { system: { maintenance_mode: false } } })
    expect(off).toMatchObject({ effect: 'allow' })
    expect(rules(off)).toEqual(['team_extras[1]'])
  })

  it('denies a long-running operation when the maintenance flag is absent (fail closed)', () => {
    const d = decide(engine(true), { principal: analyst, action: { name: 'reindex', groups: ['long_running_operations'] }, context: {} })
    expect(d.effect).toBe('deny')
    expect(d.errors.map((x) => x.code)).toEqual(['EVAL001'])
  })
})

describe('data_flow_control', () => {
  const transform = (groups: string[], source: string, target: string): AuthzRequest => ({
    principal: analyst,
    action: { name: 'transform', groups },
    resource: { id: 'dataset-9' },
    context: { source: { classification: source }, target: { classification: target }, user: { transform_permissions: ['anonymize'] }, operation: { type: 'anonymize', privacy_budget: 1 } },
  })

  it('returns differential_privacy as a condition on a statistical operation', () => {
    const d = decide(engine(false), transform(['statistical_operations'], 'internal', 'confidential'))
    expect(d.effect).toBe('allow_with_conditions')
    if (d.effect !== 'allow_with_conditions') return
    expect(d.conditions).toEqual([{ kind: 'obligation', name: 'differential_privacy' }])
    expect(rules(d)).toEqual(['data_flow_control[0]', 'data_flow_control[2]'])
    expect(d.version).toBe(1)
  })

  it('adds no condition to a transform that is not statistical', () => {
    const d = decide(engine(false), transform([], 'internal', 'confidential'))
    expect(d).toMatchObject({ effect: 'allow' })
    expect(rules(d)).toEqual(['data_flow_control[0]'])
  })

  it('denies moving data down the classification ladder', () => {
    expect(decide(engine(false), transform(['statistical_operations'], 'secret', 'internal'))).toMatchObject({ effect: 'deny', reason: 'no allow rule matched' })
  })

  it('denies an aggregate over a dataset above the privacy budget', () => {
    const e = createEngine()
    expect(e.load([...SEED, { name: 'agg.policy', source: 'policy agg { allow: aggregate }' }]).ok).toBe(true)
    const req: AuthzRequest = {
      principal: analyst,
      action: { name: 'aggregate', groups: ['statistical_operations'], args: [[{ privacy_level: 1 }, { privacy_level: 3 }]] },
      context: { operation: { privacy_budget: 2 } },
    }
    const d = decide(e, req)
    expect(d).toMatchObject({ effect: 'deny', reason: 'denied by data_flow_control[1]: deny: aggregate(datasets) if any(datasets, d => d.privacy_level > operation.privacy_budget)' })
    const within = decide(e, { ...req, context: { operation: { privacy_budget: 5 } } })
    expect(within.effect).toBe('allow_with_conditions')
    if (within.effect === 'allow_with_conditions') expect(within.conditions).toEqual([{ kind: 'obligation', name: 'differential_privacy' }])
  })
})

describe('versions', () => {
  it('stamps the version of the set that decided', () => {
    const e = engine(false)
    expect(e.evaluate(readRequest({})).version).toBe(1)
    expect(e.load([...SEED, EXTRA]).version).toBe(2)
    expect(e.evaluate(readRequest({})).version).toBe(2)
    expect(e.evaluate(readRequest({ clearance: 'public' })).version).toBe(2)
  })
})
