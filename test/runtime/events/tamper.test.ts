import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../../cli/io.js'
import { main } from '../../../cli/main.js'
import { openAuditLog } from '../../../runtime/audit/open.js'
import { tamperEvent } from '../../../runtime/events/index.js'
import { webhookReceiver } from './receiver.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A signed log of five decisions, its public key beside it. */
async function signedLog(): Promise<{ dir: string; log: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'symbi-tamper-'))
  dirs.push(dir)
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  writeFileSync(join(dir, 'public.pem'), publicKey.export({ type: 'spki', format: 'pem' }))
  const trail = await openAuditLog(join(dir, 'audit.log'), { signingKey: privateKey, mode: 'every' })
  for (let i = 0; i < 5; i++) await trail.append({ agentId: 'a', type: 'policy_decision', details: { effect: 'deny', i } })
  await trail.close()
  return { dir, log: join(dir, 'audit.log') }
}

function cli(dir: string): { io: CliIO; text: () => string } {
  let out = ''
  return { io: { out: (t) => void (out += t), err: (t) => void (out += t), readStdin: async () => '', env: {}, cwd: dir }, text: () => out }
}

describe('audit_tamper events', () => {
  it('maps a verification failure to one event: critical for a changed chain, error for a torn tail', () => {
    const changed = tamperEvent({ ok: false, index: 3, code: 'AUDIT_HASH_MISMATCH', message: 'record 3 does not hash to its stored hash' }, '/var/log/a.log')
    expect(changed).toMatchObject({ severity: 'critical', category: 'audit_tamper', affected: ['audit:/var/log/a.log'], source: 'audit verify' })
    expect(changed.description).toBe('audit chain /var/log/a.log failed verification at record 3: AUDIT_HASH_MISMATCH: record 3 does not hash to its stored hash')
    expect(changed.recommendedActions?.length).toBeGreaterThan(0)
    expect(tamperEvent({ ok: false, index: 5, code: 'AUDIT_TORN_RECORD', message: 'torn' }, 'x', 'nightly check')).toMatchObject({ severity: 'error', source: 'nightly check' })
    expect(tamperEvent({ ok: false, index: 5, code: 'AUDIT_UNSIGNED_TAIL', message: 'tail' }, 'x').severity).toBe('error')
    expect(tamperEvent({ ok: false, index: 0, code: 'AUDIT_KEY_NOT_TRUSTED', message: 'k' }, 'x').severity).toBe('critical')
  })

  it('audit verify --webhook posts the event when a record was changed, and nothing when the log verifies', async () => {
    const { dir, log } = await signedLog()
    const receiver = await webhookReceiver()
    try {
      const good = cli(dir)
      expect(await main(['audit', 'verify', 'audit.log', '--public-key', 'public.pem', '--webhook', receiver.url], good.io)).toBe(0)
      expect(receiver.bodies).toEqual([])
      const lines = readFileSync(log, 'utf8').split('\n')
      lines[2] = (lines[2] as string).replace('"effect":"deny"', '"effect":"allow"')
      writeFileSync(log, lines.join('\n'))
      const bad = cli(dir)
      expect(await main(['audit', 'verify', 'audit.log', '--public-key', 'public.pem', '--webhook', receiver.url], bad.io)).toBe(1)
      expect(receiver.bodies).toHaveLength(1)
      const event = receiver.bodies[0] as Record<string, unknown>
      expect(event).toMatchObject({ category: 'audit_tamper', severity: 'critical', affected: [`audit:${log}`], source: 'audit verify', evidence: [] })
      expect(event['description']).toMatch(/failed verification at record 2: AUDIT_HASH_MISMATCH/)
      expect(typeof event['id']).toBe('string')
      expect(bad.text()).toContain(`security event ${event['id'] as string} (audit_tamper, critical) delivered to http://127.0.0.1:`)
      // The receiver's query string (a token) is not printed.
      expect(bad.text()).not.toContain('secret')
    } finally {
      await receiver.close()
    }
  })

  it('a receiver that is down costs the delivery, not the verdict; a bad --webhook is a usage error', async () => {
    const { dir, log } = await signedLog()
    writeFileSync(log, readFileSync(log, 'utf8').split('\n').slice(0, 2).concat(['{"torn'], []).join('\n'))
    const port = await new Promise<number>((resolve) => {
      const s = createServer()
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const down = cli(dir)
    expect(await main(['audit', 'verify', 'audit.log', '--webhook', `http://127.0.0.1:${port}/`], down.io)).toBe(1)
    expect(down.text()).toMatch(/\(audit_tamper, (error|critical)\) could not be delivered to http:\/\/127\.0\.0\.1:\d+\//)
    for (const bad of ['ftp://127.0.0.1/', 'not a url']) {
      const usage = cli(dir)
      expect(await main(['audit', 'verify', 'audit.log', '--webhook', bad], usage.io)).toBe(2)
      expect(usage.text()).toContain('--webhook must be an http(s) URL')
    }
  })
})
