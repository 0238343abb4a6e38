/**
 * The set of policy files the server knows: every `.policy`/`.symbi` under the workspace roots
 * (read from disk once, then kept current by change notifications) with open documents taking
 * precedence over disk. Checking is per *set*, as the engine loads it, so a policy name used in
 * two files is reported in both.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Where the server looks and how it checks. */
export interface WorkspaceOptions {
  /** Folders to scan for policy files. */
  readonly roots: readonly string[]
  /** A schema file given on the command line or in settings; else `symbi-policy.json` in a root. */
  readonly schemaPath?: string
  /** Report seed extensions as errors. */
  readonly strict: boolean
}

/** Directories never scanned: dependencies, build output and VCS metadata. */
const SKIP = new Set(['node_modules', '.git', 'dist', '.stryker-tmp', 'coverage'])
/** Enough for any real repository; a bound so that opening `/` cannot take the server down. */
const MAX_FILES = 20_000
const MAX_FILE_BYTES = 4 * 1024 * 1024
/** Total text read from disk: a workspace of huge generated files must not exhaust memory. */
const MAX_TOTAL_BYTES = 256 * 1024 * 1024
export const SCHEMA_FILE = 'symbi-policy.json'

export function isPolicyPath(path: string): boolean {
  return path.endsWith('.policy') || path.endsWith('.symbi')
}

export function uriToPath(uri: string): string | undefined {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : undefined
  } catch {
    return undefined
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href
}

/** The schema as found: its parsed JSON, or why it could not be read. */
export type SchemaSource = { readonly uri: string; readonly json: unknown } | { readonly uri: string; readonly error: string } | undefined

export class Workspace {
  private readonly disk = new Map<string, string>()
  private diskBytes = 0
  private readonly open = new Map<string, string>()
  private generation = 0

  constructor(readonly options: WorkspaceOptions) {
    for (const root of options.roots) this.scan(root)
  }

  /** Bumped on every change; analyses are cached against it. */
  get version(): number {
    return this.generation
  }

  setOpen(uri: string, text: string): void {
    this.open.set(uri, text)
    this.generation++
  }

  close(uri: string): void {
    this.open.delete(uri)
    // A closed file falls back to what is on disk (or leaves the set if it was never saved).
    const path = uriToPath(uri)
    this.forget(uri)
    if (path !== undefined && isPolicyPath(path)) this.readDisk(path)
    this.generation++
  }

  private forget(uri: string): void {
    this.diskBytes -= this.disk.get(uri)?.length ?? 0
    this.disk.delete(uri)
  }

  /** A file changed, appeared or vanished on disk (workspace/didChangeWatchedFiles). */
  diskChanged(uri: string): void {
    const path = uriToPath(uri)
    this.forget(uri)
    if (path !== undefined && isPolicyPath(path) && existsSync(path)) this.readDisk(path)
    this.generation++
  }

  text(uri: string): string | undefined {
    return this.open.get(uri) ?? this.disk.get(uri)
  }

  isOpen(uri: string): boolean {
    return this.open.has(uri)
  }

  /** Every file of the set in a stable order (URI order), open documents over disk. */
  files(): { uri: string; text: string }[] {
    const uris = new Set([...this.disk.keys(), ...[...this.open.keys()].filter((u) => isPolicyPath(u))])
    return [...uris].sort().map((uri) => ({ uri, text: this.text(uri) ?? '' }))
  }

  schema(): SchemaSource {
    const candidates = this.options.schemaPath !== undefined ? [this.options.schemaPath] : this.options.roots.map((r) => join(r, SCHEMA_FILE))
    for (const path of candidates) {
      const uri = pathToUri(path)
      const text = this.open.get(uri) ?? (existsSync(path) ? safeRead(path) : undefined)
      if (text === undefined) {
        if (this.options.schemaPath !== undefined) return { uri, error: `schema file ${path} cannot be read` }
        continue
      }
      try {
        return { uri, json: JSON.parse(text) as unknown }
      } catch (e) {
        return { uri, error: `schema file ${basename(path)} is not JSON: ${e instanceof Error ? e.message : String(e)}` }
      }
    }
    return undefined
  }

  private scan(root: string): void {
    const stack = [root]
    while (stack.length > 0 && this.disk.size < MAX_FILES && this.diskBytes < MAX_TOTAL_BYTES) {
      const dir = stack.pop() as string
      let entries
      try {
        entries = readdirSync(dir, { withFileTypes: true })
      } catch {
        continue
      }
      for (const e of entries) {
        // Symbolic links are not followed: a link cycle must not hang the scan.
        if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) stack.push(join(dir, e.name))
        else if (e.isFile() && isPolicyPath(e.name)) this.readDisk(join(dir, e.name))
      }
    }
  }

  private readDisk(path: string): void {
    const text = safeRead(path)
    if (text === undefined || this.diskBytes + text.length > MAX_TOTAL_BYTES) return
    this.diskBytes += text.length
    this.disk.set(pathToUri(path), text)
  }
}

function safeRead(path: string): string | undefined {
  try {
    const st = statSync(path)
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
