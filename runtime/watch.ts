/**
 * Hot reload: watch a directory of policy files, and on change validate the whole directory
 * and swap it in atomically. A broken edit leaves the old set serving and is reported.
 */
import { watch as fsWatch, readdirSync, readFileSync, statSync, type FSWatcher } from 'node:fs'
import { join, relative } from 'node:path'
import type { PolicySource } from '../compiler/pipeline.js'
import type { Engine, LoadResult } from './engine.js'

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
  /** Milliseconds to wait for a burst of changes to settle. */
  readonly debounceMs?: number
}

/** Reads every .policy/.symbi file under a directory, sorted by path. */
export function readPolicyDir(dir: string): PolicySource[] {
  const out: PolicySource[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue
      const full = join(d, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (name.endsWith('.policy') || name.endsWith('.symbi')) out.push({ name: relative(dir, full), source: readFileSync(full, 'utf8') })
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
  const reload = (): LoadResult => {
    let result: LoadResult
    try {
      result = engine.load(readPolicyDir(dir))
    } catch (e) {
      // An unreadable directory is a failed reload: the serving set stays.
      const message = e instanceof Error ? e.message : String(e)
      result = { ok: false, version: engine.version, files: [{ name: dir, diagnostics: [{ code: 'CHECK050', severity: 'error', message, span: { start: 0, end: 0 } }] }] }
    }
    options.onReload?.(result)
    return result
  }
  reload()
  let timer: NodeJS.Timeout | undefined
  let watcher: FSWatcher | undefined = fsWatch(dir, { recursive: true }, () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(reload, options.debounceMs ?? 50)
  })
  return {
    close() {
      if (timer) clearTimeout(timer)
      watcher?.close()
      watcher = undefined
    },
    reload,
  }
}
