import { generateKeyPairSync } from 'node:crypto'
import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { KeyMismatchError, TofuKeyStore, TrustStoreError, UnknownProviderError, keyIdOf } from '../../../runtime/tools/index.js'

const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()
const dir = () => mkdtempSync(join(tmpdir(), 'tofu-'))

describe('TOFU key store', () => {
  it('pins on first use into a 0600 file written atomically, then accepts the same key', async () => {
    const d = dir()
    const path = join(d, 'keys.json')
    const store = new TofuKeyStore({ path, clock: () => Date.UTC(2026, 0, 1) })
    const k = pem()
    expect(await store.check('acme', k)).toEqual({ status: 'first_use', keyId: keyIdOf(k) })
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(readdirSync(d)).toEqual(['keys.json'])
    const file = JSON.parse(readFileSync(path, 'utf8'))
    expect(file).toEqual({ version: 1, providers: { acme: { keyId: keyIdOf(k), publicKey: k, pinnedAt: '2026-01-01T00:00:00.000Z' } } })
    expect(await store.check('acme', k)).toEqual({ status: 'pinned', keyId: keyIdOf(k) })
    expect(await new TofuKeyStore({ path }).check('acme', k)).toMatchObject({ status: 'pinned' })
  })

  it('a different key for a pinned provider is a KeyMismatch and is not stored', async () => {
    const path = join(dir(), 'keys.json')
    const store = new TofuKeyStore({ path })
    const k1 = pem()
    const k2 = pem()
    await store.check('acme', k1)
    const err = await store.check('acme', k2).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(KeyMismatchError)
    expect((err as KeyMismatchError).name).toBe('KeyMismatch')
    expect((err as KeyMismatchError).pinnedKeyId).toBe(keyIdOf(k1))
    expect((await store.lookup('acme'))?.keyId).toBe(keyIdOf(k1))
    await expect(store.pin('acme', k2)).rejects.toThrow(KeyMismatchError)
    expect((await store.pin('acme', k2, true)).keyId).toBe(keyIdOf(k2))
  })

  it('closed-world mode refuses unknown providers and accepts explicitly pinned ones', async () => {
    const path = join(dir(), 'keys.json')
    const k = pem()
    await new TofuKeyStore({ path }).pin('trusted', k)
    const closed = new TofuKeyStore({ path, closedWorld: true })
    await expect(closed.check('stranger', pem())).rejects.toThrow(UnknownProviderError)
    expect(await closed.check('trusted', k)).toMatchObject({ status: 'pinned' })
    expect(await closed.lookup('stranger')).toBeUndefined()
  })

  it('re-reads the file on every call and fails closed on tampering, corruption or loose permissions', async () => {
    const path = join(dir(), 'keys.json')
    const store = new TofuKeyStore({ path })
    const k = pem()
    await store.check('acme', k)
    const good = readFileSync(path, 'utf8')
    const parsed = JSON.parse(good)
    const attacker = pem()
    const cases: [string, string, RegExp][] = [
      ['swapped key, old id', JSON.stringify({ ...parsed, providers: { acme: { ...parsed.providers.acme, publicKey: attacker } } }), /keyId does not match its publicKey/],
      ['not JSON', good.slice(0, good.length / 2), /corrupt/],
      ['unknown field', JSON.stringify({ ...parsed, extra: 1 }), /unknown field 'extra'/],
      ['bad version', JSON.stringify({ ...parsed, version: 2 }), /unsupported version/],
      ['bad key id form', JSON.stringify({ version: 1, providers: { acme: { ...parsed.providers.acme, keyId: 'md5:00' } } }), /keyId is not sha256/],
      ['garbage key', JSON.stringify({ version: 1, providers: { acme: { ...parsed.providers.acme, publicKey: 'x' } } }), /not a P-256 public key/],
      ['array', '[]', /top level is not an object/],
    ]
    for (const [name, text, re] of cases) {
      writeFileSync(path, text, { mode: 0o600 })
      const err = await store.check('acme', k).catch((e: unknown) => e)
      expect(err, name).toBeInstanceOf(TrustStoreError)
      expect((err as Error).message, name).toMatch(re)
    }
    writeFileSync(path, good)
    chmodSync(path, 0o644)
    await expect(store.check('acme', k)).rejects.toThrow(/permissions are 0644, expected 0600/)
    // What a service reports in /v1/status and /health/ready; bad input and verdicts are not failures of the store.
    expect(store.health()).toMatchObject({ kind: 'file', ok: false, message: expect.stringMatching(/permissions are 0644/) })
    chmodSync(path, 0o600)
    expect(await store.check('acme', k)).toMatchObject({ status: 'pinned' })
    expect(store.health()).toEqual({ kind: 'file', ok: true })
    await expect(store.check('', k)).rejects.toThrow(TrustStoreError)
    await expect(store.check('acme', pem())).rejects.toThrow(/KeyMismatch|differs|pinned/)
    expect(store.health()).toEqual({ kind: 'file', ok: true })
  })

  it('refuses a symlinked store and a provider named __proto__ cannot pollute anything', async () => {
    const d = dir()
    const real = join(d, 'real.json')
    const store = new TofuKeyStore({ path: real })
    await store.check('__proto__', pem())
    expect(Object.keys(JSON.parse(readFileSync(real, 'utf8')).providers)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>)['keyId']).toBeUndefined()
    const link = join(d, 'link.json')
    symlinkSync(real, link)
    await expect(new TofuKeyStore({ path: link }).check('x', pem())).rejects.toThrow(/symbolic link refused/)
  })

  it('serializes concurrent first contacts: exactly one key wins, the rest mismatch', async () => {
    const store = new TofuKeyStore({ path: join(dir(), 'keys.json') })
    const keys = Array.from({ length: 5 }, pem)
    const results = await Promise.allSettled(keys.map((k) => store.check('race', k)))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof KeyMismatchError)).toHaveLength(4)
  })

  it('separate store instances (as separate processes would) never lose a pin: the lock file serializes writers', async () => {
    const path = join(dir(), 'keys.json')
    const providers = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']
    const keys = providers.map(() => pem())
    await Promise.all(providers.map((p, i) => new TofuKeyStore({ path }).check(p, keys[i] as string)))
    const file = JSON.parse(readFileSync(path, 'utf8'))
    expect(Object.keys(file.providers).sort()).toEqual(providers)
    const contenders = await Promise.allSettled([pem(), pem(), pem()].map((k) => new TofuKeyStore({ path }).check('shared', k)))
    expect(contenders.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(readdirSync(join(path, '..')).sort()).toEqual(['keys.json'])
  })

  it('a held lock makes writers fail closed after the timeout; a stale lock is taken over', async () => {
    const path = join(dir(), 'keys.json')
    writeFileSync(`${path}.lock`, '')
    await expect(new TofuKeyStore({ path, lockTimeoutMs: 30 }).check('p', pem())).rejects.toThrow(/locked by another writer/)
    const old = (Date.now() - 60_000) / 1000
    utimesSync(`${path}.lock`, old, old)
    expect(await new TofuKeyStore({ path, lockTimeoutMs: 30 }).check('p', pem())).toMatchObject({ status: 'first_use' })
  })
})
