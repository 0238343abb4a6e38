import { readdirSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { describeFsError, readRegularFileSync } from '../runtime/regular-file.js'
import { UsageError } from './io.js'

/** Source extensions the policy commands read. */
export const POLICY_EXTENSIONS = ['.policy', '.symbi'] as const

/** A source file read from disk. */
export interface SourceFile {
  /** Path as the user should see it (relative to the working directory when inside it). */
  readonly path: string
  /** File contents. */
  readonly text: string
}

/**
 * Expands files and directories (recursively, sorted, skipping dot-directories and
 * node_modules) into the files with the given extensions. A missing path is a usage error.
 */
export function collectFiles(inputs: readonly string[], cwd: string, extensions: readonly string[] = POLICY_EXTENSIONS): string[] {
  const out: string[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue
      const full = join(dir, name)
      let st
      try {
        st = statSync(full)
      } catch (e) {
        throw new UsageError(`cannot read '${full}': ${describeFsError(e)}`)
      }
      if (st.isDirectory()) walk(full)
      else if (extensions.some((e) => name.endsWith(e))) out.push(full)
    }
  }
  for (const input of inputs) {
    const full = resolve(cwd, input)
    let st
    try {
      st = statSync(full)
    } catch (e) {
      throw new UsageError(`cannot read '${input}': ${describeFsError(e)}`)
    }
    if (st.isDirectory()) walk(full)
    else out.push(full)
  }
  return out
}

/** Reads files, naming each by its path relative to `cwd`. Unreadable files are usage errors. */
export function readSources(paths: readonly string[], cwd: string): SourceFile[] {
  return paths.map((p) => {
    const rel = relative(cwd, p)
    const path = rel.startsWith('..') ? p : rel
    try {
      return { path, text: readRegularFileSync(p, path) }
    } catch (e) {
      // FIFOs, sockets and devices are refused: reading one would block or never end.
      throw new UsageError(e instanceof Error ? e.message : String(e))
    }
  })
}
