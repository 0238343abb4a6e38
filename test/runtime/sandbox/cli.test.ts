import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SandboxCliDeps } from '../../../cli/commands/sandbox.js'
import { SANDBOX_EXIT, sandboxCommand } from '../../../cli/commands/sandbox.js'
import { UsageError } from '../../../cli/io.js'
import { main } from '../../../cli/main.js'
import type { AuthzRequest, Decision } from '../../../stdlib/decision.js'
import { FakeEngine, fakeIO } from './fakes.js'

const dir = mkdtempSync(join(tmpdir(), 'symbi-sandbox-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
writeFileSync(join(dir, 'deny.policy'), 'policy no_sandbox { deny: execute(sb) }\n')


function withFake(deps: Partial<SandboxCliDeps> = {}) {
  const engine = new FakeEngine()
  return { engine, cmd: sandboxCommand({ engine: () => engine, ...deps }) }
}

const INFO = { determining: [], errors: [], version: 1 }

describe('sandbox run (CLI, fake engine)', () => {
  it('streams output and exits with the command exit code', async () => {
    const { engine, cmd } = withFake()
    engine.behaviour = { exitCode: 42, output: [['stdout', 'hello\n'], ['stderr', 'warn\n']] }
    const io = fakeIO(dir)
    expect(await cmd(['run', '--', 'sh', '-c', 'exit 42'], io)).toBe(42)
    expect(io.stdout).toBe('hello\n')
    expect(io.stderr).toBe('warn\n')
    expect(engine.created[0]?.Cmd).toEqual(['sh', '-c', 'exit 42'])
  })

  it('passes limits through to the container', async () => {
    const { engine, cmd } = withFake()
    expect(await cmd(['run', '--memory', '64m', '--cpus', '0.25', '--image', 'symbi-sandbox:latest', '--', 'true'], fakeIO(dir))).toBe(0)
    expect(engine.created[0]?.HostConfig).toMatchObject({ Memory: 64 * 1024 ** 2, MemorySwap: 64 * 1024 ** 2, NanoCpus: 250_000_000 })
  })

  it('decodes a multi-byte character split across chunks', async () => {
    const { engine, cmd } = withFake()
    const euro = Buffer.from('€\n')
    engine.behaviour = { output: [['stdout', euro.subarray(0, 2)], ['stdout', euro.subarray(2)]] }
    const io = fakeIO(dir)
    expect(await cmd(['run', '--', 'x'], io)).toBe(0)
    expect(io.stdout).toBe('€\n')
  })

  it('exits 124 on timeout, 137 on OOM, and prints the result with --json', async () => {
    const t = withFake()
    t.engine.behaviour = { runsFor: Number.POSITIVE_INFINITY }
    const io = fakeIO(dir)
    expect(await t.cmd(['run', '--timeout', '50ms', '--', 'sleep', '9'], io)).toBe(SANDBOX_EXIT.timeout)
    expect(io.stderr).toMatch(/timed out after 50ms; container killed and removed/)
    expect(t.engine.containers[0]?.removed).toBe(true)
    const o = withFake()
    o.engine.behaviour = { exitCode: 137, oomKilled: true }
    const json = fakeIO(dir)
    expect(await o.cmd(['run', '--json', '--', 'x'], json)).toBe(137)
    expect(JSON.parse(json.stdout)).toMatchObject({ exitCode: 137, oomKilled: true, timedOut: false, truncated: false })
  })

  it('exits 77 with a one-line reason when the policy denies, creating nothing', async () => {
    const seen: AuthzRequest[] = []
    const { engine, cmd } = withFake({
      createPolicyEngine: async () => ({
        load: (files) => ((seen.length = 0), { ok: files.length === 1 && files[0]!.source.includes('no_sandbox'), diagnostics: [] }),
        evaluate: (r: AuthzRequest): Decision => (seen.push(r), { effect: 'deny', reason: 'rule no_sandbox#0', ...INFO }),
      }),
    })
    const io = fakeIO(dir)
    expect(await cmd(['run', '--policy', 'deny.policy', '--agent', 'bot', '--', 'id'], io)).toBe(SANDBOX_EXIT.denied)
    expect(io.stderr).toBe('symbi-policy sandbox: denied: rule no_sandbox#0\n')
    expect(seen[0]?.principal).toEqual({ id: 'bot', type: 'agent' })
    expect(engine.touched).toBe(0)
  })

  it('exits 2 with formatted diagnostics when the policy files do not load', async () => {
    const { engine, cmd } = withFake({
      createPolicyEngine: async () => ({
        load: () => ({ ok: false, diagnostics: [{ code: 'PARSE001', severity: 'error', message: 'expected a rule', span: { start: 18, end: 22 } }] }),
        evaluate: () => ({ effect: 'allow', ...INFO }),
      }),
    })
    const io = fakeIO(dir)
    expect(await cmd(['run', '--policy', 'deny.policy', '--', 'id'], io)).toBe(2)
    expect(io.stderr).toMatch(/deny\.policy:1:19: error\[PARSE001\]: expected a rule/)
    expect(engine.touched).toBe(0)
  })

  it('exits 69 when the tier is unavailable, and never falls back', async () => {
    const { engine, cmd } = withFake()
    const io = fakeIO(dir)
    expect(await cmd(['run', '--tier', 'tier2', '--', 'id'], io)).toBe(SANDBOX_EXIT.unavailable)
    expect(io.stderr).toMatch(/^symbi-policy sandbox: unavailable: .*runsc/)
    expect(engine.created).toHaveLength(0)
  })

  it.each([
    [['run']],
    [['run', '--']],
    [['run', 'id']],
    [['run', '--tier', 'firecracker', '--', 'id']],
    [['run', '--memory', 'lots', '--', 'id']],
    [['run', '--cpus', 'half', '--', 'id']],
    [['run', '--bogus', '--', 'id']],
    [['run', '--policy', 'missing.policy', '--', 'id']],
    [['frobnicate']],
  ])('%j is a usage error', async (args) => {
    const { engine, cmd } = withFake()
    await expect(cmd(args, fakeIO(dir))).rejects.toBeInstanceOf(UsageError)
    expect(engine.created).toHaveLength(0)
  })

  it('is registered in the CLI', async () => {
    const io = fakeIO(dir)
    expect(await main(['sandbox', '--help'], io)).toBe(0)
    expect(io.stdout).toMatch(/sandbox run/)
    const top = fakeIO(dir)
    await main(['--help'], top)
    expect(top.stdout).toMatch(/^\s+sandbox\s/m)
  })
})
