/**
 * What the service decides with: one engine and where its policies came from. A new set is
 * compiled beside the serving one and swapped in only when it loads without errors; on any
 * failure the old set keeps serving and the failure is kept for `/v1/status`.
 */
import { hasErrors } from '../diagnostics/index.js'
import { createEngine, type Engine, type PolicySource } from '../index.js'
import type { VerifiedBundle } from './bundle/verify.js'

/** The bundle serving now. */
export interface BundleInfo {
  readonly revision: string
  readonly hash: string
  /** When it started serving (ISO 8601). */
  readonly loadedAt: string
  /** Key id that signed it, or null for an unsigned bundle. */
  readonly signedBy: string | null
}

/** The last failure to load, kept until a load succeeds. */
export interface LoadFailure {
  readonly code: string
  readonly message: string
  /** When it happened (ISO 8601). */
  readonly at: string
}

/** Holds the serving engine and swaps it atomically. */
export class ServingSet {
  #engine: Engine | undefined
  #schemaText: string | undefined
  #bundle: BundleInfo | undefined
  #lastError: LoadFailure | undefined
  #loads = 0
  #failures = 0
  readonly #clock: () => number
  readonly #onLoad: ((ok: boolean) => void) | undefined

  constructor(options: { clock?: () => number; onLoad?: (ok: boolean) => void } = {}) {
    this.#clock = options.clock ?? Date.now
    this.#onLoad = options.onLoad
  }

  /** The engine serving now; undefined until a set loads. */
  get engine(): Engine | undefined {
    return this.#engine
  }

  /** True while a verified set serves. */
  get ready(): boolean {
    return this.#engine !== undefined
  }

  get bundle(): BundleInfo | undefined {
    return this.#bundle
  }

  get lastError(): LoadFailure | undefined {
    return this.#lastError
  }

  /** Successful loads so far: the service's policy version. */
  get version(): number {
    return this.#loads
  }

  /** Loads that served and loads that were refused, so far. */
  get loadCounts(): { readonly ok: number; readonly error: number } {
    return { ok: this.#loads, error: this.#failures }
  }

  /** Records a failure that happened before loading (fetch, archive, signature). */
  fail(code: string, message: string): void {
    this.#lastError = { code, message, at: new Date(this.#clock()).toISOString() }
    this.#failures++
    this.#onLoad?.(false)
  }

  /** Forgets the last failure (the source serves the bundle that is serving again). */
  clearFailure(): void {
    this.#lastError = undefined
  }

  /** Loads policy sources (from paths given on the command line). */
  loadSources(sources: readonly PolicySource[], schema: unknown): boolean {
    return this.#swap(sources, schema, undefined)
  }

  /** Loads a verified bundle. */
  loadBundle(b: VerifiedBundle): boolean {
    return this.#swap(b.sources, b.schema, { revision: b.manifest.revision, hash: b.hash, signedBy: b.signedBy ?? null })
  }

  #swap(sources: readonly PolicySource[], schema: unknown, bundle: Omit<BundleInfo, 'loadedAt'> | undefined): boolean {
    const schemaText = schema === undefined ? undefined : JSON.stringify(schema)
    // The same schema keeps the engine (its version counts on); another schema needs a new one,
    // whose versions continue after this set's so that decision.version never goes backwards.
    const engine = this.#engine !== undefined && schemaText === this.#schemaText ? this.#engine : createEngine({ versionsAfter: this.#loads, ...(schema === undefined ? {} : { schema }) })
    let result
    try {
      result = engine.load(sources)
    } catch (e) {
      this.fail('POLICY_LOAD_FAILED', `policies could not be loaded: ${e instanceof Error ? e.message : String(e)}`)
      return false
    }
    const broken = result.files.find((f) => hasErrors(f.diagnostics))
    if (!result.ok || broken !== undefined) {
      const d = broken?.diagnostics.find((x) => x.severity === 'error')
      this.fail('POLICY_ERRORS', `policies have errors${d ? `: ${broken?.name}: ${d.code} ${d.message}` : ''}; the previous set keeps serving`)
      return false
    }
    this.#engine = engine
    this.#schemaText = schemaText
    this.#bundle = bundle === undefined ? undefined : { ...bundle, loadedAt: new Date(this.#clock()).toISOString() }
    this.#lastError = undefined
    this.#loads++
    this.#onLoad?.(true)
    return true
  }
}
