import { describe, expect, it } from 'vitest'
import type { AuditInput } from '../../../runtime/audit-sink.js'
import { ApprovalQueue } from '../../../runtime/approvals/index.js'
import { ForbiddenError } from '../../../runtime/enforce/index.js'
import type { SandboxRunnerConfig } from '../../../runtime/sandbox/index.js'
import { SandboxConfigError, SandboxUnavailableError, createSandboxRunner, defaultSandboxDecider } from '../../../runtime/sandbox/index.js'
import type { AuthzRequest, Decision, PolicyDecider } from '../../../stdlib/decision.js'
import { FakeEngine } from './fakes.js'

const INFO = { determining: [], errors: [], version: 1 }
const allow: Decision = { effect: 'allow', ...INFO }

function setup(decider: PolicyDecider = defaultSandboxDecider, extra: Partial<SandboxRunnerConfig> = {}) {
  const engine = new FakeEngine()
  const events: AuditInput[] = []
  const requests: AuthzRequest[] = []
  const spy: PolicyDecider = {
    evaluate: (r) => {
      requests.push(r)
      return decider.evaluate(r)
    },
  }
  const runner = createSandboxRunner({ decider: spy, engine, audit: { append: async (e) => void events.push(e) }, decisionTimeoutMs: 200, ...extra })
  return { engine, events, requests, runner }
}

const run = { agentId: 'agent-1', tier: 'tier1' as const, options: { command: ['echo', 'hi'] } }

describe('policy first, fail closed', () => {
  const refusals: [string, PolicyDecider][] = [
    ['deny', { evaluate: () => ({ effect: 'deny', reason: 'no sandboxes today', ...INFO }) }],
    ['require_approval (no queue)', { evaluate: () => ({ effect: 'require_approval', approver: 'supervisor', approvers: ['supervisor'], ...INFO }) }],
    ['a throwing decider', { evaluate: () => { throw new Error('engine exploded') } }],
    ['a rejecting decider', { evaluate: () => Promise.reject(new Error('remote down')) }],
    ['a decider that never answers', { evaluate: () => new Promise<Decision>(() => undefined) }],
    ['an unknown effect', { evaluate: () => ({ effect: 'maybe', ...INFO }) as unknown as Decision }],
    ['a deny without reason', { evaluate: () => ({ effect: 'deny', ...INFO }) as unknown as Decision }],
    ['no decision at all', { evaluate: () => undefined as unknown as Decision }],
  ]

  it.each(refusals)('%s → ForbiddenError, the engine is never contacted, the refusal is audited', async (_, decider) => {
    const { engine, events, runner } = setup(decider)
    await expect(runner.run(run)).rejects.toBeInstanceOf(ForbiddenError)
    expect(engine.touched).toBe(0)
    expect(engine.created).toHaveLength(0)
    // One decision event; require_approval adds a second for the deny it turns into.
    expect(events.length).toBeGreaterThanOrEqual(1)
    for (const e of events) {
      expect(e).toMatchObject({ agentId: 'agent-1', type: 'sandbox_execution', details: { phase: 'decision', tier: 'tier1', command: ['echo', 'hi'] } })
    }
    expect(events.at(-1)?.details['effect']).toBe('deny')
  })

  it('with an approval queue, require_approval waits; the run starts only after the re-decided approval', async () => {
    const needsApproval: PolicyDecider = {
      evaluate: (r) => {
        const approvals = r.context?.['approvals']
        return Array.isArray(approvals) && approvals.length > 0 ? allow : { effect: 'require_approval', approver: 'supervisor', approvers: ['supervisor'], ...INFO }
      },
    }
    const events: AuditInput[] = []
    const audit = { append: async (e: AuditInput) => void events.push(e) }
    const approvals = new ApprovalQueue({ decider: needsApproval, audit })
    const engine = new FakeEngine()
    const runner = createSandboxRunner({ decider: needsApproval, engine, audit, approvals })
    const pending = runner.run(run)
    await new Promise((r) => setTimeout(r, 20))
    expect(engine.touched).toBe(0)
    const [parked] = approvals.pending()
    expect(parked?.request.resource?.['type']).toBe('sandbox')
    await approvals.approve(parked!.id, 'supervisor')
    expect((await pending).exitCode).toBe(0)
    expect(engine.created).toHaveLength(1)
    const sandboxEvents = events.filter((e) => e.type === 'sandbox_execution').map((e) => `${String(e.details['phase'])}:${String(e.details['effect'] ?? '')}`)
    expect(sandboxEvents).toEqual(['decision:require_approval', 'decision:allow', 'result:'])
  })

  it('a rejected approval creates nothing', async () => {
    const needsApproval: PolicyDecider = { evaluate: () => ({ effect: 'require_approval', approver: 'supervisor', approvers: ['supervisor'], ...INFO }) }
    const audit = { append: async () => undefined }
    const approvals = new ApprovalQueue({ decider: needsApproval, audit })
    const engine = new FakeEngine()
    const pending = createSandboxRunner({ decider: needsApproval, engine, audit, approvals }).run(run)
    await new Promise((r) => setTimeout(r, 20))
    await approvals.reject(approvals.pending()[0]!.id, 'supervisor')
    await expect(pending).rejects.toBeInstanceOf(ForbiddenError)
    expect(engine.touched).toBe(0)
  })

  it('a decision that cannot be recorded is a refusal', async () => {
    const engine = new FakeEngine()
    const runner = createSandboxRunner({ decider: { evaluate: () => allow }, engine, audit: { append: () => Promise.reject(new Error('disk full')) } })
    await expect(runner.run(run)).rejects.toThrow(/audit append failed: disk full/)
    expect(engine.touched).toBe(0)
  })

  it('the default policy allows execute on tier1/tier2 sandboxes only', () => {
    const req = (resource: Record<string, string>, action = 'execute'): AuthzRequest => ({ principal: { id: 'a' }, action, resource: { id: 'x', ...resource } })
    expect(defaultSandboxDecider.evaluate(req({ type: 'sandbox', tier: 'tier1' }))).toMatchObject({ effect: 'allow' })
    expect(defaultSandboxDecider.evaluate(req({ type: 'sandbox', tier: 'tier2' }))).toMatchObject({ effect: 'allow' })
    expect(defaultSandboxDecider.evaluate(req({ type: 'sandbox', tier: 'tier3' }))).toMatchObject({ effect: 'deny' })
    expect(defaultSandboxDecider.evaluate(req({ type: 'sandbox', tier: 'toString' }))).toMatchObject({ effect: 'deny' })
    expect(defaultSandboxDecider.evaluate(req({ type: 'file', tier: 'tier1' }))).toMatchObject({ effect: 'deny' })
    expect(defaultSandboxDecider.evaluate(req({ type: 'sandbox', tier: 'tier1' }, 'delete'))).toMatchObject({ effect: 'deny' })
  })

  it('builds the documented request', async () => {
    const { requests, runner } = setup()
    await runner.run({ ...run, context: { session: 's-1' }, selection: { tier: 'tier1', source: 'risk', score: 0.3, level: 'low' }, options: { command: ['echo', 'hi'], memory: '64m', timeout: '5s' } })
    expect(requests).toHaveLength(1)
    expect(requests[0]).toEqual({
      principal: { id: 'agent-1', type: 'agent' },
      action: { name: 'execute', args: [{ id: 'sandbox', tier: 'tier1', image: 'symbi-sandbox:latest', command: ['echo', 'hi'] }] },
      resource: {
        id: 'sandbox:tier1',
        type: 'sandbox',
        tier: 'tier1',
        image: 'symbi-sandbox:latest',
        command: ['echo', 'hi'],
        memory: 64 * 1024 * 1024,
        cpus: 0.5,
        timeout_ms: 5000,
        pids_limit: 128,
        user: '65534:65534',
        network: 'none',
        capabilities: [],
        mounts: [],
      },
      context: { session: 's-1', sandbox: { tier: 'tier1', source: 'risk', score: 0.3, level: 'low' } },
    })
  })
})

describe('option validation happens before policy and engine', () => {
  it.each([
    [{ privileged: true }],
    [{ mounts: [{ source: '/var/run/docker.sock', target: '/s' }] }],
    [{ networkMode: 'host' }],
    [{ capAdd: ['SYS_ADMIN'] }],
  ])('%j → SandboxConfigError, no decision asked, nothing created, violation audited', async (bad) => {
    const { engine, events, requests, runner } = setup()
    await expect(runner.run({ ...run, options: { command: ['id'], ...bad } })).rejects.toBeInstanceOf(SandboxConfigError)
    expect(requests).toHaveLength(0)
    expect(engine.touched).toBe(0)
    expect(events.map((e) => e.type)).toEqual(['security_violation'])
  })

  it('an unknown tier is refused, not mapped to another', async () => {
    const { engine, runner } = setup()
    await expect(runner.run({ ...run, tier: 'tier3' as 'tier1' })).rejects.toThrow(/unknown tier "tier3"/)
    expect(engine.touched).toBe(0)
  })

  it('capabilities the runner config allows are passed through', async () => {
    const { engine, runner } = setup(defaultSandboxDecider, { allowedCapabilities: ['NET_BIND_SERVICE'] })
    await runner.run({ ...run, options: { command: ['id'], capAdd: ['NET_BIND_SERVICE'] } })
    expect(engine.created[0]?.HostConfig?.CapAdd).toEqual(['NET_BIND_SERVICE'])
    expect(engine.created[0]?.HostConfig?.CapDrop).toEqual(['ALL'])
  })
})

describe('tier availability', () => {
  it('tier2 without runsc fails closed: SandboxUnavailableError, no container, no fallback', async () => {
    const { engine, runner } = setup()
    const err = await runner.run({ ...run, tier: 'tier2' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SandboxUnavailableError)
    expect((err as SandboxUnavailableError).tier).toBe('tier2')
    expect((err as Error).message).toMatch(/runsc/)
    expect((err as Error).message).toMatch(/install/i)
    expect(engine.calls).toEqual(['runtimes'])
    expect(engine.created).toHaveLength(0)
  })

  it('tier2 with runsc registered runs with runtime runsc', async () => {
    const { engine, runner } = setup()
    engine.runtimeList = ['runc', 'runsc']
    const r = await runner.run({ ...run, tier: 'tier2' })
    expect(r.tier).toBe('tier2')
    expect(engine.created[0]?.HostConfig?.Runtime).toBe('runsc')
  })

  it('an unreachable engine is SandboxUnavailableError', async () => {
    const { engine, runner } = setup()
    engine.unreachable = true
    await expect(runner.run(run)).rejects.toThrow(/cannot reach the Docker engine/)
    expect(engine.created).toHaveLength(0)
  })

  it('a missing image is never pulled', async () => {
    const { engine, runner } = setup()
    engine.images.clear()
    await expect(runner.run(run)).rejects.toThrow(/sandbox setup/)
    expect(engine.created).toHaveLength(0)
  })
})

describe('running', () => {
  it('a non-zero exit is a result, audited after the decision', async () => {
    const { engine, events, runner } = setup()
    engine.behaviour = { exitCode: 3, output: [['stdout', 'out\n'], ['stderr', 'err\n']] }
    const r = await runner.run(run)
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', truncated: false, timedOut: false, oomKilled: false, tier: 'tier1', conditions: [] })
    expect(events.map((e) => e.details['phase'])).toEqual(['decision', 'result'])
    expect(events[1]?.details).toMatchObject({ exit_code: 3, timed_out: false, oom_killed: false, truncated: false })
    expect(engine.containers[0]?.removed).toBe(true)
  })

  it('carries the conditions of allow_with_conditions', async () => {
    const conditions = [{ kind: 'obligation' as const, name: 'audit_trail', value: 'detailed' }]
    const { runner } = setup({ evaluate: () => ({ effect: 'allow_with_conditions', conditions, ...INFO }) })
    expect((await runner.run(run)).conditions).toEqual(conditions)
  })

  it('a timeout kills and removes the container', async () => {
    const { engine, runner } = setup()
    engine.behaviour = { runsFor: Number.POSITIVE_INFINITY }
    const r = await runner.run({ ...run, options: { command: ['sleep', '99'], timeout: 50 } })
    expect(r.timedOut).toBe(true)
    expect(r.exitCode).toBe(137)
    const c = engine.containers[0]
    expect(c?.killed).toBe(true)
    expect(c?.removed).toBe(true)
    expect(engine.calls.indexOf('kill')).toBeLessThan(engine.calls.indexOf('remove'))
  })

  it('removes the container even when start fails', async () => {
    const { engine, runner } = setup()
    engine.behaviour = { startFails: true }
    await expect(runner.run(run)).rejects.toThrow(/start failed/)
    expect(engine.containers[0]?.removed).toBe(true)
  })

  it('caps output across both streams and marks it truncated', async () => {
    const { engine, runner } = setup()
    engine.behaviour = { output: [['stdout', 'a'.repeat(60)], ['stderr', 'b'.repeat(60)]] }
    const seen: string[] = []
    const r = await runner.run({ ...run, options: { command: ['x'], outputLimit: 100 }, onOutput: (s, c) => void seen.push(`${s}:${c.length}`) })
    expect(r.stdout).toBe('a'.repeat(60))
    expect(r.stderr).toBe('b'.repeat(40))
    expect(r.truncated).toBe(true)
    expect(seen).toEqual(['stdout:60', 'stderr:40'])
  })

  it('reports an OOM kill', async () => {
    const { engine, runner } = setup()
    engine.behaviour = { exitCode: 137, oomKilled: true }
    expect(await runner.run(run)).toMatchObject({ exitCode: 137, oomKilled: true, timedOut: false })
  })

  it('a result that cannot be recorded is not returned', async () => {
    const engine = new FakeEngine()
    let n = 0
    const runner = createSandboxRunner({
      decider: { evaluate: () => allow },
      engine,
      audit: { append: async () => void (n++ === 1 ? (() => { throw new Error('disk full') })() : undefined) },
    })
    await expect(runner.run(run)).rejects.toThrow(/rejected the result record/)
    expect(engine.containers[0]?.removed).toBe(true)
  })
})
