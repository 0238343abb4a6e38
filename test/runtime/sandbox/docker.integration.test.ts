import { beforeAll, describe, expect, it } from 'vitest'
import type { AuditInput } from '../../../runtime/audit-sink.js'
import { ForbiddenError } from '../../../runtime/enforce/index.js'
import type { SandboxOptions, SandboxResult, SandboxRunner } from '../../../runtime/sandbox/index.js'
import { SANDBOX_LABEL, SandboxUnavailableError, containerCreateOptions, createSandboxRunner, defaultSandboxDecider, resolveSandboxOptions } from '../../../runtime/sandbox/index.js'
import { sandboxCommand } from '../../../cli/commands/sandbox.js'
import { fakeIO } from './fakes.js'
import { probeDocker } from './docker-available.js'

const probe = await probeDocker()
const engine = probe.engine
// Outside CI a machine without Docker skips, saying why. In CI (CI=true) a missing engine or
// image is a failure: .ci/run installs both, so their absence means the setup broke.
const required = process.env['CI'] === 'true'
if (engine === undefined && !required) console.warn(`SKIPPED sandbox integration tests: ${probe.reason}`)

function runner(events: AuditInput[] = []): SandboxRunner {
  return createSandboxRunner({
    decider: defaultSandboxDecider,
    engine: engine!,
    audit: { append: async (e) => void events.push(e) },
  })
}

async function run(options: SandboxOptions, r: SandboxRunner = runner()): Promise<SandboxResult> {
  return r.run({ agentId: 'it-agent', tier: 'tier1', options: { timeout: '10s', ...options } })
}

async function sandboxContainers(): Promise<readonly string[]> {
  return engine!.listContainers(`${SANDBOX_LABEL}=1`)
}


describe.skipIf(engine === undefined && !required)('tier 1 on a real Docker engine', () => {
  beforeAll(() => {
    if (engine === undefined) throw new Error(`CI=true but the Docker engine is not usable: ${probe.reason}`)
  })

  it('the engine keeps every hardening setting it is given (inspect of a created container)', async () => {
    const o = resolveSandboxOptions({ command: ['true'], memory: '64m' })
    const c = await engine!.createContainer(containerCreateOptions(o, 'tier1', 'inspect-agent'))
    try {
      const info = await engine!.docker.getContainer(c.id).inspect()
      const h = info.HostConfig
      expect(h.NetworkMode).toBe('none')
      expect(h.ReadonlyRootfs).toBe(true)
      expect(h.Privileged).toBe(false)
      expect(h.Memory).toBe(64 * 1024 * 1024)
      expect(h.MemorySwap).toBe(h.Memory)
      expect(h.NanoCpus).toBe(500_000_000)
      expect(h.PidsLimit).toBe(128)
      expect(h.CapDrop).toEqual(['ALL'])
      expect(h.CapAdd ?? []).toEqual([])
      expect(h.SecurityOpt).toEqual(['no-new-privileges'])
      expect(h.AutoRemove).toBe(false)
      expect((h as { Tmpfs?: Record<string, string> }).Tmpfs?.['/tmp']).toMatch(/noexec,nosuid,nodev/)
      expect(info.Config.User).toBe('65534:65534')
      expect((info.Config as { NetworkDisabled?: boolean }).NetworkDisabled).toBe(true)
    } finally {
      await c.remove()
    }
  })

  it('has no network interface but loopback', async () => {
    const r = await run({ command: ['sh', '-c', 'ls /sys/class/net; echo ---; cat /proc/net/dev'] })
    expect(r.exitCode).toBe(0)
    const [ifaces, dev] = r.stdout.split('---\n') as [string, string]
    expect(ifaces.trim().split(/\s+/)).toEqual(['lo'])
    const devices = dev.split('\n').slice(2).filter((l) => l.trim() !== '').map((l) => l.split(':')[0]?.trim())
    expect(devices).toEqual(['lo'])
  })

  it('has a read-only root file system', async () => {
    const r = await run({ command: ['sh', '-c', 'touch /pwned'] })
    expect(r.exitCode).not.toBe(0)
    expect(r.stderr).toMatch(/Read-only file system/)
  })

  it('has a writable but noexec,nosuid,nodev /tmp', async () => {
    const r = await run({ command: ['sh', '-c', 'grep " /tmp " /proc/mounts; printf "#!/bin/sh\\necho ran\\n" > /tmp/x && chmod +x /tmp/x && echo written && /tmp/x'] })
    expect(r.stdout).toMatch(/ \/tmp tmpfs [^ ]*noexec/)
    expect(r.stdout).toMatch(/ \/tmp tmpfs [^ ]*nosuid/)
    expect(r.stdout).toMatch(/ \/tmp tmpfs [^ ]*nodev/)
    expect(r.stdout).toContain('written')
    expect(r.stdout).not.toContain('ran')
    expect(r.exitCode).toBe(126)
    expect(r.stderr).toMatch(/Permission denied/)
  })

  it('runs with no capabilities, no new privileges, seccomp filtering, as a non-root user', async () => {
    const r = await run({ command: ['sh', '-c', 'grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status; echo uid=$(id -u) gid=$(id -g)'] })
    expect(r.exitCode).toBe(0)
    for (const cap of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(r.stdout).toMatch(new RegExp(`${cap}:\\s+0000000000000000`))
    expect(r.stdout).toMatch(/NoNewPrivs:\s+1/)
    expect(r.stdout).toMatch(/Seccomp:\s+2/)
    expect(r.stdout).toContain('uid=65534 gid=65534')
  })

  it('kills a process that exceeds the memory limit (exit 137, oomKilled)', async () => {
    const r = await run({ command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], memory: '32m' })
    expect(r.oomKilled).toBe(true)
    expect(r.exitCode).toBe(137)
    expect(r.timedOut).toBe(false)
    const fits = await run({ command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=8M', 'count=1'], memory: '32m' })
    expect(fits.oomKilled).toBe(false)
    expect(fits.exitCode).toBe(0)
  })

  it('enforces the pids limit', async () => {
    const r = await run({ command: ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do sleep 3 & i=$((i+1)); done; echo started'], pidsLimit: 8 })
    expect(r.stderr).toMatch(/can't fork|Resource temporarily unavailable/)
  })

  it('kills and removes a container that runs past its timeout', async () => {
    const before = await sandboxContainers()
    let settled = false
    const pending = run({ command: ['sleep', '30'], timeout: '1500ms' }).finally(() => (settled = true))
    // Poll until the container shows up; the run cannot finish before its 1.5 s timeout, so a
    // slow engine only delays this loop, it does not make it miss the container.
    let seen = false
    while (!seen && !settled) {
      seen = (await sandboxContainers()).length > before.length
      if (!seen) await new Promise((r) => setTimeout(r, 50))
    }
    const r = await pending
    expect(seen).toBe(true)
    expect(r.timedOut).toBe(true)
    expect(r.exitCode).toBe(137)
    expect(r.durationMs).toBeGreaterThanOrEqual(1400)
    expect(r.durationMs).toBeLessThan(10_000)
    expect(await sandboxContainers()).toEqual(before)
  })

  it('caps output and marks it truncated', async () => {
    const r = await run({ command: ['sh', '-c', 'head -c 200000 /dev/zero | tr "\\0" a; echo tail >&2'], outputLimit: 1000 })
    expect(r.truncated).toBe(true)
    expect(r.stdout.length + r.stderr.length).toBeLessThanOrEqual(1000)
    expect(r.stdout).toMatch(/^a+$/)
    const small = await run({ command: ['echo', 'short'], outputLimit: 1000 })
    expect(small.truncated).toBe(false)
    expect(small.stdout).toBe('short\n')
  })

  it('returns a non-zero exit as a result, with stdout and stderr kept apart, and removes the container', async () => {
    const before = await sandboxContainers()
    const events: AuditInput[] = []
    const r = await run({ command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] }, runner(events))
    expect(r).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n', truncated: false, timedOut: false, oomKilled: false, tier: 'tier1' })
    expect(await sandboxContainers()).toEqual(before)
    expect(events.map((e) => [e.type, e.details['phase']])).toEqual([
      ['sandbox_execution', 'decision'],
      ['sandbox_execution', 'result'],
    ])
    expect(events[1]?.details).toMatchObject({ exit_code: 3, timed_out: false })
  })

  it('fails tier2 closed on this engine (no runsc) and creates nothing', async () => {
    const before = await sandboxContainers()
    const runtimes = await engine!.runtimes()
    expect(runtimes).not.toContain('runsc')
    const err = await runner()
      .run({ agentId: 'it-agent', tier: 'tier2', options: { command: ['id'] } })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SandboxUnavailableError)
    expect((err as Error).message).toMatch(/runsc/)
    expect((err as Error).message).toMatch(/never falls back/)
    expect(await sandboxContainers()).toEqual(before)
  })

  it('denied runs create no container', async () => {
    const before = await sandboxContainers()
    const r = createSandboxRunner({
      decider: { evaluate: () => ({ effect: 'deny', reason: 'no', determining: [], errors: [], version: 1 }) },
      engine: engine!,
    })
    await expect(r.run({ agentId: 'a', tier: 'tier1', options: { command: ['id'] } })).rejects.toBeInstanceOf(ForbiddenError)
    expect(await sandboxContainers()).toEqual(before)
  })

  it('CLI: streams output and exits with the command code, 137 on OOM, 77 on deny, 69 for tier2', async () => {
    const cmd = sandboxCommand({ engine: () => engine! })
    const ok = fakeIO(process.cwd(), process.env)
    expect(await cmd(['run', '--timeout', '10s', '--', 'sh', '-c', 'echo hi; echo oops >&2; exit 5'], ok)).toBe(5)
    expect(ok.stdout).toBe('hi\n')
    expect(ok.stderr).toBe('oops\n')
    const oom = fakeIO(process.cwd(), process.env)
    expect(await cmd(['run', '--memory', '32m', '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'], oom)).toBe(137)
    expect(oom.stderr).toMatch(/memory limit/)
    const t2 = fakeIO(process.cwd(), process.env)
    expect(await cmd(['run', '--tier', 'gvisor', '--', 'id'], t2)).toBe(69)
    expect(t2.stderr.trim().split('\n')).toHaveLength(1)
    expect(t2.stderr).toMatch(/runsc/)
    const before = await sandboxContainers()
    const denying = sandboxCommand({
      engine: () => engine!,
      createPolicyEngine: async () => ({
        load: () => ({ ok: true, diagnostics: [] }),
        evaluate: () => ({ effect: 'deny', reason: 'sandbox forbidden by test policy', determining: [], errors: [], version: 1 }),
      }),
    })
    const denied = fakeIO(process.cwd(), process.env)
    expect(await denying(['run', '--policy', 'package.json', '--', 'id'], denied)).toBe(77)
    expect(denied.stderr).toBe('symbi-policy sandbox: denied: sandbox forbidden by test policy\n')
    expect(await sandboxContainers()).toEqual(before)
  })
})
