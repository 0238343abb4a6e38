import fc from 'fast-check'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SandboxOptions } from '../../../runtime/sandbox/index.js'
import {
  SANDBOX_DEFAULTS,
  SENSITIVE_HOST_PATHS,
  SandboxConfigError,
  containerCreateOptions,
  engineEndpoint,
  parseDurationMs,
  parseSize,
  resolveSandboxOptions,
} from '../../../runtime/sandbox/index.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 200)
const noLinks = (): undefined => undefined

function fieldOf(o: Partial<SandboxOptions>, allowedCapabilities: readonly string[] = []): string | undefined {
  try {
    resolveSandboxOptions({ command: ['true'], ...o }, { allowedCapabilities, realPath: noLinks })
  } catch (e) {
    if (e instanceof SandboxConfigError) return e.field
    throw e
  }
  return undefined
}

describe('hardened defaults', () => {
  it('fills every limit and builds the engine request', () => {
    const o = resolveSandboxOptions({ command: ['echo', 'hi'] })
    expect(o).toMatchObject({ image: 'symbi-sandbox:latest', memoryBytes: 512 * 1024 ** 2, nanoCpus: 500_000_000, timeoutMs: 30_000, outputLimitBytes: 1024 ** 2, user: '65534:65534' })
    const spec = containerCreateOptions(o, 'tier1', 'agent-7')
    expect(spec.Cmd).toEqual(['echo', 'hi'])
    expect(spec.User).toBe('65534:65534')
    expect(spec.NetworkDisabled).toBe(true)
    expect(spec.Labels).toMatchObject({ 'org.symbi.sandbox': '1', 'org.symbi.sandbox.agent': 'agent-7', 'org.symbi.sandbox.tier': 'tier1' })
    expect(spec.HostConfig).toMatchObject({
      AutoRemove: false,
      Privileged: false,
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Memory: 512 * 1024 ** 2,
      MemorySwap: 512 * 1024 ** 2,
      NanoCpus: 500_000_000,
      PidsLimit: SANDBOX_DEFAULTS.pidsLimit,
      CapDrop: ['ALL'],
      CapAdd: [],
      SecurityOpt: ['no-new-privileges'],
      Mounts: [],
    })
    expect(spec.HostConfig?.Tmpfs?.['/tmp']).toBe(`rw,noexec,nosuid,nodev,size=${16 * 1024 ** 2}`)
    expect(JSON.stringify(spec)).not.toMatch(/unconfined|seccomp/)
    expect(spec.HostConfig?.Runtime).toBeUndefined()
    expect(containerCreateOptions(o, 'tier2', 'a').HostConfig?.Runtime).toBe('runsc')
  })

  it('keeps swap equal to memory for any memory size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 4096 }), (mb) => {
        const h = containerCreateOptions(resolveSandboxOptions({ command: ['x'], memory: `${mb}m` }), 'tier1', 'a').HostConfig
        expect(h?.Memory).toBe(mb * 1024 * 1024)
        expect(h?.MemorySwap).toBe(h?.Memory)
      }),
      { numRuns: RUNS },
    )
  })

  it('parses sizes and durations', () => {
    expect(parseSize('512m', 'x')).toBe(536_870_912)
    expect(parseSize('64K', 'x')).toBe(65_536)
    expect(parseSize('1g', 'x')).toBe(1024 ** 3)
    expect(parseSize(1000, 'x')).toBe(1000)
    expect(parseDurationMs('30s', 'x')).toBe(30_000)
    expect(parseDurationMs('250ms', 'x')).toBe(250)
    expect(parseDurationMs('2m', 'x')).toBe(120_000)
    for (const bad of ['', 'lots', '5 parsecs', '-1m', '1e9']) expect(() => parseSize(bad, 'memory')).toThrow(SandboxConfigError)
    for (const bad of ['', '30', 'soon', '1d', '-5s']) expect(() => parseDurationMs(bad, 'timeout')).toThrow(SandboxConfigError)
  })

  it.each([
    ['memory', { memory: '1m' }],
    ['memory', { memory: '100g' }],
    ['memory', { memory: 'lots' }],
    ['cpus', { cpus: 0 }],
    ['cpus', { cpus: Number.NaN }],
    ['timeout', { timeout: 0 }],
    ['timeout', { timeout: '25h' }],
    ['timeout', { timeout: 'soon' }],
    ['pidsLimit', { pidsLimit: 0 }],
    ['pidsLimit', { pidsLimit: 2.5 }],
    ['command', { command: [] }],
    ['command[1]', { command: ['sh', 'a\0b'] }],
    ['image', { image: 'bad image name' }],
    ['workdir', { workdir: 'relative' }],
    ['workdir', { workdir: '/tmp/../etc' }],
    ['env.1BAD', { env: { '1BAD': 'x' } }],
  ] as [string, Partial<SandboxOptions>][])('rejects a bad %s: %j', (field, o) => {
    expect(fieldOf(o)).toBe(field)
  })
})

describe('dangerous flags are refused before the engine is contacted', () => {
  it.each([
    ['privileged', { privileged: true }],
    ['networkMode', { networkMode: 'host' }],
    ['networkMode', { networkMode: 'bridge' }],
    ['networkMode', { networkMode: 'container:other' }],
    ['pidMode', { pidMode: 'host' }],
    ['pidMode', { pidMode: 'container:other' }],
    ['ipcMode', { ipcMode: 'host' }],
    ['ipcMode', { ipcMode: 'shareable' }],
    ['utsMode', { utsMode: 'host' }],
    ['usernsMode', { usernsMode: 'host' }],
    ['securityOpt[0]', { securityOpt: ['seccomp=unconfined'] }],
    ['securityOpt[0]', { securityOpt: ['seccomp:unconfined'] }],
    ['securityOpt[0]', { securityOpt: ['apparmor=unconfined'] }],
    ['securityOpt[0]', { securityOpt: ['label=disable'] }],
    ['securityOpt[0]', { securityOpt: ['no-new-privileges:false'] }],
    ['securityOpt[1]', { securityOpt: ['no-new-privileges', 'seccomp=/tmp/permissive.json'] }],
    ['readonlyRootfs', { readonlyRootfs: false }],
    ['devices', { devices: ['/dev/kvm'] }],
    ['runtime', { runtime: 'runc' }],
    ['capAdd[0]', { capAdd: ['ALL'] }],
    ['capAdd[0]', { capAdd: ['SYS_ADMIN'] }],
    ['capAdd[0]', { capAdd: ['cap_sys_admin'] }],
    ['capAdd[0]', { capAdd: ['NET_ADMIN'] }],
    ['capAdd[0]', { capAdd: ['SYS_ADMIN; rm -rf /'] }],
    ['user', { user: '0' }],
    ['user', { user: '0:0' }],
    ['user', { user: '1000:0' }],
    ['user', { user: 'root' }],
    ['user', { user: 'nobody' }],
    ['user', { user: '' }],
  ] as [string, Partial<SandboxOptions>][])('%s: %j', (field, o) => {
    expect(fieldOf(o)).toBe(field)
  })

  it('accepts the harmless spellings of the same flags', () => {
    expect(fieldOf({ privileged: false, networkMode: 'none', ipcMode: 'private', pidMode: '', securityOpt: ['no-new-privileges:true'], readonlyRootfs: true, devices: [], user: '1000:1000' })).toBeUndefined()
  })

  it('adds back only capabilities the policy allows, and never ALL', () => {
    const o = resolveSandboxOptions({ command: ['x'], capAdd: ['net_bind_service', 'CAP_CHOWN'] }, { allowedCapabilities: ['NET_BIND_SERVICE', 'CAP_CHOWN'] })
    expect(o.capAdd).toEqual(['NET_BIND_SERVICE', 'CHOWN'])
    expect(containerCreateOptions(o, 'tier1', 'a').HostConfig?.CapAdd).toEqual(['NET_BIND_SERVICE', 'CHOWN'])
    expect(fieldOf({ capAdd: ['SYS_ADMIN'] }, ['SYS_ADMIN'])).toBeUndefined()
    expect(fieldOf({ capAdd: ['ALL'] }, ['ALL'])).toBe('capAdd[0]')
    expect(fieldOf({ capAdd: ['CHOWN'] }, ['NET_BIND_SERVICE'])).toBe('capAdd[0]')
  })
})

describe('mounts', () => {
  const rejected = [
    '/var/run/docker.sock',
    '/run/docker.sock',
    '/run/containerd/containerd.sock',
    '/home/me/docker.sock',
    '/proc',
    '/proc/1/root',
    '/sys',
    '/sys/fs/cgroup',
    '/etc',
    '/etc/',
    '//etc',
    '/etc/shadow',
    '/root',
    '/root/.ssh',
    '/var/lib/docker',
    '/var/lib/docker/overlay2',
    '/dev',
    '/',
    '/home/../etc',
    '/srv/data/..',
    '/srv/./data',
    'relative/path',
    '',
    '/srv/a:b',
    '/srv/a,b',
  ]
  it.each(rejected)('refuses host path %j', (source) => {
    expect(fieldOf({ mounts: [{ source, target: '/data' }] })).toBe('mounts[0].source')
  })

  it.each(['/', '/proc', '/proc/self', '/sys', '/dev/shm', '/tmp', '/tmp/x', 'data', '/data/../etc'])('refuses container target %j', (target) => {
    expect(fieldOf({ mounts: [{ source: '/srv/data', target }] })).toBe('mounts[0].target')
  })

  it('refuses a mount whose source is a symlink into a sensitive path', () => {
    const realPath = (p: string): string | undefined => (p === '/home/me/link' ? '/etc' : undefined)
    expect(() => resolveSandboxOptions({ command: ['x'], mounts: [{ source: '/home/me/link', target: '/data' }] }, { realPath })).toThrow(/resolves to "\/etc/)
  })

  describe('with a real symlink on disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-mount-'))
    afterAll(() => rmSync(dir, { recursive: true, force: true }))
    it('follows it to /etc and refuses', () => {
      symlinkSync('/etc', join(dir, 'innocent'))
      expect(() => resolveSandboxOptions({ command: ['x'], mounts: [{ source: join(dir, 'innocent'), target: '/data' }] })).toThrow(SandboxConfigError)
      expect(resolveSandboxOptions({ command: ['x'], mounts: [{ source: dir, target: '/data' }] }).mounts).toHaveLength(1)
    })
  })

  it('accepts an ordinary path, read-only unless asked otherwise', () => {
    const o = resolveSandboxOptions({ command: ['x'], mounts: [{ source: '/srv/data/', target: '/data' }, { source: '/srv/out', target: '/out', readOnly: false }] }, { realPath: noLinks })
    expect(o.mounts).toEqual([
      { source: '/srv/data', target: '/data', readOnly: true },
      { source: '/srv/out', target: '/out', readOnly: false },
    ])
    expect(containerCreateOptions(o, 'tier1', 'a').HostConfig?.Mounts?.[0]).toMatchObject({ Type: 'bind', Source: '/srv/data', Target: '/data', ReadOnly: true })
  })

  it('refuses any path under a sensitive prefix, and any path with `..` (property)', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/).filter((s) => s !== '.' && s !== '..')
    fc.assert(
      fc.property(fc.constantFrom(...SENSITIVE_HOST_PATHS), fc.array(segment, { maxLength: 4 }), fc.constantFrom('', '/', '//'), (prefix, rest, trail) => {
        const source = [prefix, ...rest].join('/') + trail
        expect(fieldOf({ mounts: [{ source, target: '/data' }] })).toBe('mounts[0].source')
      }),
      { numRuns: RUNS },
    )
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 3 }), fc.array(segment, { maxLength: 3 }), (a, b) => {
        const source = `/${[...a, '..', ...b].join('/')}`
        expect(fieldOf({ mounts: [{ source, target: '/data' }] })).toBe('mounts[0].source')
      }),
      { numRuns: RUNS },
    )
  })
})

describe('engine endpoint', () => {
  it('accepts only a unix socket or a loopback TCP address', () => {
    expect(engineEndpoint({})).toEqual({ socketPath: '/var/run/docker.sock' })
    expect(engineEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toEqual({ socketPath: '/run/user/1000/docker.sock' })
    expect(engineEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toEqual({ host: '127.0.0.1', port: 2375 })
    expect(engineEndpoint({ DOCKER_HOST: 'tcp://localhost:2375' })).toEqual({ host: 'localhost', port: 2375 })
    expect(engineEndpoint({ DOCKER_HOST: 'tcp://[::1]:2375' })).toEqual({ host: '::1', port: 2375 })
    for (const bad of ['tcp://10.0.0.5:2375', 'tcp://docker.example.com:2376', 'ssh://user@host', 'tcp://127.0.0.1.evil.com:2375', 'unix://relative.sock', 'http://127.0.0.1:2375']) {
      expect(() => engineEndpoint({ DOCKER_HOST: bad })).toThrow(SandboxConfigError)
    }
  })
})
