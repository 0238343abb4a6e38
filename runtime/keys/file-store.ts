/**
 * The default key store: one JSON file per key under `<dir>/keys/`, and the revocation list in
 * `<dir>/revocations.json`. Files are 0600 in a 0700 directory and are written atomically
 * (a temporary file, fsync, rename), so a crash leaves the old record or the new one.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { writeFileAtomic } from '../durable-write.js'
import { join } from 'node:path'
import { KeyError } from './errors.js'
import type { KeyRecord, RevocationList } from './records.js'

/**
 * Where key records and the revocation list live. Reads are synchronous (a store may serve
 * them from a snapshot it refreshes); writes may be asynchronous (a database), and the key
 * manager waits for them.
 */
export interface KeyStore {
  list(): KeyRecord[]
  get(id: string): KeyRecord | undefined
  put(record: KeyRecord): void | Promise<void>
  revocations(): RevocationList | undefined
  /**
   * Replaces the revocation list with `next(current)`, atomically: stores shared by replicas
   * read the current list under a lock, so two revocations at once both survive.
   */
  updateRevocations(next: (current: RevocationList | undefined) => RevocationList): void | Promise<void>
}

const KEY_ID = /^sha256:[0-9a-f]{64}$/

export function isKeyId(id: string): boolean {
  return KEY_ID.test(id)
}

export class FileKeyStore implements KeyStore {
  private readonly keysDir: string

  constructor(readonly dir: string) {
    this.keysDir = join(dir, 'keys')
    try {
      mkdirSync(this.keysDir, { recursive: true, mode: 0o700 })
    } catch (e) {
      throw new KeyError('store', `cannot create the key store at ${dir}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  private fileOf(id: string): string {
    // Ids reach the file system only after this check: no path from outside can name a file.
    if (!isKeyId(id)) throw new KeyError('unknown_key', `'${id}' is not a key id (sha256:<64 hex digits>)`)
    return join(this.keysDir, `${id.replace(':', '-')}.json`)
  }

  list(): KeyRecord[] {
    return readdirSync(this.keysDir)
      .filter((f) => /^sha256-[0-9a-f]{64}\.json$/.test(f))
      .map((f) => this.read(join(this.keysDir, f)))
      .sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id))
  }

  get(id: string): KeyRecord | undefined {
    const file = this.fileOf(id)
    try {
      return this.read(file)
    } catch (e) {
      if (e instanceof KeyError) throw e
      return undefined
    }
  }

  put(record: KeyRecord): void {
    writeFileAtomic(this.fileOf(record.id), `${JSON.stringify(record, null, 2)}\n`)
  }

  revocations(): RevocationList | undefined {
    let text: string
    try {
      text = readFileSync(join(this.dir, 'revocations.json'), 'utf8')
    } catch {
      return undefined
    }
    try {
      return JSON.parse(text) as RevocationList
    } catch {
      throw new KeyError('bad_record', `${join(this.dir, 'revocations.json')} is not JSON`)
    }
  }

  updateRevocations(next: (current: RevocationList | undefined) => RevocationList): void {
    // One process owns a file store; the read and the rename follow each other with no await.
    writeFileAtomic(join(this.dir, 'revocations.json'), `${JSON.stringify(next(this.revocations()), null, 2)}\n`)
  }

  private read(file: string): KeyRecord {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('absent')
      throw new KeyError('store', `cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`)
    }
    let r: unknown
    try {
      r = JSON.parse(text)
    } catch {
      throw new KeyError('bad_record', `${file} is not JSON`)
    }
    const rec = r as Partial<KeyRecord>
    if (typeof rec !== 'object' || rec === null || typeof rec.id !== 'string' || !isKeyId(rec.id) || (rec.kind !== 'root' && rec.kind !== 'agent' && rec.kind !== 'agreement') || typeof rec.publicKey !== 'string' || typeof rec.createdAt !== 'number' || typeof rec.privateKey !== 'object') {
      throw new KeyError('bad_record', `${file} is not a key record`)
    }
    return rec as KeyRecord
  }
}
