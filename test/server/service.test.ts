import { readFileSync, readdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine } from '../../index.js'
import { openAuditLog, verify as verifyAuditLog, generateAuditKeyPair } from '../../runtime/audit/index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { SecurityMonitor, type SecurityEvent } from '../../runtime/events/index.js'
import { ApproverTokens, createService, DecisionLog, FileAudit, ServingSet, TokenCheck, type Service, type ServiceAudit } from '../../server/index.js'

const EXAMPLES = resolve(import.meta.dirname, '../../examples')
const exampleSources = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.policy') || f.endsWith('.symbi'))
  .map((f) => ({ name: f, source: readFileSync(join(EXAMPLES, f), 'utf8') }))
const exampleRequests: AuthzRequest[] = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.test.json'))
  .flatMap((f) => (JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')) as { cases: { request: AuthzRequest }[] }).cases.map((c) => c.request))
  // Grants come only through /v1/approvals: cases that carry them are decided there (below).
  .filter((r) => r.context?.['approvals'] === undefined)

const APPROVAL_POLICY = `policy ops {
  allow: deploy if principal.role == "engineer"
  require: approval("supervisor") for deploy
}
`
const TOKEN = 'a-long-enough-test-token-0123456789'

const services: Service[] = []
afterEach(async () => {
  for (const s of services.splice(0)) await s.close()
})

function start(sources = exampleSources, options: Partial<Parameters<typeof createService>[0]> = {}): Service {
  const serving = new ServingSet()
  if (sources.length > 0) expect(serving.loadSources(sources, undefined)).toBe(true)
  const s = createService({ serving, ...options })
  services.push(s)
  return s
}

async function post(s: Service, url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await s.app.inject({ method: 'POST', url, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })
  return { status: res.statusCode, body: res.json() as Record<string, unknown> }
}

function withoutId(d: Record<string, unknown>): Record<string, unknown> {
  const { decisionId, approvalId, ...rest } = d
  expect(decisionId).toMatch(/^[0-9a-f-]{36}$/)
  // Exactly the decisions that ask for approval are parked, under an id of their own.
  if (rest['effect'] === 'require_approval') expect(approvalId).toMatch(/^[0-9a-f-]{36}$/)
  else expect(approvalId).toBeUndefined()
  return rest
}

describe('POST /v1/evaluate decides as the library does', () => {
  it(`every seed example case (${exampleRequests.length}), one by one and as one batch`, async () => {
    expect(exampleRequests.length).toBeGreaterThan(20)
    const s = start()
    const library = createEngine()
    expect(library.load(exampleSources).ok).toBe(true)
    const expected = exampleRequests.map((r) => JSON.parse(JSON.stringify(library.evaluate(r))) as Record<string, unknown>)
    for (const [i, r] of exampleRequests.entries()) {
      const res = await post(s, '/v1/evaluate', r)
      expect(res.status).toBe(200)
      expect(withoutId(res.body)).toEqual(expected[i])
    }
    const batch = await post(s, '/v1/evaluate', { requests: exampleRequests })
    expect(batch.status).toBe(200)
    const decisions = batch.body['decisions'] as Record<string, unknown>[]
    expect(decisions.map(withoutId)).toEqual(expected)
    expect(new Set(decisions.map((d) => d['decisionId'])).size).toBe(decisions.length)
  })

  it('POST /v1/explain answers the decision with its trace', async () => {
    const s = start()
    const res = await post(s, '/v1/explain', exampleRequests[0])
    expect(res.status).toBe(200)
    expect(Array.isArray(res.body['trace'])).toBe(true)
    expect((await post(s, '/v1/explain', { requests: [] })).body).toEqual({ error: { code: 'bad_request', message: '/v1/explain takes one request, not a batch' } })
  })
})

describe('errors are JSON with a code and a message, never a stack trace, never an allow', () => {
  it('400 for malformed JSON, a bad field (named), a self-granted approval and a bad batch', async () => {
    const s = start([{ name: 'ops.policy', source: APPROVAL_POLICY }], { maxBatch: 2 })
    const bad = await post(s, '/v1/evaluate', '{"principal":')
    expect(bad.status).toBe(400)
    expect((bad.body['error'] as { code: string }).code).toBe('bad_json')
    expect(await post(s, '/v1/evaluate', { principal: { id: 7 }, action: 'deploy' })).toEqual({ status: 400, body: { error: { code: 'bad_request', message: "field 'principal.id': principal.id must be a string" } } })
    const self = await post(s, '/v1/evaluate', { principal: { id: 'a', role: 'engineer' }, action: 'deploy', context: { approvals: ['supervisor'] } })
    expect(self.status).toBe(400)
    expect((self.body['error'] as { message: string }).message).toContain("field 'context.approvals'")
    const batch = await post(s, '/v1/evaluate', { requests: [{ principal: { id: 'a' }, action: 'deploy' }, { principal: {}, action: 'deploy' }] })
    expect(batch.body).toEqual({ error: { code: 'bad_request', message: "field 'requests[1].principal.id': principal.id must be a string" } })
    expect((await post(s, '/v1/evaluate', { requests: [1, 2, 3] })).body).toEqual({ error: { code: 'bad_request', message: "field 'requests' holds 3 requests; at most 2 per call" } })
    expect((await post(s, '/v1/evaluate', { requests: 'x' })).status).toBe(400)
    expect((await post(s, '/v1/evaluate', [1])).status).toBe(400)
    const proto = await post(s, '/v1/evaluate', '{"principal":{"id":"a"},"action":"deploy","__proto__":{"role":"engineer"}}')
    expect(proto.status).toBe(400)
    for (const r of [bad, self, batch, proto]) expect(JSON.stringify(r.body)).not.toMatch(/\bat .*\.(js|ts):\d+/)
  })

  it('401 without or with a wrong token (health stays open); the token is accepted in constant time', async () => {
    const s = start(exampleSources, { tokens: new TokenCheck([TOKEN]) })
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await post(s, '/v1/evaluate', exampleRequests[0], headers)
      expect(res).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'missing or wrong bearer token' } } })
    }
    expect((await s.app.inject({ url: '/v1/status' })).statusCode).toBe(401)
    expect((await s.app.inject({ url: '/metrics' })).statusCode).toBe(401)
    expect((await s.app.inject({ url: '/health/live' })).statusCode).toBe(200)
    expect((await s.app.inject({ url: '/health/ready' })).statusCode).toBe(200)
    expect((await post(s, '/v1/evaluate', exampleRequests[0], { authorization: `Bearer ${TOKEN}` })).status).toBe(200)
    expect(() => new TokenCheck(['short'])).toThrow('at least 16 characters')
  })

  it('reports authentication failures as security events, without the token', async () => {
    const events: SecurityEvent[] = []
    const monitor = new SecurityMonitor()
    monitor.subscribe((e) => void events.push(e))
    const s = start(exampleSources, { tokens: new TokenCheck([TOKEN]), security: monitor })
    await post(s, '/v1/evaluate', exampleRequests[0], { authorization: `Bearer ${TOKEN}x` })
    await post(s, '/v1/evaluate', exampleRequests[0], { authorization: `Bearer ${TOKEN}` })
    await new Promise((r) => setTimeout(r, 10))
    expect(events.map((e) => [e.category, e.severity])).toEqual([['auth_failure', 'warning']])
    expect(events[0]?.description).toMatch(/^missing or wrong bearer token on POST \/v1\/evaluate from /)
    expect(JSON.stringify(events)).not.toContain(TOKEN)
  })

  it('413 over the body limit, 415 for another media type, 404 for an unknown route', async () => {
    const s = start(exampleSources, { bodyLimit: 2048 })
    const big = await post(s, '/v1/evaluate', { principal: { id: 'x'.repeat(4000) }, action: 'read' })
    expect(big).toEqual({ status: 413, body: { error: { code: 'body_too_large', message: 'request body is larger than the limit' } } })
    const text = await s.app.inject({ method: 'POST', url: '/v1/evaluate', payload: 'hello', headers: { 'content-type': 'text/plain' } })
    expect(text.statusCode).toBe(415)
    expect(text.json()).toMatchObject({ error: { code: 'unsupported_media_type' } })
    const none = await s.app.inject({ url: '/v1/nothing' })
    expect([none.statusCode, none.json()]).toEqual([404, { error: { code: 'not_found', message: 'no route GET /v1/nothing' } }])
  })

  it('503 and not ready while no verified set serves; ready once one does', async () => {
    const s = start([])
    expect((await post(s, '/v1/evaluate', exampleRequests[0])).body).toEqual({ error: { code: 'not_ready', message: 'no verified policy set is serving' } })
    expect((await s.app.inject({ url: '/health/ready' })).statusCode).toBe(503)
    expect((await s.app.inject({ url: '/health/live' })).statusCode).toBe(200)
  })

  it('an audit append that fails or hangs turns the decision into a deny', async () => {
    const failing: ServiceAudit = { enabled: true, append: async () => Promise.reject(new Error('disk full')), health: () => ({ kind: 'test', ok: false, message: 'disk full' }), close: async () => {} }
    const hanging: ServiceAudit = { enabled: true, append: () => new Promise(() => {}), health: () => ({ kind: 'test', ok: true }), close: async () => {} }
    const allowed = exampleRequests.find((r) => createEngineFor().evaluate(r).effect === 'allow') as AuthzRequest
    for (const audit of [failing, hanging]) {
      const s = start(exampleSources, { audit, auditTimeoutMs: 50 })
      const res = await post(s, '/v1/evaluate', allowed)
      expect(res.status).toBe(200)
      expect(res.body['effect']).toBe('deny')
      expect(res.body['reason']).toMatch(/^audit_unavailable: /)
    }
    // Parked, then the decision could not be audited: the parked request is withdrawn, not left
    // for an approver to grant what was never recorded.
    const decisionsFail: ServiceAudit = { enabled: true, append: async (e) => ('decision_id' in e.details ? Promise.reject(new Error('disk full')) : undefined), health: () => ({ kind: 'test', ok: true }), close: async () => {} }
    const ops = start([{ name: 'ops.policy', source: APPROVAL_POLICY }], { audit: decisionsFail })
    const parked = await post(ops, '/v1/evaluate', { principal: { id: 'e1', role: 'engineer' }, action: 'deploy', resource: { id: 'svc' } })
    expect(parked.body['effect']).toBe('deny')
    expect(parked.body['approvalId']).toBeUndefined()
    const list = (await ops.app.inject({ url: '/v1/approvals' })).json() as { approvals: { status: string }[] }
    expect(list.approvals.filter((x) => x.status === 'pending')).toEqual([])
    const s = start(exampleSources, { audit: failing })
    const ready = await s.app.inject({ url: '/health/ready' })
    expect([ready.statusCode, ready.json()]).toEqual([503, { error: { code: 'not_ready', message: 'audit store (test) is failing: disk full' } }])
  })
})

function createEngineFor() {
  const e = createEngine()
  e.load(exampleSources)
  return e
}

describe('approvals over HTTP', () => {
  it('a require_approval answer is parked; approving re-evaluates with the grant; a second resolution is 409', async () => {
    const s = start([{ name: 'ops.policy', source: APPROVAL_POLICY }])
    const first = await post(s, '/v1/evaluate', { principal: { id: 'eng-1', role: 'engineer' }, action: 'deploy' })
    expect(first.body['effect']).toBe('require_approval')
    const id = first.body['approvalId'] as string
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const list = (await s.app.inject({ url: '/v1/approvals' })).json() as { approvals: { id: string; status: string; approvers: string[] }[] }
    expect(list.approvals.map((a) => [a.id, a.status, a.approvers])).toEqual([[id, 'pending', ['supervisor']]])
    expect((await post(s, `/v1/approvals/${id}/approve`, { approver: '' })).status).toBe(400)
    const wrong = await post(s, `/v1/approvals/${id}/approve`, { approver: 'intern' })
    expect(wrong.body['decision']).toMatchObject({ effect: 'require_approval' })
    const ok = await post(s, `/v1/approvals/${id}/approve`, { approver: 'supervisor', reason: 'change 42' })
    expect(ok.status).toBe(200)
    expect(ok.body['decision']).toMatchObject({ effect: 'allow' })
    expect(ok.body['approval']).toMatchObject({ id, status: 'approved', grantedBy: ['intern', 'supervisor'] })
    const shown = (await s.app.inject({ url: `/v1/approvals/${id}` })).json() as Record<string, unknown>
    expect(shown).toMatchObject({ status: 'approved', decision: { effect: 'allow' } })
    expect(await post(s, `/v1/approvals/${id}/reject`, { approver: 'supervisor' })).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } })
    expect(await post(s, '/v1/approvals/nope/approve', { approver: 'supervisor' })).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } })
    expect((await s.app.inject({ url: '/v1/approvals' })).json()).toEqual({ approvals: [] })
  })

  it('with tokens, only an approver token resolves approvals, and only under its own name', async () => {
    const APPROVER = 'supervisor-token-0123456789abcdef'
    const s = start([{ name: 'ops.policy', source: APPROVAL_POLICY }], { tokens: new TokenCheck([TOKEN]), approverTokens: new ApproverTokens([{ name: 'supervisor', token: APPROVER }]) })
    const agent = { authorization: `Bearer ${TOKEN}` }
    const id = (await post(s, '/v1/evaluate', { principal: { id: 'eng-1', role: 'engineer' }, action: 'deploy' }, agent)).body['approvalId'] as string
    // The agent's own token cannot approve its request, whatever name it writes.
    expect(await post(s, `/v1/approvals/${id}/approve`, { approver: 'supervisor' }, agent)).toEqual({ status: 403, body: { error: { code: 'forbidden', message: 'a service token cannot resolve approvals; use an approver token' } } })
    expect((await post(s, `/v1/approvals/${id}/approve`, { approver: 'supervisor' })).status).toBe(401)
    for (const spelling of [`/v1/approvals/${id}/%61pprove`, `/v1/approvals/${id}/approve/`, `//v1/approvals/${id}/approve`, `/v1/approvals/${id}/approve?x=1`, `/v1/approvals/${id}/./approve`]) {
      const r = await post(s, spelling, { approver: 'supervisor' }, agent)
      expect([403, 404]).toContain(r.status)
    }
    expect((await post(s, `/v1/approvals/${id}/approve`, { approver: 'supervisor' }, { authorization: `Bearer ${APPROVER}x` })).status).toBe(401)
    const other = await post(s, `/v1/approvals/${id}/approve`, { approver: 'cto' }, { authorization: `Bearer ${APPROVER}` })
    expect(other).toEqual({ status: 403, body: { error: { code: 'forbidden', message: "this token belongs to approver 'supervisor', not 'cto'" } } })
    expect((await s.app.inject({ url: `/v1/approvals/${id}`, headers: agent })).json()).toMatchObject({ status: 'pending', grantedBy: [] })
    const ok = await post(s, `/v1/approvals/${id}/approve`, {}, { authorization: `Bearer ${APPROVER}` })
    expect(ok.body['decision']).toMatchObject({ effect: 'allow' })
    expect(ok.body['approval']).toMatchObject({ grantedBy: ['supervisor'] })
    // Service tokens without approver tokens: nobody can resolve (fail closed), and says how to fix it.
    const closed = start([{ name: 'ops.policy', source: APPROVAL_POLICY }], { tokens: new TokenCheck([TOKEN]) })
    const id2 = (await post(closed, '/v1/evaluate', { principal: { id: 'eng-1', role: 'engineer' }, action: 'deploy' }, agent)).body['approvalId'] as string
    expect((await post(closed, `/v1/approvals/${id2}/approve`, { approver: 'supervisor' }, agent)).body).toMatchObject({ error: { code: 'forbidden', message: expect.stringContaining('--approver-token-file') } })
  })

  it('approval never bypasses policy: an approved request the policy denies stays denied; rejection denies', async () => {
    const s = start([{ name: 'ops.policy', source: APPROVAL_POLICY }])
    const intern = await post(s, '/v1/evaluate', { principal: { id: 'i-1', role: 'intern' }, action: 'deploy' })
    // No allow matches an intern: deny overrides before approval is even asked.
    expect(intern.body['effect']).toBe('deny')
    expect(intern.body['approvalId']).toBeUndefined()
    const parked = await post(s, '/v1/evaluate', { principal: { id: 'eng-2', role: 'engineer' }, action: 'deploy' })
    const rejected = await post(s, `/v1/approvals/${parked.body['approvalId'] as string}/reject`, { approver: 'supervisor', reason: 'no' })
    expect(rejected.body['decision']).toMatchObject({ effect: 'deny', reason: 'rejected by supervisor' })
  })
})

describe('status, metrics, audit and decision log', () => {
  it('a new set with a new schema keeps decision versions increasing', async () => {
    const { ServingSet } = await import('../../server/serving-set.js')
    const serving = new ServingSet()
    const src = [{ name: 'a.policy', source: 'policy a { allow: read if principal.level > 2 }' }]
    const request = { principal: { id: 'u', level: 3 }, action: 'read' }
    const schemaA = { principal: { attributes: { level: 'number' } } }
    const schemaB = { principal: { attributes: { level: 'number', team: 'string' } } }
    expect(serving.loadSources(src, schemaA)).toBe(true)
    expect(serving.loadSources(src, schemaA)).toBe(true)
    expect(serving.engine?.evaluate(request)).toMatchObject({ effect: 'allow', version: 2 })
    expect(serving.loadSources(src, schemaB)).toBe(true)
    expect(serving.version).toBe(3)
    expect(serving.engine?.evaluate(request)).toMatchObject({ effect: 'allow', version: 3 })
    expect(serving.loadSources(src, undefined)).toBe(true)
    expect(serving.engine?.evaluate(request)).toMatchObject({ version: 4 })
  })

  it('/v1/status and /metrics say what serves and what was decided', async () => {
    const s = start()
    const first = await post(s, '/v1/evaluate', exampleRequests[0])
    const status = (await s.app.inject({ url: '/v1/status' })).json() as Record<string, unknown>
    expect(status).toMatchObject({ version: 1, ready: true, bundle: null, lastError: null, evaluator: 'generated', stores: { audit: { kind: 'none', ok: true }, approvals: { kind: 'memory', ok: true } } })
    const metrics = (await s.app.inject({ url: '/metrics' })).body
    expect(metrics).toContain('symbi_bundle_loads_total{result="ok"} 1')
    expect(metrics).toContain(`symbi_decisions_total{effect="${String(first.body['effect'])}"} 1`)
    for (const name of ['symbi_decision_duration_seconds_bucket', 'symbi_audit_append_duration_seconds', 'symbi_approvals_pending 0', 'symbi_policy_version 1']) expect(metrics).toContain(name)
  })

  it('every decision is in the audit trail under its decisionId (masked), and the trail verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-serve-audit-'))
    const keys = generateAuditKeyPair()
    const log = join(dir, 'audit.jsonl')
    const s = start(exampleSources, { audit: new FileAudit(await openAuditLog(log, { signingKey: keys.privateKeyPem })) })
    const r = { ...exampleRequests[0], context: { ...exampleRequests[0]?.context, password: 'hunter2' } } as AuthzRequest
    const ids = [(await post(s, '/v1/evaluate', r)).body['decisionId'], (await post(s, '/v1/evaluate', exampleRequests[1])).body['decisionId']]
    await s.close()
    services.splice(0)
    const text = readFileSync(log, 'utf8')
    for (const id of ids) expect(text).toContain(`"decision_id":"${id as string}"`)
    expect(text).not.toContain('hunter2')
    const verified = await verifyAuditLog(log, { publicKey: keys.publicKeyPem })
    expect(verified.ok).toBe(true)
  })

  it('the decision log has one masked line per decision; plain allows can be dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-serve-log-'))
    const path = join(dir, 'decisions.jsonl')
    const s = start(exampleSources, { decisionLog: new DecisionLog({ destination: path, sync: true, dropAllows: true }) })
    const engine = createEngineFor()
    let expected = 0
    for (const r of exampleRequests) {
      const d = engine.evaluate(r)
      if (!(d.effect === 'allow' && d.errors.length === 0)) expected++
      await post(s, '/v1/evaluate', { ...r, principal: { ...r.principal, api_key: 'sk-secret' } })
    }
    await s.close()
    services.splice(0)
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.length).toBe(expected)
    expect(lines.every((l) => l['effect'] !== 'allow' && typeof l['decisionId'] === 'string' && typeof l['latencyMs'] === 'number')).toBe(true)
    expect(JSON.stringify(lines)).not.toContain('sk-secret')
  })
})
