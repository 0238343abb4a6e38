/**
 * Hot reload: engine.watch(dir) validates the whole directory on every change and swaps it in
 * atomically. A broken edit leaves the old set serving; a good edit bumps the version;
 * rollback restores the previous behaviour under a new version; cached decisions never survive
 * a swap.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createEngine, readPolicyDir, type LoadResult, type PolicyWatcher } from '../../index.js'
import type { AuthzRequest } from '../../stdlib/decision.js'

const read: AuthzRequest = { principal: { id: 'alice' }, action: 'read', context: { user: { level: 3 } } }
const write: AuthzRequest = { principal: { id: 'alice' }, action: 'write', context: { user: { level: 3 } } }

let dir: string
let watcher: PolicyWatcher | undefined

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-watch-'))
})

afterEach(() => {
  watcher?.close()
  watcher = undefined
  rmSync(dir, { recursive: true, force: true })
})

/** Waits until `pred` holds (file events arrive asynchronously), or fails after `ms`. */
async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now()
  while (!pred()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting for a reload')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('engine.watch', () => {
  it('loads the directory at once, reloads on change, and keeps the old set on a broken edit', async () => {
    writeFileSync(join(dir, 'main.policy'), 'policy main { allow: read if user.level > 2 }')
    const engine = createEngine({ decisionCache: true })
    const results: LoadResult[] = []
    watcher = engine.watch(dir, { debounceMs: 10, onReload: (r) => results.push(r) })
    expect(results).toEqual([expect.objectContaining({ ok: true, version: 1 })])
    expect(engine.evaluate(read)).toMatchObject({ effect: 'allow', version: 1 })
    expect(engine.evaluate(write)).toMatchObject({ effect: 'deny', version: 1 })
    expect(engine.stats.cachedDecisions).toBe(2)

    // A broken edit: the old set keeps serving, and the failure is reported.
    writeFileSync(join(dir, 'main.policy'), 'policy main { allow: read if user.level > }')
    await until(() => results.length >= 2)
    const broken = results[results.length - 1] as LoadResult
    expect(broken.ok).toBe(false)
    expect(broken.version).toBe(1)
    expect(broken.files.flatMap((f) => f.diagnostics).some((d) => d.severity === 'error')).toBe(true)
    expect(engine.version).toBe(1)
    expect(engine.evaluate(read)).toMatchObject({ effect: 'allow', version: 1 })

    // A good edit: new version, and the cached allow for `write`'s deny is not served.
    writeFileSync(join(dir, 'main.policy'), 'policy main { allow: [read, write] if user.level > 2  deny: read }')
    await until(() => engine.version === 2)
    expect(results[results.length - 1]).toMatchObject({ ok: true, version: 2 })
    expect(engine.evaluate(read)).toMatchObject({ effect: 'deny', version: 2 })
    expect(engine.evaluate(write)).toMatchObject({ effect: 'allow', version: 2 })

    // Rollback restores the previous behaviour, under a new version number.
    expect(engine.rollback()).toMatchObject({ ok: true, version: 3 })
    expect(engine.evaluate(read)).toMatchObject({ effect: 'allow', version: 3 })
    expect(engine.evaluate(write)).toMatchObject({ effect: 'deny', version: 3 })
  })

  it('reloads the directory as a whole: an error in one file keeps every file at the old version', async () => {
    writeFileSync(join(dir, 'a.policy'), 'policy a { allow: read }')
    writeFileSync(join(dir, 'b.policy'), 'policy b { deny: write }')
    const engine = createEngine()
    const results: LoadResult[] = []
    watcher = engine.watch(dir, { debounceMs: 10, onReload: (r) => results.push(r) })
    expect(engine.evaluate(read).effect).toBe('allow')
    // A valid change to a.policy and an invalid b.policy in one burst: nothing changes.
    writeFileSync(join(dir, 'a.policy'), 'policy a { deny: read }')
    writeFileSync(join(dir, 'b.policy'), 'policy b { deny: write if }')
    await until(() => results.length >= 2 && results.slice(1).every((r) => !r.ok))
    expect(engine.version).toBe(1)
    expect(engine.evaluate(read)).toMatchObject({ effect: 'allow', version: 1 })
    writeFileSync(join(dir, 'b.policy'), 'policy b { deny: write }')
    await until(() => engine.version === 2)
    expect(engine.evaluate(read)).toMatchObject({ effect: 'deny', version: 2 })
  })

  it('picks up new files in subdirectories and ignores other files and dotfiles', async () => {
    writeFileSync(join(dir, 'a.policy'), 'policy a { allow: read }')
    writeFileSync(join(dir, 'notes.txt'), 'policy junk {')
    writeFileSync(join(dir, '.swap.policy'), 'policy junk {')
    const engine = createEngine()
    watcher = engine.watch(dir, { debounceMs: 10 })
    expect(engine.version).toBe(1)
    mkdirSync(join(dir, 'team'))
    writeFileSync(join(dir, 'team', 'b.symbi'), 'policy b { deny: read }')
    await until(() => engine.evaluate(read).effect === 'deny')
    expect(readPolicyDir(dir).map((s) => s.name)).toEqual(['a.policy', join('team', 'b.symbi')])
  })

  it('stops reloading after close', async () => {
    writeFileSync(join(dir, 'a.policy'), 'policy a { allow: read }')
    const engine = createEngine()
    watcher = engine.watch(dir, { debounceMs: 10 })
    watcher.close()
    writeFileSync(join(dir, 'a.policy'), 'policy a { deny: read }')
    await new Promise((r) => setTimeout(r, 300))
    expect(engine.version).toBe(1)
    expect(engine.evaluate(read).effect).toBe('allow')
  })

  it('reload() reloads now and hits the compile cache for unchanged content', () => {
    writeFileSync(join(dir, 'a.policy'), 'policy a { allow: read }')
    const engine = createEngine()
    watcher = engine.watch(dir, { debounceMs: 10_000 })
    expect(watcher.reload()).toMatchObject({ ok: true, version: 2 })
    expect(engine.stats).toMatchObject({ compileHits: 1, compileMisses: 1 })
  })

  it('refuses a missing directory up front with an error naming it, and serves nothing', () => {
    const engine = createEngine()
    const results: LoadResult[] = []
    expect(() => {
      watcher = engine.watch(join(dir, 'nope'), { onReload: (r) => results.push(r) })
    }).toThrow(/cannot watch '.*nope': not a directory/)
    expect(results).toEqual([])
    expect(engine.version).toBe(0)
    expect(engine.evaluate(read).effect).toBe('deny')
  })
})
