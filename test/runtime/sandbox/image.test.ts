import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sandboxCommand } from '../../../cli/commands/sandbox.js'
import {
  DEFAULT_BUSYBOX,
  SANDBOX_APPLETS,
  SANDBOX_IMAGE,
  SANDBOX_IMAGE_CHANGES,
  SandboxUnavailableError,
  ensureSandboxImage,
  isStaticElf,
  sandboxRootfs,
} from '../../../runtime/sandbox/index.js'
import { FakeEngine, fakeIO } from './fakes.js'

const script = readFileSync(new URL('../../../.ci/setup-docker.sh', import.meta.url), 'utf8')
const work = mkdtempSync(join(tmpdir(), 'symbi-image-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A fake "busybox": a minimal static 64-bit little-endian ELF header with no program headers. */
function fakeStaticElf(): Buffer {
  const b = Buffer.alloc(64)
  b.writeUInt32BE(0x7f454c46, 0)
  b[4] = 2
  b[5] = 1
  return b
}

function shellVar(name: string): string {
  const m = new RegExp(`^${name}="([^"]*)"`, 'm').exec(script)
  if (!m) throw new Error(`${name} not found in setup-docker.sh`)
  return m[1] as string
}

function printfArg(target: string): string {
  const m = new RegExp(`printf '([^']*)' >"\\$root/${target}"`).exec(script)
  if (!m) throw new Error(`printf for ${target} not found in setup-docker.sh`)
  return (m[1] as string).replace(/\\n/g, '\n')
}

describe('the TS image builder and .ci/setup-docker.sh agree', () => {
  it('on the image name, applets and image config', () => {
    expect(shellVar('IMAGE')).toBe(SANDBOX_IMAGE)
    expect(shellVar('APPLETS').split(' ')).toEqual([...SANDBOX_APPLETS])
    expect([...script.matchAll(/--change '([^']*)'/g)].map((m) => m[1])).toEqual([...SANDBOX_IMAGE_CHANGES])
  })

  it('on the root file system (extracted with the system tar)', () => {
    const tarPath = join(work, 'rootfs.tar')
    writeFileSync(tarPath, sandboxRootfs(fakeStaticElf()))
    const root = join(work, 'rootfs')
    execFileSync('mkdir', ['-p', root])
    execFileSync('tar', ['-xf', tarPath, '-C', root])
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8')).toBe(printfArg('etc/passwd'))
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).toBe(printfArg('etc/group'))
    expect(readFileSync(join(root, 'bin/busybox'))).toEqual(fakeStaticElf())
    for (const a of SANDBOX_APPLETS) expect(readlinkSync(join(root, 'bin', a))).toBe('busybox')
    expect(lstatSync(join(root, 'tmp')).mode & 0o7777).toBe(0o1777)
    for (const d of ['proc', 'sys', 'dev', 'work']) expect(lstatSync(join(root, d)).isDirectory()).toBe(true)
    const listing = execFileSync('tar', ['-tvf', tarPath], { encoding: 'utf8' })
    expect(listing).toMatch(/root\/root/)
    expect(listing).not.toMatch(/\d{4,}\/\d{4,}/)
  })
})

describe('busybox check', () => {
  it('tells static from dynamic ELF', () => {
    expect(isStaticElf(fakeStaticElf())).toBe(true)
    expect(isStaticElf(readFileSync(process.execPath))).toBe(false)
    expect(isStaticElf(Buffer.from('#!/bin/sh\necho hi\n'))).toBe(false)
    if (existsSync(DEFAULT_BUSYBOX)) expect(isStaticElf(readFileSync(DEFAULT_BUSYBOX))).toBe(true)
  })
})

describe('ensureSandboxImage', () => {
  it('does nothing when the image is present', async () => {
    const engine = new FakeEngine()
    expect(await ensureSandboxImage(engine, { busybox: '/nonexistent' })).toBe('present')
    expect(engine.imported).toHaveLength(0)
  })

  it('imports the rootfs with the image config when missing', async () => {
    const engine = new FakeEngine()
    engine.images.clear()
    const bb = join(work, 'busybox')
    writeFileSync(bb, fakeStaticElf())
    expect(await ensureSandboxImage(engine, { busybox: bb })).toBe('built')
    expect(engine.imported).toEqual([{ ref: SANDBOX_IMAGE, changes: SANDBOX_IMAGE_CHANGES, bytes: sandboxRootfs(fakeStaticElf()).length }])
  })

  it('refuses a missing or dynamically linked busybox with a clear error', async () => {
    const engine = new FakeEngine()
    engine.images.clear()
    await expect(ensureSandboxImage(engine, { busybox: join(work, 'missing') })).rejects.toThrow(/busybox-static/)
    await expect(ensureSandboxImage(engine, { busybox: process.execPath })).rejects.toBeInstanceOf(SandboxUnavailableError)
    expect(engine.imported).toHaveLength(0)
  })
})


describe('sandbox setup (CLI)', () => {
  it('builds once, then reports present', async () => {
    const engine = new FakeEngine()
    engine.images.clear()
    const bb = join(work, 'busybox2')
    writeFileSync(bb, fakeStaticElf())
    const cmd = sandboxCommand({ engine: () => engine })
    const a = fakeIO(work)
    expect(await cmd(['setup', '--busybox', bb], a)).toBe(0)
    expect(a.stdout).toBe(`image ${SANDBOX_IMAGE} built\n`)
    const b = fakeIO(work)
    expect(await cmd(['setup', '--busybox', bb], b)).toBe(0)
    expect(b.stdout).toBe(`image ${SANDBOX_IMAGE} present\n`)
    expect(engine.imported).toHaveLength(1)
  })

  it('exits 69 with one line when the engine cannot be reached', async () => {
    const engine = new FakeEngine()
    engine.hasImage = () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock'))
    const io = fakeIO(work)
    expect(await sandboxCommand({ engine: () => engine })(['setup'], io)).toBe(69)
    expect(io.stderr.trim().split('\n')).toHaveLength(1)
    expect(io.stderr).toMatch(/cannot reach the Docker engine: connect ENOENT/)
  })
})
