import { describe, it, expect, vi } from 'vitest'
import { open as openFile } from 'node:fs/promises'
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPairSync } from 'node:crypto'
import { AuditKeyError, generateAuditKeyPair, loadPrivateKey, loadPublicKey, openAuditLog, verify } from '../../../runtime/audit/index.js'
import { tempDir } from './helpers.js'

async function writeSome(path: string, n: number, opts: Parameters<typeof openAuditLog>[1] = {}) {
  const trail = await openAuditLog(path, opts)
  const events = []
  for (let i = 0; i < n; i++) events.push(await trail.append({ agentId: 'a', type: 'policy_decision', details: { i, password: `pw${i}` } }))
  await trail.close()
  return { trail, events }
}

describe('file store', () => {
  it('writes one canonical JSON record per line, masked, and verifies', async () => {
    const path = join(tempDir(), 'audit.log')
    const { events } = await writeSome(path, 3)
    const text = readFileSync(path, 'utf8')
    expect(text.endsWith('\n')).toBe(true)
    expect(text.split('\n').slice(0, -1).map((l) => JSON.parse(l).id)).toEqual(events.map((e) => e.id))
    expect(text).not.toContain('pw1')
    expect(await verify(path)).toMatchObject({ ok: true, count: 3, head: events[2]?.hash })
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('durable mode fdatasyncs before append resolves, group-committing concurrent appends; non-durable never syncs', async () => {
    const dir = tempDir()
    const probe = await openFile(join(dir, 'probe'), 'w')
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> }
    await probe.close()
    const order: string[] = []
    const original = proto.datasync
    const spy = vi.spyOn(proto, 'datasync').mockImplementation(async function (this: unknown) {
      order.push('sync')
      return original.call(this)
    })
    try {
      const durable = await openAuditLog(join(dir, 'durable.log'), { durable: true })
      await durable.append({ agentId: 'a', type: 'message', details: {} }).then(() => order.push('ack'))
      expect(order).toEqual(['sync', 'ack'])
      const before = spy.mock.calls.length
      await Promise.all(Array.from({ length: 200 }, (_, i) => durable.append({ agentId: 'a', type: 'message', details: { i } })))
      const syncs = spy.mock.calls.length - before
      expect(syncs).toBeGreaterThanOrEqual(1)
      expect(syncs).toBeLessThanOrEqual(3)
      await durable.close()
      const lazy = await openAuditLog(join(dir, 'lazy.log'), { durable: false })
      const atOpen = spy.mock.calls.length
      await lazy.append({ agentId: 'a', type: 'message', details: {} })
      await lazy.close()
      expect(spy.mock.calls.length).toBe(atOpen)
    } finally {
      spy.mockRestore()
    }
    expect(await verify(join(dir, 'durable.log'))).toMatchObject({ ok: true, count: 201 })
  })

  it('continues the chain across reopen, with durable and non-durable writers', async () => {
    const path = join(tempDir(), 'audit.log')
    await writeSome(path, 2, { durable: true })
    await writeSome(path, 2, { durable: false })
    expect(await verify(path)).toMatchObject({ ok: true, count: 4 })
  })

  it('signs with a key given as a PEM file path or as PEM text, in both modes', async () => {
    const dir = tempDir()
    const { privateKeyPem, publicKeyPem } = generateAuditKeyPair()
    writeFileSync(join(dir, 'private.pem'), privateKeyPem)
    const path = join(dir, 'audit.log')
    await writeSome(path, 3, { signingKey: join(dir, 'private.pem') })
    await writeSome(path, 3, { signingKey: privateKeyPem, mode: 'checkpoint' })
    // every: session start + 3 signed; checkpoint: session start + 3 unsigned + closing checkpoint.
    expect(await verify(path, { publicKey: publicKeyPem })).toMatchObject({ ok: true, count: 1 + 3 + 1 + 3 + 1, signatures: 4 + 2 })
  })

  it('recovers from a torn last record: truncates it, reports it, keeps every complete record', async () => {
    const path = join(tempDir(), 'audit.log')
    const { events } = await writeSome(path, 3)
    const good = statSync(path).size
    appendFileSync(path, '{"id":"half-written","timestamp":"20')
    const trail = await openAuditLog(path)
    expect(trail.recovery).toMatchObject({ truncatedBytes: 36, length: good, records: 3 })
    expect(trail.recovery?.message).toMatch(/torn/)
    expect(trail.head).toBe(events[2]?.hash)
    await trail.append({ agentId: 'a', type: 'message', details: {} })
    await trail.close()
    expect(await verify(path)).toMatchObject({ ok: true, count: 4 })
  })

  it('recovers from a zero-filled tail (a file system that extended the file but lost the data)', async () => {
    const path = join(tempDir(), 'audit.log')
    await writeSome(path, 2)
    appendFileSync(path, Buffer.alloc(4096))
    const trail = await openAuditLog(path)
    expect(trail.recovery?.truncatedBytes).toBe(4096)
    await trail.close()
    expect(await verify(path)).toMatchObject({ ok: true, count: 2 })
  })

  it('a log cut inside its first record recovers to empty', async () => {
    const path = join(tempDir(), 'audit.log')
    await writeSome(path, 1)
    truncateSync(path, 10)
    const trail = await openAuditLog(path)
    expect(trail.recovery).toMatchObject({ truncatedBytes: 10, length: 0, records: 0 })
    expect(trail.count).toBe(0)
    await trail.close()
  })

  it('refuses to extend a log whose last complete record is damaged (not a crash artefact)', async () => {
    const path = join(tempDir(), 'audit.log')
    await writeSome(path, 2)
    writeFileSync(path, readFileSync(path, 'utf8').replace(/"i":1/, '"i":7'))
    await expect(openAuditLog(path)).rejects.toMatchObject({ code: 'AUDIT_LOG_CORRUPT' })
    expect(existsSync(`${path}.lock`)).toBe(false)
  })

  it('locks the log against a second writer, and takes over a stale lock', async () => {
    const path = join(tempDir(), 'audit.log')
    const first = await openAuditLog(path)
    await expect(openAuditLog(path)).rejects.toMatchObject({ code: 'AUDIT_LOG_LOCKED' })
    await first.close()
    writeFileSync(`${path}.lock`, '4194000\n')
    const second = await openAuditLog(path)
    await second.append({ agentId: 'a', type: 'message', details: {} })
    await second.close()
    expect(await verify(path)).toMatchObject({ ok: true, count: 1 })
  })

  it('reports an unusable path clearly', async () => {
    const path = join(tempDir(), 'missing-dir', 'audit.log')
    await expect(openAuditLog(path)).rejects.toMatchObject({ code: 'AUDIT_LOG_IO', message: expect.stringContaining('missing-dir') })
  })
})

describe('key loading', () => {
  const dir = tempDir()
  const { privateKeyPem, publicKeyPem } = generateAuditKeyPair()
  writeFileSync(join(dir, 'private.pem'), privateKeyPem)
  writeFileSync(join(dir, 'public.pem'), publicKeyPem)
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
  writeFileSync(join(dir, 'rsa.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }))
  writeFileSync(join(dir, 'rsa-pub.pem'), rsa.publicKey.export({ type: 'spki', format: 'pem' }))
  writeFileSync(join(dir, 'junk.pem'), 'hello')

  it('loads Ed25519 keys from files', () => {
    expect(loadPrivateKey(join(dir, 'private.pem')).asymmetricKeyType).toBe('ed25519')
    expect(loadPublicKey(join(dir, 'public.pem')).type).toBe('public')
  })

  it('names the wrong kind of key', () => {
    expect(() => loadPrivateKey(join(dir, 'public.pem'))).toThrow(/PUBLIC KEY, not a private key/)
    expect(() => loadPublicKey(join(dir, 'private.pem'))).toThrow(/PRIVATE KEY; pass the public key/)
    expect(() => loadPrivateKey(join(dir, 'rsa.pem'))).toThrow(/holds a rsa private key; the audit trail needs an Ed25519/)
    expect(() => loadPublicKey(join(dir, 'rsa-pub.pem'))).toThrow(/rsa public key/)
  })

  it('reports unreadable and non-PEM files with a code', () => {
    expect(() => loadPrivateKey(join(dir, 'nope.pem'))).toThrow(expect.objectContaining({ code: 'AUDIT_KEY_READ' }))
    expect(() => loadPublicKey(join(dir, 'junk.pem'))).toThrow(AuditKeyError)
    expect(() => loadPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')).toThrow(expect.objectContaining({ code: 'AUDIT_KEY_PARSE' }))
  })
})

describe('streaming verify of large files', () => {
  it('handles records that straddle the 1 MiB read chunks, and finds the first bad one past them', async () => {
    const path = join(tempDir(), 'big.log')
    const trail = await openAuditLog(path, { durable: false })
    const pending = []
    for (let i = 0; i < 2500; i++) pending.push(trail.append({ agentId: 'a', type: 'message', details: { i, pad: 'é'.repeat(300 + (i % 97)) } }))
    await Promise.all(pending)
    await trail.close()
    expect(statSync(path).size).toBeGreaterThan(2 * 1024 * 1024)
    expect(await verify(path, { anchor: trail.head })).toMatchObject({ ok: true, count: 2500, anchorIndex: 2499 })
    const text = readFileSync(path, 'utf8')
    writeFileSync(path, text.replace('"i":2222,', '"i":2223,'))
    expect(await verify(path)).toMatchObject({ ok: false, index: 2222, code: 'AUDIT_HASH_MISMATCH' })
    const ls = text.split('\n')
    ls.splice(2300, 1)
    writeFileSync(path, ls.join('\n'))
    expect(await verify(path)).toMatchObject({ ok: false, index: 2300, code: 'AUDIT_BROKEN_LINK' })
  })
})
