/**
 * The CLI contract of `eval` and `explain`, exercised in-process through `main(argv, io)` with
 * a fake CliIO: decision JSON and exit codes (0 for any decision, 1 for policy errors, 2 for a
 * bad request), explanations with source lines, and the signed audit log of `--audit-log`.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'
import { verify } from '../../runtime/audit/index.js'
import type { Decision } from '../../stdlib/decision.js'

interface Run {
  readonly code: number
  readonly out: string
  readonly err: string
}

let dir = ''

async function run(argv: string[], stdin = ''): Promise<Run> {
  let out = ''
  let err = ''
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => stdin, env: {}, cwd: dir }
  const code = await main(argv, io)
  return { code, out, err }
}

function write(name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content))
  return name
}

const SEED = ['data_flow_control', 'resource_governance', 'secure_data_access']
const readSecret = JSON.parse(readFileSync(new URL('../../examples/requests/read-secret.json', import.meta.url), 'utf8')) as Record<string, unknown>

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-eval-'))
  for (const n of SEED) copyFileSync(new URL(`../../examples/${n}.policy`, import.meta.url), join(dir, `${n}.policy`))
})

afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

const policies = SEED.map((n) => `${n}.policy`)

describe('symbi-policy eval', () => {
  it('prints the decision as JSON and exits 0 for an allow', async () => {
    write('req.json', readSecret)
    const r = await run(['eval', ...policies, '--request', 'req.json'])
    expect(r.code).toBe(0)
    expect(r.err).toBe('')
    const d = JSON.parse(r.out) as Decision
    expect(d).toMatchObject({ effect: 'allow_with_conditions', conditions: [{ kind: 'obligation', name: 'audit_trail', value: 'detailed' }], version: 1, errors: [] })
    expect(d.determining.map((x) => `${x.policy}[${x.rule}]`)).toEqual(['secure_data_access[0]', 'secure_data_access[2]'])
    expect(d.trace).toBeUndefined()
  })

  it('exits 0 for a deny too: a decision is not a failure', async () => {
    const req = structuredClone(readSecret) as { context: { user: { clearance: string } } }
    req.context.user.clearance = 'confidential'
    write('req.json', req)
    const r = await run(['eval', ...policies, '--request', 'req.json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ effect: 'deny', reason: 'no allow rule matched' })
  })

  it('accepts a directory, reads the request from stdin, and decides an array of requests', async () => {
    const approval = { principal: { id: 'a' }, action: { name: 'allocate', groups: ['high_memory_operations'] }, resource: { id: 'gpu', total: 1 }, context: { user: { resource_quota: { remaining: 5 }, max_priority: 3 }, operation: { priority: 1 } } }
    const r = await run(['eval', '.', '--request', '-'], JSON.stringify([readSecret, approval]))
    expect(r.code).toBe(0)
    const ds = JSON.parse(r.out) as Decision[]
    expect(ds.map((d) => d.effect)).toEqual(['allow_with_conditions', 'require_approval'])
    expect(ds[1]).toMatchObject({ approver: 'supervisor', approvers: ['supervisor'] })
  })

  it('--explain adds the trace', async () => {
    write('req.json', readSecret)
    const r = await run(['eval', ...policies, '--request', 'req.json', '--explain'])
    expect(r.code).toBe(0)
    const d = JSON.parse(r.out) as Decision
    expect(d.trace?.some((s) => s.outcome === 'fired' && s.rule.policy === 'secure_data_access')).toBe(true)
  })

  it('--schema gives the engine its action vocabulary', async () => {
    write('schema.json', { actions: { allocate: { groups: ['high_memory_operations'] } }, open: true })
    write('req.json', { principal: { id: 'a' }, action: 'allocate', resource: { id: 'gpu', total: 1 }, context: { user: { resource_quota: { remaining: 5 }, max_priority: 3 }, operation: { priority: 1 } } })
    const r = await run(['eval', ...policies, '--request', 'req.json', '--schema', 'schema.json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ effect: 'require_approval', approver: 'supervisor' })
  })

  it('exits 1 with diagnostics when a policy has errors, and prints no decision', async () => {
    write('bad.policy', 'policy bad { allow: user.level > 2 }')
    write('req.json', readSecret)
    const r = await run(['eval', ...policies, 'bad.policy', '--request', 'req.json'])
    expect(r.code).toBe(1)
    expect(r.out).toBe('')
    expect(r.err).toContain('CHECK001')
    expect(r.err).toContain('bad.policy')
  })

  it('exits 2 for request JSON that does not parse, naming the file', async () => {
    write('req.json', '{ "principal": ')
    const r = await run(['eval', ...policies, '--request', 'req.json'])
    expect(r.code).toBe(2)
    expect(r.out).toBe('')
    expect(r.err).toContain("request 'req.json' is not valid JSON")
  })

  it('exits 2 for a bad field, naming it', async () => {
    for (const [req, field] of [
      [{ principal: { id: 7 }, action: 'read' }, 'principal.id'],
      [{ principal: { id: 'a' } }, 'action'],
      [{ principal: { id: 'a' }, action: { name: 'read', groups: [1] } }, 'action.groups[0]'],
      [{ principal: { id: 'a' }, action: 'read\u200b' }, 'action.name'],
      [{ principal: { id: 'a' }, action: 'read', context: { approvals: 'boss' } }, 'context.approvals'],
      [null, 'request'],
    ] as const) {
      write('req.json', req)
      const r = await run(['eval', ...policies, '--request', 'req.json'])
      expect(r.code, field).toBe(2)
      expect(r.err).toContain(`field '${field}'`)
      expect(r.out).toBe('')
    }
  })

  it('names the index of a bad request in an array', async () => {
    write('req.json', [readSecret, { principal: {}, action: 'read' }])
    const r = await run(['eval', ...policies, '--request', 'req.json'])
    expect(r.code).toBe(2)
    expect(r.err).toContain("[1]: field 'principal.id'")
  })

  it('exits 2 for missing --request, missing files and no policies', async () => {
    expect((await run(['eval', ...policies])).code).toBe(2)
    expect((await run(['eval', ...policies, '--request', 'nope.json'])).err).toContain("cannot read request 'nope.json'")
    expect((await run(['eval', '--request', 'x.json'])).code).toBe(2)
  })

  it('--help exits 0', async () => {
    const r = await run(['eval', '--help'])
    expect(r.code).toBe(0)
    expect(r.out).toContain('Usage: symbi-policy eval')
  })
})

describe('symbi-policy eval --audit-log', () => {
  // Absolute paths: `--audit-log` and `--signing-key` are not yet resolved against io.cwd (reported).
  it('appends one signed policy_decision event per decision, verifiable with the public key', async () => {
    expect((await run(['audit', 'keygen', '--out', 'keys'])).code).toBe(0)
    write('reqs.json', [readSecret, { ...readSecret, action: 'delete' }])
    const r = await run(['eval', ...policies, '--request', 'reqs.json', '--audit-log', join(dir, 'audit.log'), '--signing-key', join(dir, 'keys/private.pem')])
    expect(r.code, r.err).toBe(0)
    const again = await run(['eval', ...policies, '--request', 'reqs.json', '--audit-log', join(dir, 'audit.log'), '--signing-key', join(dir, 'keys/private.pem')])
    expect(again.code).toBe(0)
    const lines = readFileSync(join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; agentId: string; details: Record<string, unknown> })
    const decisions = lines.filter((l) => l.type === 'policy_decision')
    expect(decisions).toHaveLength(4)
    expect(decisions.map((l) => l.details['effect'])).toEqual(['allow_with_conditions', 'deny', 'allow_with_conditions', 'deny'])
    expect(decisions[1]?.details).toMatchObject({ reason: 'no allow rule matched', version: 1, determining: [] })
    expect(decisions[0]?.agentId).toBe('analyst-7')
    const { createPublicKey } = await import('node:crypto')
    const publicKey = createPublicKey(readFileSync(join(dir, 'keys/public.pem'), 'utf8'))
    const v = await verify(join(dir, 'audit.log'), { publicKey })
    expect(v).toMatchObject({ ok: true, signaturesChecked: true })
    expect((await run(['audit', 'verify', 'audit.log', '--public-key', 'keys/public.pem'])).code).toBe(0)
  })

  it('a tampered log fails verification', async () => {
    await run(['audit', 'keygen', '--out', 'keys'])
    write('req.json', readSecret)
    await run(['eval', ...policies, '--request', 'req.json', '--audit-log', join(dir, 'audit.log'), '--signing-key', join(dir, 'keys/private.pem')])
    const path = join(dir, 'audit.log')
    writeFileSync(path, readFileSync(path, 'utf8').replace('allow_with_conditions', 'deny'))
    expect((await run(['audit', 'verify', 'audit.log', '--public-key', 'keys/public.pem'])).code).toBe(1)
  })

  it('needs a signing key', async () => {
    write('req.json', readSecret)
    const r = await run(['eval', ...policies, '--request', 'req.json', '--audit-log', 'audit.log'])
    expect(r.code).toBe(2)
    expect(r.err).toContain('--signing-key')
  })
})

describe('symbi-policy explain', () => {
  it('prints the decision, then every rule considered with its source line', async () => {
    write('req.json', readSecret)
    const r = await run(['explain', ...policies, '--request', 'req.json'])
    expect(r.code).toBe(0)
    const lines = r.out.split('\n')
    expect(lines[0]).toBe('decision: ALLOW WITH CONDITIONS — audit_trail = "detailed"  (policy set version 1)')
    const fired = lines.findIndex((l) => l.startsWith('secure_data_access.policy:2:5  secure_data_access[0] allow: FIRED'))
    expect(fired).toBeGreaterThan(0)
    expect(lines[fired + 1]).toBe('    allow: read(sensitive_data) if (')
    expect(r.out).toContain('secure_data_access[2] require: requirements met')
    expect(r.out).toContain('data_flow_control.policy:7:5  data_flow_control[1] deny: does not apply to this action')
  })

  it('shows errors and the deny that came of them', async () => {
    write('req.json', { principal: { id: 'a' }, action: { name: 'reindex', groups: ['long_running_operations'] } })
    const r = await run(['explain', ...policies, '--request', 'req.json'])
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^decision: DENY — denied because resource_governance\[1\] could not be evaluated \(fail closed\)/)
    expect(r.out).toContain('resource_governance[1] deny: ERROR while evaluating')
    expect(r.out).toContain('evaluation errors:\n  resource_governance[1] EVAL001')
  })

  it('explains a require_approval', async () => {
    write('req.json', { principal: { id: 'a' }, action: { name: 'allocate', groups: ['high_memory_operations'] }, resource: { id: 'gpu', total: 1 }, context: { user: { resource_quota: { remaining: 5 }, max_priority: 3 }, operation: { priority: 1 } } })
    const r = await run(['explain', ...policies, '--request', 'req.json'])
    expect(r.out.split('\n')[0]).toBe('decision: REQUIRE APPROVAL — from supervisor  (policy set version 1)')
    expect(r.out).toContain('resource_governance[2] require: requirement NOT met')
    expect(r.out).toContain('    require: supervisor_approval for high_memory_operations')
  })

  it('names the scope of an agent policy that does not govern the principal', async () => {
    write('agent.symbi', 'agent janitor {\n  policy cleanup { allow: delete }\n}\n')
    write('req.json', { principal: { id: 'mallory' }, action: 'delete' })
    const r = await run(['explain', 'agent.symbi', '--request', 'req.json'])
    expect(r.out.split('\n')[0]).toBe('decision: DENY — no allow rule matched  (policy set version 1)')
    expect(r.out).toContain('cleanup[0] allow: does not apply to this request (out of scope: policy `cleanup` governs agent "janitor", and principal.id is "mallory")')
  })

  it('exits 1 for policy errors and 2 for bad request JSON', async () => {
    write('bad.policy', 'policy x {')
    write('req.json', readSecret)
    expect((await run(['explain', 'bad.policy', '--request', 'req.json'])).code).toBe(1)
    write('broken.json', '[')
    expect((await run(['explain', ...policies, '--request', 'broken.json'])).code).toBe(2)
  })
})
