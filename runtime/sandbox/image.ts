import { readFileSync } from 'node:fs'
import type { SandboxEngine } from './engine.js'
import { SandboxUnavailableError } from './errors.js'
import type { TarEntry } from './tar.js'
import { writeTar } from './tar.js'

/**
 * The default sandbox image. `.ci/setup-docker.sh` builds the same image by the same recipe
 * (same name, applets, users and image config); a test compares the two.
 */
export const SANDBOX_IMAGE = 'symbi-sandbox:latest'

/** Busybox applets linked into the image's /bin. */
export const SANDBOX_APPLETS: readonly string[] = [
  'sh', 'cat', 'id', 'ls', 'head', 'dd', 'sleep', 'echo', 'grep', 'mount', 'mkdir', 'rm', 'touch', 'wc', 'env',
  'true', 'false', 'printf', 'yes', 'tr', 'sed', 'ifconfig', 'ip',
]

/** `docker import --change` instructions: non-root by default, PATH for the applets. */
export const SANDBOX_IMAGE_CHANGES: readonly string[] = ['ENV PATH=/bin', 'USER 65534:65534', 'WORKDIR /tmp', 'LABEL org.symbi.sandbox=1']

/** Where a statically linked busybox is found on Debian (package busybox-static). */
export const DEFAULT_BUSYBOX = '/bin/busybox'

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'
const GROUP = 'root:x:0:\nnogroup:x:65534:\n'

/** The root file system of the sandbox image as a tarball, around the given busybox binary. */
export function sandboxRootfs(busybox: Uint8Array): Buffer {
  const entries: TarEntry[] = [
    ...['bin', 'etc', 'proc', 'sys', 'dev', 'work'].map((path): TarEntry => ({ type: 'dir', path, mode: 0o755 })),
    { type: 'dir', path: 'tmp', mode: 0o1777 },
    { type: 'file', path: 'bin/busybox', mode: 0o755, data: busybox },
    ...SANDBOX_APPLETS.map((a): TarEntry => ({ type: 'symlink', path: `bin/${a}`, target: 'busybox' })),
    { type: 'file', path: 'etc/passwd', mode: 0o644, data: Buffer.from(PASSWD) },
    { type: 'file', path: 'etc/group', mode: 0o644, data: Buffer.from(GROUP) },
  ]
  return writeTar(entries)
}

/** True when the ELF file is statically linked (no PT_INTERP program header). */
export function isStaticElf(bin: Uint8Array): boolean {
  const b = Buffer.from(bin.buffer, bin.byteOffset, bin.byteLength)
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) return false
  const phoff = Number(b.readBigUInt64LE(32))
  const phentsize = b.readUInt16LE(54)
  const phnum = b.readUInt16LE(56)
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize
    if (at + 4 > b.length) return false
    if (b.readUInt32LE(at) === 3) return false
  }
  return true
}

/** What `ensureSandboxImage` did. */
export type ImageSetup = 'present' | 'built'

/**
 * Builds the default image when it is missing. The image is made locally from the host's
 * static busybox because no registry is assumed to be reachable.
 */
export async function ensureSandboxImage(
  engine: SandboxEngine,
  opts: {
    /** Path of a statically linked 64-bit busybox. */
    readonly busybox?: string
    /** Rebuild even when present. */
    readonly force?: boolean
  } = {},
): Promise<ImageSetup> {
  if (opts.force !== true && (await engine.hasImage(SANDBOX_IMAGE))) return 'present'
  const path = opts.busybox ?? DEFAULT_BUSYBOX
  let bin: Buffer
  try {
    bin = readFileSync(path)
  } catch (e) {
    throw new SandboxUnavailableError('tier1', `cannot read busybox at ${path} (${(e as Error).message}); install it with \`apt-get install busybox-static\``)
  }
  if (!isStaticElf(bin)) {
    throw new SandboxUnavailableError('tier1', `${path} is not a statically linked x86-64/arm64 ELF busybox; install \`busybox-static\``)
  }
  await engine.importImage(sandboxRootfs(bin), SANDBOX_IMAGE, SANDBOX_IMAGE_CHANGES)
  return 'built'
}
