/**
 * Keeps the serving set in step with a bundle source: at start the last good bundle on disk
 * serves at once (re-verified against today's keys), then the source is polled; every verified
 * bundle is swapped in and kept on disk; any failure leaves the old set serving and is recorded.
 */
import type { BundleSource } from './bundle/source.js'
import type { ServingSet } from './serving-set.js'

/** Options of a {@link BundleLoader}. */
export interface BundleLoaderOptions {
  readonly source: BundleSource
  readonly serving: ServingSet
  /** Time between polls; default 30 s. */
  readonly intervalMs?: number
  /** One line per event (loaded, refused, failed), for the service log. */
  readonly log?: (line: string) => void
}

/** Polls a bundle source in the background. */
export class BundleLoader {
  readonly #o: BundleLoaderOptions
  #timer: NodeJS.Timeout | undefined
  #polling: Promise<void> | undefined
  #stopped = false

  constructor(options: BundleLoaderOptions) {
    this.#o = options
  }

  /** Serves the cached bundle if there is one, polls once, then keeps polling. Resolves after the first poll. */
  async start(): Promise<void> {
    const cached = await this.#o.source.cached()
    if (cached?.kind === 'bundle' && this.#o.serving.loadBundle(cached.bundle)) {
      this.#o.log?.(`serving the last good bundle from disk: revision ${cached.bundle.manifest.revision} (${cached.bundle.hash.slice(0, 12)})`)
    } else if (cached?.kind === 'error') {
      this.#o.log?.(`the cached bundle is not used: ${cached.message}`)
    }
    await this.pollNow()
    if (this.#stopped) return
    this.#timer = setInterval(() => void this.pollNow(), this.#o.intervalMs ?? 30_000)
    this.#timer.unref()
  }

  /** Polls once (a poll already running is awaited, not doubled). */
  async pollNow(): Promise<void> {
    if (this.#polling !== undefined) return this.#polling
    this.#polling = this.#poll().finally(() => {
      this.#polling = undefined
    })
    return this.#polling
  }

  /** Stops polling; waits for a poll in progress. */
  async stop(): Promise<void> {
    this.#stopped = true
    if (this.#timer !== undefined) clearInterval(this.#timer)
    await this.#polling
  }

  async #poll(): Promise<void> {
    const { source, serving, log } = this.#o
    const r = await source.poll()
    if (r.kind === 'unchanged') return
    if (r.kind === 'error') {
      serving.fail(r.code, r.message)
      log?.(`bundle refused (${r.code}): ${r.message}${serving.ready ? '; the previous set keeps serving' : ''}`)
      return
    }
    // The source answers again with what already serves: the earlier failure is over.
    if (serving.bundle?.hash === r.bundle.hash) return serving.clearFailure()
    if (!serving.loadBundle(r.bundle)) {
      log?.(`bundle revision ${r.bundle.manifest.revision} refused: ${serving.lastError?.message ?? 'load failed'}`)
      return
    }
    log?.(`serving bundle revision ${r.bundle.manifest.revision} (${r.bundle.hash.slice(0, 12)}${r.bundle.signedBy ? `, signed by ${r.bundle.signedBy.slice(0, 19)}…` : ', unsigned'})`)
    try {
      await source.keep(r.bytes)
    } catch (e) {
      log?.(`could not keep the bundle on disk: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
}
