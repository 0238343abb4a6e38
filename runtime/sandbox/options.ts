import { SandboxConfigError } from './errors.js'
import { SANDBOX_IMAGE } from './image.js'
import type { RealPath, ResolvedMount, SandboxMount } from './mounts.js'
import { defaultRealPath, validateMount } from './mounts.js'
import { parseDurationMs, parseSize } from './units.js'

/**
 * What a caller may ask of a sandbox run. Only `command` is required; everything else has a
 * hardened default. The last group of fields exists only so that a configuration which sets
 * them gets a clear refusal instead of being silently ignored.
 */
export interface SandboxOptions {
  /** Argument vector run in the container (no shell unless you name one). */
  readonly command: readonly string[]
  /** Image; defaults to the locally built `symbi-sandbox:latest`. Never pulled. */
  readonly image?: string
  /** Memory limit, bytes or a size like `512m`; swap is set equal to it (no swap use). */
  readonly memory?: number | string
  /** CPU share, e.g. 0.5 for half a core. */
  readonly cpus?: number
  /** Wall-clock limit, milliseconds or a duration like `30s`. */
  readonly timeout?: number | string
  /** Cap on captured stdout plus stderr, bytes or a size. */
  readonly outputLimit?: number | string
  /** Maximum number of processes in the container. */
  readonly pidsLimit?: number
  /** Numeric `uid:gid`; root (uid or gid 0) is refused. */
  readonly user?: string
  /** Size of the `noexec,nosuid,nodev` tmpfs at /tmp. */
  readonly tmpSize?: number | string
  /** Environment variables. */
  readonly env?: Readonly<Record<string, string>>
  /** Working directory inside the container. */
  readonly workdir?: string
  /** Host paths to mount; sensitive paths are refused. Read-only unless `readOnly: false`. */
  readonly mounts?: readonly SandboxMount[]
  /** Capabilities to add back after dropping ALL; each must be allowed by the runner's policy. */
  readonly capAdd?: readonly string[]
  /** Always refused when true. */
  readonly privileged?: boolean
  /** Only `none` is accepted. */
  readonly networkMode?: string
  /** Refused unless empty: sharing the host or another container's PID namespace. */
  readonly pidMode?: string
  /** Only `private` or `none`. */
  readonly ipcMode?: string
  /** Refused unless empty. */
  readonly utsMode?: string
  /** Refused unless empty. */
  readonly usernsMode?: string
  /** Only `no-new-privileges` (which is always set anyway). */
  readonly securityOpt?: readonly string[]
  /** Refused when false. */
  readonly readonlyRootfs?: boolean
  /** Host devices; refused when non-empty. */
  readonly devices?: readonly string[]
  /** Refused when set: the tier decides the runtime. */
  readonly runtime?: string
}

/** Options after validation, with every default filled in. */
export interface ResolvedSandboxOptions {
  /** Argument vector. */
  readonly command: readonly string[]
  /** Image reference. */
  readonly image: string
  /** Memory limit in bytes (also the memory+swap limit). */
  readonly memoryBytes: number
  /** CPU quota in units of 1e-9 CPUs. */
  readonly nanoCpus: number
  /** Wall-clock limit in milliseconds. */
  readonly timeoutMs: number
  /** Output cap in bytes. */
  readonly outputLimitBytes: number
  /** Process limit. */
  readonly pidsLimit: number
  /** `uid:gid`. */
  readonly user: string
  /** Size of the /tmp tmpfs in bytes. */
  readonly tmpBytes: number
  /** `KEY=value` strings. */
  readonly env: readonly string[]
  /** Working directory. */
  readonly workdir: string
  /** Validated mounts. */
  readonly mounts: readonly ResolvedMount[]
  /** Capabilities added back, upper case without `CAP_`. */
  readonly capAdd: readonly string[]
}

/** The hardened defaults (RUNTIME.md "Sandbox tiers"). */
export const SANDBOX_DEFAULTS = Object.freeze({
  image: SANDBOX_IMAGE,
  memoryBytes: 512 * 1024 * 1024,
  cpus: 0.5,
  timeoutMs: 30_000,
  outputLimitBytes: 1024 * 1024,
  pidsLimit: 128,
  user: '65534:65534',
  tmpBytes: 16 * 1024 * 1024,
  workdir: '/tmp',
})

/** Context for validation that does not come from the request itself. */
export interface ValidationContext {
  /** Capabilities the operator's policy allows to be added back. Default: none. */
  readonly allowedCapabilities?: readonly string[]
  /** Symlink resolution for mount sources. */
  readonly realPath?: RealPath
}

const MIN_MEMORY = 6 * 1024 * 1024
const MAX_MEMORY = 64 * 1024 * 1024 * 1024
const MAX_TIMEOUT_MS = 24 * 3600 * 1000

function bytes(n: number): string {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) if (n >= size && n % size === 0) return `${n / size} ${unit}`
  return `${n} bytes`
}

function within(n: number, lo: number, hi: number, field: string, show: (v: number) => string = String): number {
  if (!Number.isFinite(n) || n < lo || n > hi) throw new SandboxConfigError(field, `must be between ${show(lo)} and ${show(hi)}, got ${show(n)}`)
  return n
}

const ms = (v: number): string => `${v} ms`

function normaliseCap(c: unknown, field: string): string {
  if (typeof c !== 'string' || !/^(CAP_)?[A-Za-z_]+$/.test(c)) throw new SandboxConfigError(field, `not a capability name: ${JSON.stringify(c)}`)
  return c.toUpperCase().replace(/^CAP_/, '')
}

function refuseEscapes(o: SandboxOptions): void {
  if (o.privileged !== undefined && o.privileged !== false) throw new SandboxConfigError('privileged', 'privileged containers are never allowed')
  if (o.networkMode !== undefined && o.networkMode !== 'none') {
    throw new SandboxConfigError('networkMode', `only network mode "none" is allowed, got "${o.networkMode}"`)
  }
  for (const [field, value] of [['pidMode', o.pidMode], ['utsMode', o.utsMode], ['usernsMode', o.usernsMode]] as const) {
    if (value !== undefined && value !== '') throw new SandboxConfigError(field, `sharing namespaces is not allowed, got "${value}"`)
  }
  if (o.ipcMode !== undefined && o.ipcMode !== 'private' && o.ipcMode !== 'none') {
    throw new SandboxConfigError('ipcMode', `only "private" or "none" is allowed, got "${o.ipcMode}"`)
  }
  for (const [i, opt] of (o.securityOpt ?? []).entries()) {
    if (!/^no-new-privileges([:=]true)?$/.test(opt)) {
      const what = /unconfined|disable|no-new-privileges[:=]false/.test(opt) ? 'weakens the default confinement' : 'is not supported'
      throw new SandboxConfigError(`securityOpt[${i}]`, `"${opt}" ${what}; the default seccomp profile and no-new-privileges always apply`)
    }
  }
  if (o.readonlyRootfs === false) throw new SandboxConfigError('readonlyRootfs', 'the root file system is always read-only')
  if (o.devices !== undefined && o.devices.length > 0) throw new SandboxConfigError('devices', 'host devices cannot be passed in')
  if (o.runtime !== undefined) throw new SandboxConfigError('runtime', 'the runtime is chosen by the tier, not by the caller')
}

function resolveUser(user: unknown): string {
  if (user === undefined) return SANDBOX_DEFAULTS.user
  const m = typeof user === 'string' ? /^(\d{1,10})(?::(\d{1,10}))?$/.exec(user) : null
  if (m === null) throw new SandboxConfigError('user', `must be a numeric "uid" or "uid:gid", got ${JSON.stringify(user)}`)
  const uid = Number(m[1])
  const gid = m[2] === undefined ? uid : Number(m[2])
  if (uid === 0 || gid === 0) throw new SandboxConfigError('user', 'running as root (uid or gid 0) is not allowed')
  return `${uid}:${gid}`
}

function resolveEnv(env: SandboxOptions['env']): string[] {
  if (env === undefined) return []
  return Object.entries(env).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new SandboxConfigError(`env.${k}`, 'not a valid variable name')
    if (typeof v !== 'string' || v.includes('\0')) throw new SandboxConfigError(`env.${k}`, 'must be a string without NUL')
    return `${k}=${v}`
  })
}

/** Validates a request and fills in defaults. Throws `SandboxConfigError` naming the field at fault. */
export function resolveSandboxOptions(o: SandboxOptions, ctx: ValidationContext = {}): ResolvedSandboxOptions {
  if (!Array.isArray(o.command) || o.command.length === 0) throw new SandboxConfigError('command', 'must be a non-empty list of strings')
  for (const [i, a] of o.command.entries()) {
    if (typeof a !== 'string' || a.includes('\0')) throw new SandboxConfigError(`command[${i}]`, 'must be a string without NUL')
  }
  refuseEscapes(o)
  const image = o.image ?? SANDBOX_DEFAULTS.image
  if (typeof image !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._\-/:@]{0,254}$/.test(image)) {
    throw new SandboxConfigError('image', `not a valid image reference: ${JSON.stringify(image)}`)
  }
  const memoryBytes = within(o.memory === undefined ? SANDBOX_DEFAULTS.memoryBytes : parseSize(o.memory, 'memory'), MIN_MEMORY, MAX_MEMORY, 'memory', bytes)
  const cpus = within(o.cpus ?? SANDBOX_DEFAULTS.cpus, 0.01, 64, 'cpus')
  const timeoutMs = within(o.timeout === undefined ? SANDBOX_DEFAULTS.timeoutMs : parseDurationMs(o.timeout, 'timeout'), 1, MAX_TIMEOUT_MS, 'timeout', ms)
  const outputLimitBytes = within(o.outputLimit === undefined ? SANDBOX_DEFAULTS.outputLimitBytes : parseSize(o.outputLimit, 'outputLimit'), 0, 1024 ** 3, 'outputLimit', bytes)
  const pidsLimit = within(o.pidsLimit ?? SANDBOX_DEFAULTS.pidsLimit, 1, 65_536, 'pidsLimit')
  if (!Number.isInteger(pidsLimit)) throw new SandboxConfigError('pidsLimit', 'must be an integer')
  const tmpBytes = within(o.tmpSize === undefined ? SANDBOX_DEFAULTS.tmpBytes : parseSize(o.tmpSize, 'tmpSize'), 1024 * 1024, 1024 ** 3, 'tmpSize', bytes)
  const workdir = o.workdir ?? SANDBOX_DEFAULTS.workdir
  if (typeof workdir !== 'string' || !workdir.startsWith('/') || workdir.split('/').includes('..')) {
    throw new SandboxConfigError('workdir', `must be an absolute path without '..', got ${JSON.stringify(workdir)}`)
  }
  const allowed = new Set((ctx.allowedCapabilities ?? []).map((c, i) => normaliseCap(c, `allowedCapabilities[${i}]`)))
  const capAdd = (o.capAdd ?? []).map((c, i) => {
    const cap = normaliseCap(c, `capAdd[${i}]`)
    if (cap === 'ALL') throw new SandboxConfigError(`capAdd[${i}]`, 'adding ALL capabilities is never allowed')
    if (!allowed.has(cap)) throw new SandboxConfigError(`capAdd[${i}]`, `capability ${cap} is not allowed by the sandbox policy`)
    return cap
  })
  const realPath = ctx.realPath ?? defaultRealPath
  const mounts = (o.mounts ?? []).map((m, i) => validateMount(m, i, realPath))
  return {
    command: [...o.command],
    image,
    memoryBytes: Math.floor(memoryBytes),
    nanoCpus: Math.round(cpus * 1e9),
    timeoutMs: Math.ceil(timeoutMs),
    outputLimitBytes: Math.floor(outputLimitBytes),
    pidsLimit,
    user: resolveUser(o.user),
    tmpBytes: Math.floor(tmpBytes),
    env: resolveEnv(o.env),
    workdir,
    mounts,
    capAdd,
  }
}
