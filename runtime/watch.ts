/**
 * Hot reload: watch a directory of policy files, and on change — once the files have settled —
 * validate the whole directory and swap it in atomically. A broken edit leaves the old set
 * serving and is reported.
 *
 * Settle, then validate, then swap (SEMANTICS.md §8). A file caught mid-write can be a valid
 * policy set that lacks a deny (cut right before the rule, or empty), so "it loads" is no proof
 * that it is finished. A change is applied only after two reads of the directory, `settleMs`
 * apart with no change event between them, see the same files with the same contents; what is
 * loaded is exactly what was read and compared. A writer that keeps writing (a slow `cat > f`,
 * an upload) keeps the old set serving until it stops.
 */
import { watch as fsWatch, readdirSync, statSync, type FSWatcher } from 'node:fs'
import { join, relative } from 'node:path'
import type { PolicySource } from '../compiler/pipeline.js'
import type { Engine, LoadResult } from './engine.js'
import { readRegularFileSync } from './regular-file.js'

/** A running watcher. */
export interface PolicyWatcher {
  /** Stops watching. */
  close(): void
  /** Reloads now (also what a change triggers). */
  reload(): LoadResult
}

/** Options of `watchPolicies`. */
export interface WatchOptions {
  /** Called after every reload attempt, successful or not. */
  readonly onReload?: (result: LoadResult) => void
  /** Milliseconds the files must stay unchanged before a change is applied (default 250). */
  readonly settleMs?: number
  /** Older name of `settleMs`. */
  readonly debounceMs?: number
}

/** Default settle period: longer than the pauses of an ordinary writer, short for a human. */
export const DEFAULT_SETTLE_MS = 250

/** Reads every .policy/.symbi file under a directory, sorted by path. */
export function readPolicyDir(dir: string): PolicySource[] {
  const out: PolicySource[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue
      const full = join(d, name)
      if (statSync(full).isDirectory()) walk(full)
      // A FIFO or device named *.policy would block a plain read (and the whole process) forever.
      else if (name.endsWith('.policy') || name.endsWith('.symbi')) out.push({ name: relative(dir, full), source: readRegularFileSync(full, relative(dir, full)) })
    }
  }
  walk(dir)
  return out
}

/** Loads the directory now, then reloads it whenever it changes. */
export function watchPolicies(engine: Engine, dir: string, options: WatchOptions = {}): PolicyWatcher {
  let isDir = false
  try {
    isDir = statSync(dir).isDirectory()
  } catch {
    // reported below
  }
  if (!isDir) throw new Error(`cannot watch '${dir}': not a directory`)
  const settleMs = options.settleMs ?? options.debounceMs ?? DEFAULT_SETTLE_MS
  if (!Number.isFinite(settleMs) || settleMs < 0) throw new RangeError(`watch: settleMs must be a non-negative number (got ${String(settleMs)})`)
  const failed = (e: unknown): LoadResult => {
    // An unreadable directory is a failed reload: the serving set stays.
    const message = e instanceof Error ? e.message : String(e)
    return { ok: false, version: engine.version, files: [{ name: dir, diagnostics: [{ code: 'CHECK050', severity: 'error', message, span: { start: 0, end: 0 } }] }] }
  }
  const apply = (sources: PolicySource[] | undefined, error?: unknown): LoadResult => {
    const result = sources === undefined ? failed(error) : engine.load(sources)
    options.onReload?.(result)
    return result
  }
  const read = (): { sources?: PolicySource[]; error?: unknown } => {
    try {
      return { sources: readPolicyDir(dir) }
    } catch (e) {
      return { error: e }
    }
  }
  /** Reads now and loads what it read: the explicit `reload()` and the initial load. */
  const reload = (): LoadResult => {
    const r = read()
    return apply(r.sources, r.error)
  }
  reload()
  let timer: NodeJS.Timeout | undefined
  /** The previous read since the last change event; a change is applied when the next read equals it. */
  let previous: { sources?: PolicySource[]; error?: unknown } | undefined
  const check = (): void => {
    timer = undefined
    const now = read()
    if (previous !== undefined && sameRead(previous, now)) {
      previous = undefined
      apply(now.sources, now.error)
      return
    }
    previous = now
    timer = setTimeout(check, settleMs)
  }
  let watcher: FSWatcher | undefined = fsWatch(dir, { recursive: true }, () => {
    // Any change restarts the settle period from scratch.
    previous = undefined
    if (timer) clearTimeout(timer)
    timer = setTimeout(check, settleMs)
  })
  return {
    close() {
      if (timer) clearTimeout(timer)
      timer = undefined
      watcher?.close()
      watcher = undefined
    },
    reload,
  }
}

function sameRead(a: { sources?: PolicySource[]; error?: unknown }, b: { sources?: PolicySource[]; error?: unknown }): boolean {
  if (a.sources === undefined || b.sources === undefined) return a.sources === b.sources && String(a.error) === String(b.error)
  if (a.sources.length !== b.sources.length) return false
  return a.sources.every((s, i) => s.name === b.sources?.[i]?.name && s.source === b.sources[i]?.source)
}
