/**
 * Where `serve --bundle` gets bundles: a file path (re-read when it changes) or an HTTP(S) URL
 * (conditional GET with ETag / If-None-Match, bounded by a timeout and a size limit). Every
 * bundle is read and verified before it is offered; the last good one is kept on disk so a
 * restart serves it before the source answers.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, statSync } from 'node:fs'
import { open, readFile, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { BundleError } from './errors.js'
import { readBundleArchive } from './read.js'
import { verifyBundleFiles, type TrustedKey, type VerifiedBundle } from './verify.js'

/** Options of a {@link BundleSource}. */
export interface BundleSourceOptions {
  /** A file path or an `http://` / `https://` URL. */
  readonly location: string
  /** Keys a bundle must be signed by; empty accepts unsigned bundles. */
  readonly trusted: readonly TrustedKey[]
  /** Directory for the last good bundle; undefined keeps none. */
  readonly cacheDir?: string
  /** Bound on one fetch; default 10 s. */
  readonly fetchTimeoutMs?: number
  /** Largest archive accepted, in bytes; default 32 MiB. */
  readonly maxArchiveBytes?: number
}

/** What one poll found. */
export type PollResult =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'bundle'; readonly bundle: VerifiedBundle; readonly bytes: Buffer }
  | { readonly kind: 'error'; readonly code: string; readonly message: string }

const DEFAULT_FETCH_TIMEOUT_MS = 10_000
const DEFAULT_MAX_ARCHIVE = 32 * 1024 * 1024

function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location)
}

/** Polls one bundle location. Never throws: failures are results. */
export class BundleSource {
  readonly #o: BundleSourceOptions
  #etag: string | undefined
  #fileStamp: string | undefined
  readonly #cachePath: string | undefined

  constructor(options: BundleSourceOptions) {
    this.#o = options
    this.#cachePath = options.cacheDir === undefined ? undefined : join(options.cacheDir, `${createHash('sha256').update(options.location).digest('hex').slice(0, 24)}.tar.gz`)
  }

  /** The last good bundle kept on disk, verified again against today's keys; undefined if none or no longer valid. */
  async cached(): Promise<PollResult | undefined> {
    if (this.#cachePath === undefined) return undefined
    let bytes: Buffer
    try {
      bytes = await readFile(this.#cachePath)
    } catch {
      return undefined
    }
    return this.#verify(bytes, 'the cached bundle')
  }

  /** Fetches (or re-reads) the bundle when it changed and verifies it. */
  async poll(): Promise<PollResult> {
    try {
      const bytes = isUrl(this.#o.location) ? await this.#fetch() : await this.#read()
      if (bytes === undefined) return { kind: 'unchanged' }
      return await this.#verify(bytes, `bundle '${this.#o.location}'`)
    } catch (e) {
      if (e instanceof BundleError) return { kind: 'error', code: e.code, message: e.message }
      return { kind: 'error', code: 'BUNDLE_FETCH_FAILED', message: `cannot get bundle '${this.#o.location}': ${e instanceof Error ? e.message : String(e)}` }
    }
  }

  /** Keeps `bytes` as the last good bundle (temp file, fsync, rename; mode 0600). */
  async keep(bytes: Buffer): Promise<void> {
    if (this.#cachePath === undefined || this.#o.cacheDir === undefined) return
    mkdirSync(this.#o.cacheDir, { recursive: true, mode: 0o700 })
    const tmp = `${this.#cachePath}.${process.pid}.tmp`
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(bytes)
      await fh.sync()
    } finally {
      await fh.close()
    }
    try {
      await rename(tmp, this.#cachePath)
    } catch (e) {
      await unlink(tmp).catch(() => undefined)
      throw e
    }
  }

  async #verify(bytes: Buffer, what: string): Promise<PollResult> {
    try {
      const files = await readBundleArchive(bytes)
      return { kind: 'bundle', bundle: verifyBundleFiles(files, this.#o.trusted), bytes }
    } catch (e) {
      if (e instanceof BundleError) return { kind: 'error', code: e.code, message: `${what}: ${e.message}` }
      return { kind: 'error', code: 'BUNDLE_UNREADABLE', message: `${what}: ${e instanceof Error ? e.message : String(e)}` }
    }
  }

  async #read(): Promise<Buffer | undefined> {
    const st = statSync(this.#o.location)
    if (!st.isFile()) throw new BundleError('BUNDLE_UNREADABLE', `'${this.#o.location}' is not a regular file`)
    const stamp = `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`
    if (stamp === this.#fileStamp) return undefined
    const max = this.#o.maxArchiveBytes ?? DEFAULT_MAX_ARCHIVE
    if (st.size > max) throw new BundleError('BUNDLE_TOO_LARGE', `'${this.#o.location}' is ${st.size} bytes, over the ${max}-byte limit`)
    const bytes = await readFile(this.#o.location)
    this.#fileStamp = stamp
    return bytes
  }

  async #fetch(): Promise<Buffer | undefined> {
    const headers = new Headers()
    if (this.#etag !== undefined) headers.set('if-none-match', this.#etag)
    const res = await fetch(this.#o.location, { headers, redirect: 'error', signal: AbortSignal.timeout(this.#o.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS) })
    if (res.status === 304) {
      await res.body?.cancel()
      return undefined
    }
    if (res.status !== 200) {
      await res.body?.cancel()
      throw new BundleError('BUNDLE_UNREADABLE', `bundle server answered ${res.status} ${res.statusText} for '${this.#o.location}'`)
    }
    const max = this.#o.maxArchiveBytes ?? DEFAULT_MAX_ARCHIVE
    const declared = Number(res.headers.get('content-length') ?? '0')
    if (declared > max) {
      await res.body?.cancel()
      throw new BundleError('BUNDLE_TOO_LARGE', `bundle at '${this.#o.location}' is ${declared} bytes, over the ${max}-byte limit`)
    }
    const chunks: Uint8Array[] = []
    let total = 0
    if (res.body !== null) {
      for await (const c of res.body as AsyncIterable<Uint8Array>) {
        total += c.byteLength
        if (total > max) throw new BundleError('BUNDLE_TOO_LARGE', `bundle at '${this.#o.location}' is over the ${max}-byte limit`)
        chunks.push(c)
      }
    }
    this.#etag = res.headers.get('etag') ?? undefined
    return Buffer.concat(chunks)
  }
}
