/**
 * Whether a store works, as a service shows it (`/v1/status`, `/health/ready`): the outcome of
 * the store's last I/O. One tracker per store, so every store reports the same way.
 */

/** Health of a store. */
export interface StoreHealth {
  /** `file`, `postgres`, `memory` or `none`. */
  readonly kind: string
  readonly ok: boolean
  /** Why not ok. */
  readonly message?: string
}

/** Records the outcome of a store's I/O; only I/O goes through it (bad input and verdicts are not failures). */
export class HealthTracker {
  #lastError: string | undefined

  constructor(readonly kind: string) {}

  /** Runs one read or write; its failure (or a later success) is what `health()` reports. */
  async track<T>(io: () => Promise<T>): Promise<T> {
    try {
      const r = await io()
      this.#lastError = undefined
      return r
    } catch (e) {
      this.fail(e)
      throw e
    }
  }

  /** Records a failure that happened outside `track`. */
  fail(e: unknown): void {
    this.#lastError = e instanceof Error ? e.message : String(e)
  }

  health(): StoreHealth {
    return this.#lastError === undefined ? { kind: this.kind, ok: true } : { kind: this.kind, ok: false, message: this.#lastError }
  }
}
