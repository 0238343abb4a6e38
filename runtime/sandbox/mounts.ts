import { realpathSync } from 'node:fs'
import { SandboxConfigError } from './errors.js'

/** A host directory or file made visible inside the container. */
export interface SandboxMount {
  /** Absolute host path. */
  readonly source: string
  /** Absolute path inside the container. */
  readonly target: string
  /** Mount read-only; defaults to true, and only an explicit `false` makes it writable. */
  readonly readOnly?: boolean
}

/** A mount that passed validation. */
export interface ResolvedMount {
  /** Normalised absolute host path. */
  readonly source: string
  /** Normalised absolute container path. */
  readonly target: string
  /** Whether the mount is read-only. */
  readonly readOnly: boolean
}

/**
 * Host paths that are never mounted, nor anything below them: they hand a container the engine
 * (the socket), the host kernel's knobs (/proc, /sys, /dev), credentials (/etc, /root) or other
 * containers' file systems (/var/lib/docker).
 */
export const SENSITIVE_HOST_PATHS: readonly string[] = [
  '/proc',
  '/sys',
  '/dev',
  '/etc',
  '/root',
  '/boot',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/run/docker.sock',
  '/run/docker.sock',
  '/var/run',
  '/run',
]

/** Container paths a mount may not cover: the kernel interfaces and the sandbox's own tmpfs. */
const RESERVED_TARGETS: readonly string[] = ['/proc', '/sys', '/dev', '/tmp']

/** Socket names that hand over an engine wherever they live. */
const ENGINE_SOCKETS = /(^|\/)(docker|containerd|podman|crio|dockershim)\.sock$/

function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`)
}

/** Collapses repeated and trailing slashes; rejects relative paths, `..`, `.` and odd characters. */
function normalise(path: unknown, field: string): string {
  if (typeof path !== 'string' || path.length === 0) throw new SandboxConfigError(field, 'must be a non-empty absolute path')
  if (!path.startsWith('/')) throw new SandboxConfigError(field, `must be an absolute path, got "${path}"`)
  // ':' and ',' are separators in Docker's bind and mount syntaxes; NUL ends C strings early.
  if (/[\0:,\n]/.test(path)) throw new SandboxConfigError(field, `contains a character not allowed in a mount path: "${path}"`)
  const parts = path.split('/').filter((p) => p !== '')
  if (parts.some((p) => p === '..')) throw new SandboxConfigError(field, `must not contain '..': "${path}"`)
  if (parts.some((p) => p === '.')) throw new SandboxConfigError(field, `must not contain '.' segments: "${path}"`)
  return `/${parts.join('/')}`
}

function checkHostPath(path: string, field: string, given: string): void {
  if (path === '/') throw new SandboxConfigError(field, 'mounting the host root is not allowed')
  const hit = SENSITIVE_HOST_PATHS.find((p) => under(path, p))
  if (hit !== undefined) throw new SandboxConfigError(field, `host path "${given}" is under sensitive path ${hit} and cannot be mounted`)
  if (ENGINE_SOCKETS.test(path)) throw new SandboxConfigError(field, `host path "${given}" is a container-engine socket and cannot be mounted`)
}

/** How symlinks are resolved; injectable so that tests need not touch the real file system. */
export type RealPath = (path: string) => string | undefined

/** Resolves symlinks of an existing path; a missing path resolves to nothing (Docker will fail on it). */
export const defaultRealPath: RealPath = (path) => {
  try {
    return realpathSync(path)
  } catch {
    return undefined
  }
}

/**
 * Validates one mount. The source is checked as given and, when it exists, after resolving
 * symlinks, so that `/home/me/link -> /etc` is refused too.
 */
export function validateMount(mount: SandboxMount, index: number, realPath: RealPath = defaultRealPath): ResolvedMount {
  const at = `mounts[${index}]`
  if (typeof mount !== 'object' || mount === null) throw new SandboxConfigError(at, 'must be an object {source, target, readOnly?}')
  const source = normalise(mount.source, `${at}.source`)
  checkHostPath(source, `${at}.source`, mount.source)
  const real = realPath(source)
  if (real !== undefined && real !== source) checkHostPath(normalise(real, `${at}.source`), `${at}.source`, `${mount.source}" (resolves to "${real}`)
  const target = normalise(mount.target, `${at}.target`)
  if (target === '/') throw new SandboxConfigError(`${at}.target`, 'cannot mount over the container root')
  const reserved = RESERVED_TARGETS.find((p) => under(target, p))
  if (reserved !== undefined) throw new SandboxConfigError(`${at}.target`, `cannot mount over ${reserved} inside the container`)
  if (mount.readOnly !== undefined && typeof mount.readOnly !== 'boolean') {
    throw new SandboxConfigError(`${at}.readOnly`, 'must be a boolean')
  }
  return { source, target, readOnly: mount.readOnly !== false }
}
