/**
 * A small set of records kept in one JSON file (`{"<list>": […]}`, 0600, rewritten atomically on
 * every change): the persistence of containment decisions — suspended agents, quarantined skills
 * — that a restart must not lift. A file that exists but cannot be read or parsed is an error,
 * never an empty set: starting with none because the file was damaged would lift them all.
 */
import { existsSync, readFileSync } from 'node:fs'
import { writeFileAtomic } from './durable-write.js'

export class RecordFile<T> {
  constructor(
    readonly path: string,
    /** The field of the top-level object that holds the list, and what the file is called in errors. */
    private readonly list: string,
    private readonly what: string,
  ) {}

  /** The stored records, each checked by `parse` (which throws naming what is wrong). */
  read(parse: (v: unknown, where: string) => T): T[] {
    if (!existsSync(this.path)) return []
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(this.path, 'utf8'))
    } catch (e) {
      throw new Error(`${this.what} ${this.path} cannot be read: ${e instanceof Error ? e.message : String(e)}`)
    }
    const items = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>)[this.list] : undefined
    if (!Array.isArray(items) || !Object.hasOwn(parsed as object, this.list)) throw new Error(`${this.what} ${this.path}: expected {"${this.list}": [...]}`)
    return items.map((v, i) => parse(v, `${this.what} ${this.path}, ${this.list}[${i}]`))
  }

  write(records: readonly T[]): void {
    writeFileAtomic(this.path, `${JSON.stringify({ [this.list]: records }, null, 2)}\n`)
  }
}

/**
 * The fields every containment record has — who or what (`key`, a non-empty string), since when
 * (milliseconds) and why — checked, with the record for any fields of its own; throws naming
 * what is wrong, prefixed by `where`.
 */
export function heldFields(v: unknown, where: string, what: string, key: string): { readonly id: string; readonly since: number; readonly reason: string; readonly record: Record<string, unknown> } {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`${where}: a ${what} must be an object`)
  const r = v as Record<string, unknown>
  const id = r[key]
  const since = r['since']
  const reason = r['reason']
  if (typeof id !== 'string' || id === '') throw new Error(`${where}: '${key}' must be a non-empty string`)
  if (typeof since !== 'number' || !Number.isFinite(since)) throw new Error(`${where}: 'since' must be a time in milliseconds`)
  if (typeof reason !== 'string') throw new Error(`${where}: 'reason' must be a string`)
  return { id, since, reason, record: r }
}
