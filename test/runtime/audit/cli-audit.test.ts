import { describe, it, expect } from 'vitest'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { main } from '../../../cli/main.js'
import type { CliIO } from '../../../cli/io.js'
import { openAuditLog } from '../../../runtime/audit/index.js'
import { tempDir } from './helpers.js'

function fakeIO(cwd: string): CliIO & { stdout: () => string; stderr: () => string } {
  let out = ''
  let err = ''
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readStdin: async () => '',
    env: {},
    cwd,
    stdout: () => out,
    stderr: () => err,
  }
}

async function run(cwd: string, ...args: string[]) {
  const io = fakeIO(cwd)
  const code = await main(['audit', ...args], io)
  return { code, out: io.stdout(), err: io.stderr() }
}

describe('symbi-policy audit', () => {
  it('keygen writes an Ed25519 pair, private key mode 0600, and refuses to overwrite', async () => {
    const dir = tempDir()
    const r = await run(dir, 'keygen', '--out', 'keys')
    expect(r.code).toBe(0)
    expect(statSync(join(dir, 'keys', 'private.pem')).mode & 0o777).toBe(0o600)
    expect(readFileSync(join(dir, 'keys', 'private.pem'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/)
    expect(readFileSync(join(dir, 'keys', 'public.pem'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/)
    expect((await run(dir, 'keygen', '--out', 'keys')).code).toBe(2)
    expect((await run(dir, 'keygen', '--out', 'keys', '--force')).code).toBe(0)
    expect((await run(dir, 'keygen')).code).toBe(2)
  })

  it('verify prints ok with count and head, checks signatures and anchor; exit 1 with the first bad event', async () => {
    const dir = tempDir()
    await run(dir, 'keygen', '--out', dir)
    const log = join(dir, 'audit.log')
    const trail = await openAuditLog(log, { signingKey: join(dir, 'private.pem'), mode: 'checkpoint' })
    for (let i = 0; i < 5; i++) await trail.append({ agentId: 'a', type: 'policy_decision', details: { i } })
    await trail.close()
    const head = trail.head

    const ok = await run(dir, 'verify', 'audit.log', '--public-key', 'public.pem', '--anchor', head)
    expect(ok.code).toBe(0)
    expect(ok.out.split('\n')[0]).toBe(`ok: 7 events, head ${head}`)
    expect(ok.out).toContain('2 signatures verified')
    expect((await run(dir, 'verify', 'audit.log', '--anchor', head.toUpperCase())).code).toBe(0)

    writeFileSync(log, readFileSync(log, 'utf8').replace('"i":3', '"i":4'))
    const bad = await run(dir, 'verify', log, '--public-key', join(dir, 'public.pem'))
    expect(bad.code).toBe(1)
    expect(bad.out).toMatch(/^FAILED at event 4: AUDIT_HASH_MISMATCH: /)

    const lines = readFileSync(log, 'utf8').split('\n')
    writeFileSync(log, lines.slice(0, 4).join('\n') + '\n')
    const cut = await run(dir, 'verify', log, '--anchor', head)
    expect(cut.code).toBe(1)
    expect(cut.out).toContain('AUDIT_TRUNCATED')
  })

  it('usage and I/O problems exit 2 with a one-line reason', async () => {
    const dir = tempDir()
    await run(dir, 'keygen', '--out', dir)
    writeFileSync(join(dir, 'empty.log'), '')
    expect(await run(dir, 'verify')).toMatchObject({ code: 2 })
    expect(await run(dir, 'verify', 'nope.log')).toMatchObject({ code: 2, err: expect.stringContaining('cannot read log') })
    expect(await run(dir, 'verify', 'empty.log', '--anchor', 'xyz')).toMatchObject({ code: 2, err: expect.stringContaining('--anchor') })
    expect(await run(dir, 'verify', 'empty.log', '--public-key', 'private.pem')).toMatchObject({ code: 2, err: expect.stringContaining('pass the public key') })
    expect(await run(dir, 'verify', 'empty.log', '--bogus')).toMatchObject({ code: 2 })
    expect(await run(dir, 'frobnicate')).toMatchObject({ code: 2 })
    expect(await run(dir, 'verify', 'empty.log')).toMatchObject({ code: 0, out: expect.stringContaining('ok: 0 events') })
  })
})
