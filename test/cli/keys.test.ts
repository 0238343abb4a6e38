/** The CLI contract of `symbi-policy keys`, in-process through `main(argv, io)`. */
import { createPublicKey } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'
import { keyIdOf } from '../../runtime/keys/index.js'

let dir = ''
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-keys-cli-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => '', env, cwd: dir }
  const code = await main(argv, io)
  return { code, out, err }
}

describe('symbi-policy keys', () => {
  it('generates, rotates, revokes, lists (text and JSON) and exports keys in the store', async () => {
    const root = await run(['keys', 'generate', '--store', 'ks'])
    expect(root.code).toBe(0)
    const rootId = root.out.trim()
    expect(rootId).toMatch(/^sha256:[0-9a-f]{64}$/)
    const alice = (await run(['keys', 'generate', '--agent', 'alice', '--store', 'ks'])).out.trim()
    const rotated = await run(['keys', 'rotate', alice, '--store', 'ks'])
    expect(rotated.code).toBe(0)
    expect(rotated.err).toMatch(/verifies until \d{4}-/)
    const next = rotated.out.trim()
    const revoked = await run(['keys', 'revoke', next, '--reason', 'compromised', '--store', 'ks'])
    expect(revoked.code).toBe(0)
    expect(revoked.out).toMatch(new RegExp(`^revoked ${next} at `))

    const list = await run(['keys', 'list', '--format', 'json', '--store', 'ks'])
    const json = JSON.parse(list.out) as { keys: { id: string; kind: string; status: string; agent?: string; createdAt: string; reason?: string }[] }
    // Root first; the agent's keys by creation time, and by id within one millisecond.
    const byId = (x: unknown[], y: unknown[]): number => String(x[0]).localeCompare(String(y[0]))
    const rows = json.keys.map((k) => [k.id, k.kind, k.status, k.agent])
    expect(rows[0]).toEqual([rootId, 'root', 'active', undefined])
    expect(rows.slice(1).sort(byId)).toEqual([[alice, 'agent', 'retiring', 'alice'], [next, 'agent', 'revoked', 'alice']].sort(byId))
    expect(json.keys.find((k) => k.id === next)?.reason).toBe('compromised')
    for (const k of json.keys) expect(k.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect((await run(['keys', 'list', '--store', 'ks'])).out).toContain(`${next}  agent      revoked   alice`)

    const pem = await run(['keys', 'export-public', alice, '--store', 'ks'])
    expect(keyIdOf(createPublicKey(pem.out))).toBe(alice)

    // An X25519 agreement key for an agent (what other agents encrypt to).
    const agreement = (await run(['keys', 'generate', '--agent', 'alice', '--agreement', '--store', 'ks'])).out.trim()
    expect(createPublicKey((await run(['keys', 'export-public', agreement, '--store', 'ks'])).out).asymmetricKeyType).toBe('x25519')
    const after = JSON.parse((await run(['keys', 'list', '--format', 'json', '--store', 'ks'])).out) as { keys: { id: string; kind: string; status: string }[] }
    expect(after.keys.find((k) => k.id === agreement)).toMatchObject({ kind: 'agreement', status: 'active' })
    expect((await run(['keys', 'generate', '--agreement', '--store', 'ks'])).code).toBe(2)
  })

  it('takes the store from the TOML config and the passphrase from the environment only', async () => {
    writeFileSync(join(dir, 'symbiont.toml'), '[keys]\nstore = "from-config"\n')
    const env = { SYMBI_KEY_PASSPHRASE: 'pw' }
    expect((await run(['keys', 'generate', '--agent', 'a', '--config', 'symbiont.toml'], env)).code).toBe(0)
    const list = JSON.parse((await run(['keys', 'list', '--format', 'json', '--config', 'symbiont.toml'])).out) as { keys: { encrypted: boolean }[] }
    expect(list.keys).toHaveLength(2)
    expect(list.keys.every((k) => k.encrypted)).toBe(true)
    // Rotating needs the root's private key: refused without the passphrase (exit 1, named).
    const id = (list.keys[1] as unknown as { id: string }).id
    const noPass = await run(['keys', 'rotate', id, '--config', 'symbiont.toml'])
    expect(noPass.code).toBe(1)
    expect(noPass.err).toContain('encrypted at rest')
    const wrong = await run(['keys', 'rotate', id, '--config', 'symbiont.toml'], { SYMBI_KEY_PASSPHRASE: 'nope' })
    expect(wrong.code).toBe(1)
    expect(wrong.err).toContain('passphrase does not open it')
  })

  it('rotate --due rotates the keys the configured age makes due (scheduled rotation)', async () => {
    await run(['keys', 'generate', '--agent', 'alice', '--store', 'ks'])
    // Nothing is a day old yet.
    const none = await run(['keys', 'rotate', '--due', '--max-age', '1d', '--store', 'ks'])
    expect(none).toMatchObject({ code: 0, out: '' })
    expect(none.err).toContain('no agent key is 24h old or older')
    writeFileSync(join(dir, 'symbiont.toml'), '[keys]\nstore = "ks"\nrotate_after = "1ms"\n')
    await new Promise((r) => setTimeout(r, 5))
    const due = await run(['keys', 'rotate', '--due', '--config', 'symbiont.toml'])
    expect(due.code).toBe(0)
    expect(due.out).toMatch(/^sha256:[0-9a-f]{64} -> sha256:[0-9a-f]{64} \(alice; the old key verifies until \d{4}-/)
    const list = JSON.parse((await run(['keys', 'list', '--format', 'json', '--store', 'ks'])).out) as { keys: { status: string; agent?: string }[] }
    expect(list.keys.filter((k) => k.agent === 'alice').map((k) => k.status).sort()).toEqual(['active', 'retiring'])
    // Without an age anywhere, or with a bad one, or on another command: usage errors.
    expect((await run(['keys', 'rotate', '--due', '--store', 'ks'])).code).toBe(2)
    expect((await run(['keys', 'rotate', '--due', '--max-age', 'soon', '--store', 'ks'])).code).toBe(2)
    expect((await run(['keys', 'rotate', '--max-age', '1d', '--store', 'ks'])).code).toBe(2)
    expect((await run(['keys', 'list', '--due', '--store', 'ks'])).code).toBe(2)
  })

  it('exit codes: 2 for usage, 1 for key errors', async () => {
    expect((await run(['keys'])).code).toBe(2)
    expect((await run(['keys', 'frobnicate'])).code).toBe(2)
    expect((await run(['keys', 'revoke', `sha256:${'a'.repeat(64)}`, '--store', 'ks'])).code).toBe(2)
    expect((await run(['keys', 'list', '--format', 'xml', '--store', 'ks'])).code).toBe(2)
    const unknown = await run(['keys', 'rotate', `sha256:${'a'.repeat(64)}`, '--store', 'ks'])
    expect(unknown.code).toBe(1)
    expect(unknown.err).toContain('no key')
    const traversal = await run(['keys', 'export-public', '../../etc/passwd', '--store', 'ks'])
    expect(traversal.code).toBe(1)
    expect(traversal.err).toContain('not a key id')
  })
})
