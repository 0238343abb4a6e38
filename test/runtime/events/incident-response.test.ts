/**
 * The scripted scenario of issue 13: an agent hammering a denied operation → a detector fires →
 * the response policy suspends it → every enforcement point denies it → an audited resume
 * restores it. Real engines, a real signed audit log that verifies at the end.
 */
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine } from '../../../index.js'
import { openAuditLog } from '../../../runtime/audit/open.js'
import { verify } from '../../../runtime/audit/verify-log.js'
import { Enforcer, ForbiddenError, guardDataOperation, guardResourceAccess } from '../../../runtime/enforce/index.js'
import { PolicyResponder, RESPONSE_LADDERS, SecurityMonitor, repeatedDenies, signatureFailureBurst, type SecurityEvent } from '../../../runtime/events/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const POLICIES = `policy files {
  allow: read
  allow: connect
  allow: aggregate
  deny: read(f) if starts_with(f.id, "/etc")
}`

const RESPONSE = readFileSync(new URL('../../../examples/incident_response.policy', import.meta.url), 'utf8')

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'symbi-ir-'))
  dirs.push(dir)
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const log = join(dir, 'audit.log')
  const trail = await openAuditLog(log, { signingKey: privateKey, mode: 'every' })
  const engine = createEngine()
  expect(engine.load([{ name: 'files.policy', source: POLICIES }]).ok).toBe(true)
  const responses = createEngine({ ladders: RESPONSE_LADDERS })
  expect(responses.load([{ name: 'incident_response.policy', source: RESPONSE }]).files.flatMap((f) => f.diagnostics.filter((d) => d.severity === 'error'))).toEqual([])
  const alerts: SecurityEvent[] = []
  const monitor = new SecurityMonitor({
    audit: trail,
    detectors: [repeatedDenies({ threshold: 5, windowMs: 60_000 }), signatureFailureBurst({ threshold: 3, windowMs: 10_000 })],
    responder: new PolicyResponder(responses, { alert: (e) => void alerts.push(e) }),
  })
  const enforcer = new Enforcer({ decider: engine, audit: trail, security: monitor })
  return { dir, log, trail, publicKey, monitor, enforcer, alerts }
}

const read = (e: Enforcer, agent: string, path: string) => guardResourceAccess(e, { principal: { id: agent }, operation: 'read', kind: 'file', resource: path }, () => 'contents')
const connect = (e: Enforcer, agent: string) => guardResourceAccess(e, { principal: { id: agent }, operation: 'connect', kind: 'network', resource: 'api.example.com:443' }, () => 'socket')
const aggregate = (e: Enforcer, agent: string) => guardDataOperation(e, { principal: { id: agent }, operation: 'aggregate', data: { id: 'd', classification: 'internal' } }, () => 42)

describe('security events and incident response', () => {
  it('suspends an agent that hammers a denied operation, denies it everywhere, and restores it on an audited resume', async () => {
    const { log, trail, publicKey, monitor, enforcer, alerts } = await setup()
    expect((await read(enforcer, 'hammer', '/tmp/ok')).value).toBe('contents')
    for (let i = 0; i < 4; i++) await expect(read(enforcer, 'hammer', '/etc/shadow')).rejects.toThrow(ForbiddenError)
    expect(monitor.suspension('hammer')).toBeUndefined()
    await expect(read(enforcer, 'hammer', '/etc/shadow')).rejects.toThrow(ForbiddenError)
    const s = monitor.suspension('hammer')
    expect(s?.reason).toMatch(/^repeated_denies \(error\): agent 'hammer' was denied 5 times/)
    expect(alerts.map((a) => a.category)).toContain('repeated_denies')

    // Every enforcement point now denies it, even what the policies allow.
    for (const op of [() => read(enforcer, 'hammer', '/tmp/ok'), () => connect(enforcer, 'hammer'), () => aggregate(enforcer, 'hammer')]) {
      const err = await op().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ForbiddenError)
      expect((err as ForbiddenError).message).toMatch(/agent 'hammer' is suspended since/)
    }
    // Other agents are not affected.
    expect((await connect(enforcer, 'good')).value).toBe('socket')

    await expect(monitor.resume('hammer', '', '')).rejects.toThrow(/names who resumes and why/)
    expect(await monitor.resume('hammer', 'ops@example.com', 'reviewed: misconfigured path list')).toBe(true)
    expect((await read(enforcer, 'hammer', '/tmp/ok')).value).toBe('contents')
    await trail.close()

    // Each step is in the chain, in order, and the chain verifies.
    const result = await verify(log, { publicKey })
    expect(result.ok).toBe(true)
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; details: Record<string, unknown> })
    const steps = records
      .filter((r) => r.type === 'security_event' || r.type === 'incident_response')
      .map((r) => (r.type === 'security_event' ? `event:${String(r.details['category'])}` : `response:${String(r.details['action'])}`))
    const events = steps.filter((x) => x.startsWith('event:'))
    expect(events.slice(0, 6)).toEqual([...Array(5).fill('event:policy_violation'), 'event:repeated_denies'])
    // Each warning is logged and alerted; the detector's error is what suspends.
    expect(steps.slice(0, 3)).toEqual(['event:policy_violation', 'response:log', 'response:alert'])
    expect(steps.indexOf('response:suspend_agent')).toBeGreaterThan(steps.indexOf('event:repeated_denies'))
    expect(steps.filter((x) => x === 'response:suspend_agent').length).toBe(2) // the decision to act, and the act
    expect(steps[steps.length - 1]).toBe('response:resume_agent')
  })

  it('takes no action the response policy does not allow (default deny), and warns only for low severities', async () => {
    const { monitor, alerts } = await setup()
    await monitor.emit({ severity: 'info', category: 'auth_failure', description: 'bad token', source: 'test', agent: 'x' })
    expect(alerts).toEqual([])
    expect(monitor.suspension('x')).toBeUndefined()
    await monitor.emit({ severity: 'warning', category: 'auth_failure', description: 'bad token again', source: 'test', agent: 'x' })
    expect(alerts.map((a) => a.description)).toEqual(['bad token again'])
    expect(monitor.suspension('x')).toBeUndefined()
  })
})
