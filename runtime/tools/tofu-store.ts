import { randomBytes } from 'node:crypto'
import { lstatSync, readFileSync, statSync } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { HealthTracker, type StoreHealth } from '../store-health.js'
import { keyIdOf, loadPublicKey } from './schema-pin.js'

/** One pinned provider key. */
export interface PinnedKey {
  /** `sha256:<hex of SPKI DER>`. */
  readonly keyId: string
  /** The key as SPKI PEM. */
  readonly publicKey: string
  /** When it was pinned (ISO 8601). */
  readonly pinnedAt: string
}

/** Result of checking a provider key against the store. */
export interface TrustCheck {
  /** `pinned`: matched the pinned key; `first_use`: no key was pinned and this one now is. */
  readonly status: 'pinned' | 'first_use'
  /** Key id of the presented key. */
  readonly keyId: string
}

/**
 * What the tool verifier needs of a key store: the file store below, or a shared one (the
 * service's PostgreSQL store), where first use must win atomically across processes.
 */
export interface KeyTrustStore {
  /** Pins on first contact; throws `KeyMismatchError` / `UnknownProviderError` otherwise. */
  check(provider: string, publicKey: string): Promise<TrustCheck>
  /** The pinned key of a provider, without pinning anything. */
  lookup(provider: string): Promise<Pick<PinnedKey, 'keyId'> | undefined>
  /**
   * Whether the last read or write of the store worked (a service's readiness and status);
   * a mismatch or an unknown provider is a verdict, not a failure.
   */
  health?(): StoreHealth
}

/** The presented key differs from the one pinned for the provider: the tool must be blocked. */
export class KeyMismatchError extends Error {
  override readonly name = 'KeyMismatch'
  constructor(
    /** Provider name. */
    readonly provider: string,
    /** Key id pinned in the store. */
    readonly pinnedKeyId: string,
    /** Key id presented now. */
    readonly presentedKeyId: string,
  ) {
    super(`KeyMismatch: provider '${provider}' is pinned to ${pinnedKeyId} but presented ${presentedKeyId}`)
  }
}

/** Closed-world mode met a provider with no pinned key. */
export class UnknownProviderError extends Error {
  override readonly name = 'UnknownProvider'
  constructor(
    /** Provider name. */
    readonly provider: string,
  ) {
    super(`unknown provider '${provider}': the key store is closed-world and has no key pinned for it`)
  }
}

/** The store file cannot be trusted (bad permissions, corrupt, tampered) or written. */
export class TrustStoreError extends Error {
  override readonly name = 'TrustStoreError'
}

/** Options of a TOFU key store. */
export interface TofuStoreOptions {
  /** Path of the JSON store file (created with mode 0600 on first pin). */
  readonly path: string
  /** Refuse providers with no pinned key instead of pinning on first use. */
  readonly closedWorld?: boolean
  /** Clock for `pinnedAt`; default `Date.now`. */
  readonly clock?: () => number
  /** How long a writer waits for the store's lock file; default 2000 ms. */
  readonly lockTimeoutMs?: number
  /** Age after which a lock file is taken to be left over by a crashed writer; default 30 000 ms. */
  readonly staleLockMs?: number
}

interface StoreFile {
  version: 1
  providers: Record<string, PinnedKey>
}

/**
 * Trust-on-first-use store of provider keys. The file is read and verified again on every
 * call, so an edit between calls is noticed: wrong permissions, unparsable JSON, unknown
 * fields or a `keyId` that does not match its `publicKey` are all `TrustStoreError` (fail
 * closed). Writes go to a 0600 temp file that is fsynced and renamed over the store.
 * Calls on one instance are serialized; writers (in this or other processes) also take a
 * lock file, and re-read under it, so concurrent first contacts cannot lose a pin.
 */
export class TofuKeyStore implements KeyTrustStore {
  private chain: Promise<unknown> = Promise.resolve()
  private readonly tracker = new HealthTracker('file')

  constructor(private readonly options: TofuStoreOptions) {
    if (typeof options?.path !== 'string' || options.path === '') throw new TrustStoreError('key store path must be a non-empty string')
  }

  /** Checks a provider's key: pins it on first contact, throws `KeyMismatchError` / `UnknownProviderError` otherwise. */
  check(provider: string, publicKey: string): Promise<TrustCheck> {
    return this.serial(async () => {
      checkProvider(provider)
      const keyId = keyIdOf(publicKey)
      const known = (store: StoreFile): TrustCheck | undefined => {
        const pinned = Object.hasOwn(store.providers, provider) ? store.providers[provider] : undefined
        if (pinned === undefined) return undefined
        if (pinned.keyId !== keyId) throw new KeyMismatchError(provider, pinned.keyId, keyId)
        return { status: 'pinned', keyId }
      }
      const hit = known(await this.read())
      if (hit !== undefined) return hit
      if (this.options.closedWorld === true) throw new UnknownProviderError(provider)
      return this.locked(async () => {
        // Read again under the lock: another process may have pinned this provider meanwhile.
        const store = await this.read()
        const raced = known(store)
        if (raced !== undefined) return raced
        setProvider(store, provider, this.entry(publicKey, keyId))
        await this.write(store)
        return { status: 'first_use', keyId }
      })
    })
  }

  /** Looks up a provider without pinning anything. */
  lookup(provider: string): Promise<PinnedKey | undefined> {
    return this.serial(async () => {
      checkProvider(provider)
      const store = await this.read()
      return Object.hasOwn(store.providers, provider) ? store.providers[provider] : undefined
    })
  }

  /** Pins a key explicitly (how a closed-world store is filled). A different existing pin is a `KeyMismatchError` unless `replace`. */
  pin(provider: string, publicKey: string, replace = false): Promise<PinnedKey> {
    return this.serial(async () => {
      checkProvider(provider)
      const keyId = keyIdOf(publicKey)
      return this.locked(async () => {
        const store = await this.read()
        const existing = Object.hasOwn(store.providers, provider) ? store.providers[provider] : undefined
        if (existing !== undefined && existing.keyId === keyId) return existing
        if (existing !== undefined && !replace) throw new KeyMismatchError(provider, existing.keyId, keyId)
        const entry = this.entry(publicKey, keyId)
        setProvider(store, provider, entry)
        await this.write(store)
        return entry
      })
    })
  }

  private entry(publicKey: string, keyId: string): PinnedKey {
    const pem = loadPublicKey(publicKey).export({ type: 'spki', format: 'pem' }).toString()
    return { keyId, publicKey: pem, pinnedAt: new Date((this.options.clock ?? Date.now)()).toISOString() }
  }

  /**
   * Runs a read-modify-write under `<path>.lock`, created with O_EXCL, so that separate
   * processes cannot lose each other's pins. A lock older than `staleLockMs` is taken to
   * belong to a crashed writer and removed; failing to get the lock in time is a
   * `TrustStoreError` (fail closed).
   */
  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = `${this.options.path}.lock`
    const deadline = Date.now() + (this.options.lockTimeoutMs ?? 2000)
    const stale = this.options.staleLockMs ?? 30_000
    for (;;) {
      try {
        await (await open(lock, 'wx', 0o600)).close()
        break
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new TrustStoreError(`key store ${this.options.path}: cannot create lock: ${(e as Error).message}`)
        try {
          if (Date.now() - statSync(lock).mtimeMs > stale) {
            await unlink(lock)
            continue
          }
        } catch {
          continue
        }
        if (Date.now() > deadline) throw new TrustStoreError(`key store ${this.options.path}: locked by another writer (${lock})`)
        await new Promise((r) => setTimeout(r, 5))
      }
    }
    try {
      return await fn()
    } finally {
      await unlink(lock).catch(() => undefined)
    }
  }

  health(): StoreHealth {
    return this.tracker.health()
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn)
    this.chain = run.catch(() => undefined)
    return run
  }

  // Reads and writes of the file are what `health()` reports (not bad input, not verdicts).
  private read(): Promise<StoreFile> {
    return this.tracker.track(() => this.readFile())
  }

  private write(store: StoreFile): Promise<void> {
    return this.tracker.track(() => this.writeFile(store))
  }

  /**
   * Reads synchronously: the store is a small local file read on every call, and two thread-pool
   * round trips per read cost more than the read itself (bench/enforcement-points.mjs).
   */
  private async readFile(): Promise<StoreFile> {
    const path = this.options.path
    let info
    try {
      info = lstatSync(path)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, providers: {} }
      throw new TrustStoreError(`key store ${path}: cannot stat: ${(e as Error).message}`)
    }
    if (!info.isFile()) throw new TrustStoreError(`key store ${path}: not a regular file${info.isSymbolicLink() ? ' (symbolic link refused)' : ''}`)
    const mode = info.mode & 0o777
    if (mode !== 0o600) throw new TrustStoreError(`key store ${path}: permissions are ${mode.toString(8).padStart(4, '0')}, expected 0600`)
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'))
    } catch (e) {
      throw new TrustStoreError(`key store ${path}: corrupt (not valid JSON: ${(e as Error).message})`)
    }
    return validateStore(parsed, path)
  }

  private async writeFile(store: StoreFile): Promise<void> {
    const path = this.options.path
    const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`
    try {
      const fh = await open(tmp, 'wx', 0o600)
      try {
        await fh.chmod(0o600)
        await fh.writeFile(`${JSON.stringify(store, null, 2)}\n`, 'utf8')
        await fh.sync()
      } finally {
        await fh.close()
      }
      await rename(tmp, path)
      const dir = await open(dirname(path), 'r')
      try {
        await dir.sync()
      } catch {
        // Some file systems refuse fsync on directories; the rename itself is still atomic.
      } finally {
        await dir.close()
      }
    } catch (e) {
      await unlink(tmp).catch(() => undefined)
      throw new TrustStoreError(`key store ${path}: cannot write: ${(e as Error).message}`)
    }
  }
}

function checkProvider(provider: unknown): asserts provider is string {
  if (typeof provider !== 'string' || provider === '') throw new TrustStoreError('provider must be a non-empty string')
}

/** Validates the parsed store strictly; every entry's key id must be the hash of its key. */
function validateStore(parsed: unknown, path: string): StoreFile {
  const bad = (what: string): never => {
    throw new TrustStoreError(`key store ${path}: tampered or corrupt: ${what}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('top level is not an object')
  const top = parsed as Record<string, unknown>
  for (const k of Object.keys(top)) if (k !== 'version' && k !== 'providers') bad(`unknown field '${k}'`)
  if (top['version'] !== 1) bad(`unsupported version ${JSON.stringify(top['version'] ?? null)}`)
  const providers = top['providers']
  if (typeof providers !== 'object' || providers === null || Array.isArray(providers)) return bad("'providers' is not an object")
  const out: Record<string, PinnedKey> = {}
  for (const [name, raw] of Object.entries(providers as Record<string, unknown>)) {
    const where = `providers['${name}']`
    if (name === '') bad('empty provider name')
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(`${where} is not an object`)
    const e = raw as Record<string, unknown>
    for (const k of Object.keys(e)) if (k !== 'keyId' && k !== 'publicKey' && k !== 'pinnedAt') bad(`${where}: unknown field '${k}'`)
    const { keyId, publicKey, pinnedAt } = e
    if (typeof keyId !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(keyId)) bad(`${where}.keyId is not sha256:<64 hex>`)
    if (typeof publicKey !== 'string') return bad(`${where}.publicKey is not a string`)
    if (typeof pinnedAt !== 'string' || Number.isNaN(Date.parse(pinnedAt))) bad(`${where}.pinnedAt is not a timestamp`)
    let actual: string
    try {
      actual = keyIdOf(publicKey)
    } catch (err) {
      return bad(`${where}.publicKey is not a P-256 public key (${(err as Error).message})`)
    }
    if (actual !== keyId) bad(`${where}.keyId does not match its publicKey`)
    setProvider({ version: 1, providers: out }, name, { keyId: keyId as string, publicKey, pinnedAt: pinnedAt as string })
  }
  return { version: 1, providers: out }
}

/** Sets an entry without ever touching a prototype (a provider may be called `__proto__`). */
function setProvider(store: StoreFile, name: string, entry: PinnedKey): void {
  Object.defineProperty(store.providers, name, { value: entry, enumerable: true, writable: true, configurable: true })
}
