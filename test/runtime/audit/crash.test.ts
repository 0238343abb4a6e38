import { describe, it, expect, beforeAll } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateAuditKeyPair, openAuditLog, verify } from '../../../runtime/audit/index.js'
import { tempDir } from './helpers.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..', '..')
const writer = join(here, 'fixtures', 'crash-writer.mjs')
const ROUNDS = Number(process.env['SYMBI_CRASH_ROUNDS'] ?? 8)

beforeAll(() => {
  // The child runs the built code (Node 20 cannot run .ts); a missing or stale build would test the wrong thing.
  const built = join(root, 'dist', 'runtime', 'audit')
  if (!existsSync(join(built, 'index.js'))) throw new Error('crash test needs the build: run `npm run build` (or `npx tsc -p tsconfig.json`) first')
  const sources = [
    ...readdirSync(join(root, 'runtime', 'audit')).filter((f) => f.endsWith('.ts')).map((f) => join('runtime', 'audit', f)),
    join('runtime', 'masking.ts'),
  ]
  for (const src of sources) {
    const js = join(root, 'dist', src.replace(/\.ts$/, '.js'))
    if (!existsSync(js) || statSync(js).mtimeMs < statSync(join(root, src)).mtimeMs) {
      throw new Error(`crash test: dist is stale (${src} changed after the last build); run \`npm run build\` first`)
    }
  }
})

interface Round {
  readonly acked: string[]
  readonly recoveredBytes: number | undefined
}

/**
 * Runs the writer and SIGKILLs it `killAfterMs` after it reported the log open (or, with
 * `fromSpawn`, after the spawn, which may land during start-up or recovery); returns the ids it
 * reported as acknowledged.
 */
function crashRound(log: string, mode: string, key: string, killAfterMs: number, fromSpawn: boolean): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, log, mode, key, String(1 + Math.floor(Math.random() * 16))], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    const kill = (): void => void child.kill('SIGKILL')
    // A writer that never opens the log is killed after 10 s and the round fails below.
    const timer = setTimeout(kill, fromSpawn ? killAfterMs : 10_000)
    let armed = fromSpawn
    child.stdout.on('data', () => {
      if (!armed && out.includes('open\n')) {
        armed = true
        clearTimeout(timer)
        setTimeout(kill, killAfterMs)
      }
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited by itself (code ${String(code)}): ${err}`))
      if (!armed) return reject(new Error(`writer did not open the log within 10 s: ${err}`))
      // Only complete lines count: a line cut by the kill was never fully reported.
      const lines = out.split('\n').slice(0, -1)
      const rec = lines.find((l) => l.startsWith('recovered '))
      resolve({ acked: lines.filter((l) => l.startsWith('ack ')).map((l) => l.slice(4)), recoveredBytes: rec === undefined ? undefined : Number(rec.slice(10)) })
    })
  })
}

describe('crash safety of the durable file store', () => {
  it(`survives ${ROUNDS} SIGKILLs at random moments: the log verifies and holds every acknowledged event`, async () => {
    const dir = tempDir()
    const { privateKeyPem, publicKeyPem } = generateAuditKeyPair()
    const key = join(dir, 'private.pem')
    writeFileSync(key, privateKeyPem, { mode: 0o600 })
    const log = join(dir, 'audit.log')
    const acked = new Set<string>()
    let recoveries = 0
    for (let round = 0; round < ROUNDS; round++) {
      const mode = (['checkpoint', 'every', 'every-thread'] as const)[round % 3] as string
      const fromSpawn = round % 4 === 3
      const r = await crashRound(log, mode, key, Math.floor(Math.random() * (fromSpawn ? 400 : 200)), fromSpawn)
      for (const id of r.acked) acked.add(id)
      if (r.recoveredBytes !== undefined) recoveries++
      // After every crash, the log (up to any torn record) must still verify — as a live log: a
      // checkpoint-mode writer that died leaves a tail its next session start will cover.
      if (existsSync(log)) {
        const midway = await verify(log, { publicKey: publicKeyPem, live: true })
        if (!midway.ok) expect(midway.code).toBe('AUDIT_TORN_RECORD')
      }
    }
    // The next signing session (as a restarted writer would open it) covers whatever a crashed
    // checkpoint-mode writer left unsigned: its signed session start chains over the whole log.
    const trail = await openAuditLog(log, { signingKey: key, mode: 'every' })
    if (trail.recovery !== undefined) recoveries++
    await trail.close()
    const result = await verify(log, { publicKey: publicKeyPem })
    expect(result).toMatchObject({ ok: true, unsignedTail: 0 })
    const text = readFileSync(log, 'utf8')
    const stored = new Set(text.split('\n').slice(0, -1).map((l) => (JSON.parse(l) as { id: string }).id))
    const lost = [...acked].filter((id) => !stored.has(id))
    expect(acked.size).toBeGreaterThan(ROUNDS)
    expect(lost).toEqual([])
    expect(text).not.toContain('must-not-appear')
    // Informational: how often a kill tore a record (SIGKILL rarely interrupts a write mid-way).
    console.info(`crash test: ${ROUNDS} kills, ${acked.size} acknowledged events, ${stored.size} stored, ${recoveries} torn-tail recoveries`)
  })
})
