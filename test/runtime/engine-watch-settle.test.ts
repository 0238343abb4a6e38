/**
 * Issue 9 item 8 (SEMANTICS.md §8): hot reload settles, then validates, then swaps. A file being
 * written slowly, byte by byte, is a valid but truncated policy set at many moments (empty, cut
 * before the deny rule); on dbb8d23 such a moment was loaded and the banned user was allowed
 * until the rest of the file landed. Here a loop decides continuously while the deny file is
 * rewritten a few bytes at a time, and no decision in the window may be more permissive than
 * both the old and the new set (both deny mallory).
 */
import { spawnSync } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createEngine, type LoadResult, type PolicyWatcher } from '../../index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'

const mallory: AuthzRequest = { principal: { id: 'mallory' }, action: 'read' }
const alice: AuthzRequest = { principal: { id: 'alice' }, action: 'read' }
const OLD_DENY = 'policy bans {\n  deny: read if principal.id == "mallory"\n}\n'
// The new content: a comment and a second deny first, so early prefixes parse without the mallory rule.
const NEW_DENY = '// banned principals\npolicy bans {\n  deny: read if principal.id == "eve"\n  deny: read if principal.id == "mallory"\n}\n'

let dir: string
let watcher: PolicyWatcher | undefined
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-settle-'))
})

afterEach(() => {
  watcher?.close()
  watcher = undefined
  rmSync(dir, { recursive: true, force: true })
})

describe('watch settles before it swaps', () => {
  it('never serves a half-written deny file, not for one request', async () => {
    writeFileSync(join(dir, 'allow.policy'), 'policy open {\n  allow: read\n}\n')
    writeFileSync(join(dir, 'bans.policy'), OLD_DENY)
    const engine = createEngine()
    const versions: number[] = []
    // The default settle period: a writer's pauses of 120 ms (a slow upload) must not be taken for the end.
    watcher = engine.watch(dir, { onReload: (r) => void (r.ok && versions.push(r.version)) })
    expect(engine.evaluate(mallory).effect).toBe('deny')
    let decisions = 0
    let allowedMallory = 0
    let writing = true
    const decide = (async () => {
      while (writing) {
        if (engine.evaluate(mallory).effect !== 'deny') allowedMallory++
        decisions++
        await sleep(1)
      }
    })()
    // Truncate, then append a few bytes every 10 ms: the file passes through many valid prefixes.
    // The writer stalls for 120 ms right after truncating and again once the first deny is in.
    writeFileSync(join(dir, 'bans.policy'), '')
    await sleep(120)
    const stallAt = NEW_DENY.indexOf('  deny: read if principal.id == "mallory"')
    for (let i = 0; i < NEW_DENY.length; i += 3) {
      appendFileSync(join(dir, 'bans.policy'), NEW_DENY.slice(i, i + 3))
      await sleep(i <= stallAt && stallAt < i + 3 ? 120 : 10)
    }
    // Let it settle and swap, still deciding.
    const start = Date.now()
    while (engine.version < 2 && Date.now() - start < 5000) await sleep(10)
    writing = false
    await decide
    expect(decisions).toBeGreaterThan(50)
    expect(allowedMallory).toBe(0)
    expect(engine.version).toBe(2)
    expect(versions).toEqual([1, 2])
    expect(engine.evaluate(mallory).effect).toBe('deny')
    expect(engine.evaluate({ principal: { id: 'eve' }, action: 'read' }).effect).toBe('deny')
    expect(engine.evaluate(alice).effect).toBe('allow')
  })

  it('a deleted file is an edit like any other once stable', async () => {
    writeFileSync(join(dir, 'allow.policy'), 'policy open {\n  allow: read\n}\n')
    writeFileSync(join(dir, 'bans.policy'), OLD_DENY)
    const engine = createEngine()
    watcher = engine.watch(dir, { settleMs: 50 })
    expect(engine.evaluate(mallory).effect).toBe('deny')
    unlinkSync(join(dir, 'bans.policy'))
    const start = Date.now()
    while (engine.version < 2 && Date.now() - start < 5000) await sleep(10)
    expect(engine.version).toBe(2)
    expect(engine.evaluate(mallory).effect).toBe('allow')
  })

  it('refuses a settle period that is not a number', () => {
    expect(() => createEngine().watch(dir, { settleMs: Number.NaN })).toThrow(/settleMs/)
  })

  it('a FIFO named like a policy file fails the load instead of blocking the process', async () => {
    writeFileSync(join(dir, 'allow.policy'), 'policy open {\n  allow: read\n}\n')
    const r = spawnSync('mkfifo', [join(dir, 'pipe.policy')])
    expect(r.status).toBe(0)
    const engine = createEngine()
    const results: LoadResult[] = []
    const start = Date.now()
    watcher = engine.watch(dir, { settleMs: 20, onReload: (x) => void results.push(x) })
    expect(Date.now() - start).toBeLessThan(2000)
    // The failed load is reported and nothing serves (deny everything), as for any unreadable directory.
    expect(results.map((x) => x.ok)).toEqual([false])
    expect(JSON.stringify(results[0]?.files)).toMatch(/pipe\.policy': a FIFO, not a regular file/)
    expect(engine.evaluate({ principal: { id: 'a' }, action: 'read' }).effect).toBe('deny')
  })
})
