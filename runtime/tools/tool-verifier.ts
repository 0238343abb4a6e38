import type { KeyObject } from 'node:crypto'
import { SchemaKeyError, verifySchema } from './schema-pin.js'
import type { KeyTrustStore } from './tofu-store.js'
import type { SecurityEventSink } from '../events/security-event.js'
import { KeyMismatchError, TrustStoreError, UnknownProviderError } from './tofu-store.js'

/** How strictly tool schemas are enforced. */
export type SchemaPinMode = 'strict' | 'permissive' | 'development' | 'disabled'

/** Every mode, in order of strictness. */
export const SCHEMA_PIN_MODES: readonly SchemaPinMode[] = ['strict', 'permissive', 'development', 'disabled']

/** A tool as offered by its provider. */
export interface ToolDescriptor {
  /** Tool name; must equal the schema's `name`. */
  readonly name: string
  /** Provider name, the key of the trust store. */
  readonly provider: string
  /** The tool's JSON schema, carrying its `signature`. */
  readonly schema: Readonly<Record<string, unknown>>
  /** The provider's EC P-256 public key (SPKI PEM or a KeyObject). */
  readonly publicKey: string | KeyObject
}

/** Why a schema did not verify. */
export type VerificationProblem = 'unsigned' | 'bad_signature' | 'bad_schema' | 'bad_key' | 'name_mismatch' | 'key_mismatch' | 'unknown_provider' | 'store_error'

/** The outcome for a tool that may run. */
export interface ToolVerification {
  /** `verified`: signature good and key pinned; `first_use`: signature good, key pinned now; `unverified`: runs with warnings; `skipped`: mode disabled. */
  readonly status: 'verified' | 'first_use' | 'unverified' | 'skipped'
  /** Key id of the provider key, when it could be computed. */
  readonly keyId?: string
  /** Problems tolerated by a non-strict mode; they must be audited. */
  readonly warnings: readonly string[]
}

/** A tool that must not run; its transport must not be called. */
export class ToolBlockedError extends Error {
  override readonly name = 'ToolBlockedError'
  constructor(
    /** Tool name. */
    readonly tool: string,
    /** Provider name. */
    readonly provider: string,
    /** What failed. */
    readonly problem: VerificationProblem,
    /** Why, in words. */
    readonly detail: string,
  ) {
    super(`tool '${tool}' from '${provider}' blocked: ${problem}: ${detail}`)
  }
}

/** A verifier configuration that is not allowed (a lax mode in production, an unknown mode, no store). */
export class SchemaPinConfigError extends Error {
  override readonly name = 'SchemaPinConfigError'
}

/** Options of a tool verifier. */
export interface ToolVerifierOptions {
  /** Enforcement mode; default `strict`. */
  readonly mode?: SchemaPinMode
  /** Trust-on-first-use store; required in every mode but `disabled`. */
  readonly store?: KeyTrustStore
  /** Environment to read `SYMBIONT_ENV` from; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /**
   * Blocked tools are reported here: a key that contradicts the pinned one or an unknown
   * provider in a closed world as `tofu_failure`, a bad or missing signature as
   * `signature_failure` (not awaited: the block is immediate).
   */
  readonly security?: SecurityEventSink
}

/**
 * SchemaPin enforcement in one of four modes:
 * - `strict`: only a schema whose signature verifies with a key that matches the pinned one
 *   (or is pinned now, on first use) runs;
 * - `permissive`: an unsigned or badly signed schema runs with a warning (nothing is pinned
 *   for it), but a key that contradicts the pinned one, an unknown provider in a closed-world
 *   store and an untrustworthy store still block — they are evidence of tampering, not absence
 *   of evidence;
 * - `development`: every problem is a warning, and the store is only read, never written;
 * - `disabled`: nothing is checked.
 * `development` and `disabled` are refused at construction when `SYMBIONT_ENV=production`.
 */
export class ToolVerifier {
  /** The mode in force. */
  readonly mode: SchemaPinMode
  private readonly store: KeyTrustStore | undefined
  private readonly security: SecurityEventSink | undefined

  constructor(options: ToolVerifierOptions = {}) {
    const mode = options.mode ?? 'strict'
    if (!SCHEMA_PIN_MODES.includes(mode)) throw new SchemaPinConfigError(`unknown SchemaPin mode '${String(mode)}' (known: ${SCHEMA_PIN_MODES.join(', ')})`)
    const env = options.env ?? process.env
    if ((mode === 'development' || mode === 'disabled') && env['SYMBIONT_ENV'] === 'production') {
      throw new SchemaPinConfigError(`SchemaPin mode '${mode}' is refused when SYMBIONT_ENV=production`)
    }
    if (mode !== 'disabled' && options.store === undefined) throw new SchemaPinConfigError(`SchemaPin mode '${mode}' needs a key store`)
    this.mode = mode
    this.store = options.store
    this.security = options.security
  }

  /** Verifies a tool; returns how it may run or throws `ToolBlockedError`. */
  async verify(tool: ToolDescriptor): Promise<ToolVerification> {
    try {
      return await this.check(tool)
    } catch (e) {
      if (e instanceof ToolBlockedError && this.security !== undefined) {
        const tofu = e.problem === 'key_mismatch' || e.problem === 'unknown_provider'
        const signature = tofu || e.problem === 'bad_signature' || e.problem === 'unsigned' || e.problem === 'bad_key'
        this.security
          .emit({
            severity: e.problem === 'key_mismatch' ? 'critical' : 'error',
            category: tofu ? 'tofu_failure' : signature ? 'signature_failure' : 'policy_violation',
            description: e.message,
            affected: [`tool:${e.tool}`, `provider:${e.provider}`],
            recommendedActions: tofu ? ['check whether the provider rotated its key or was impersonated'] : ['do not run the tool until its schema is signed correctly'],
            source: 'tool-verifier',
          })
          .catch(() => undefined)
      }
      throw e
    }
  }

  private async check(tool: ToolDescriptor): Promise<ToolVerification> {
    const name = typeof tool?.name === 'string' ? tool.name : ''
    const provider = typeof tool?.provider === 'string' ? tool.provider : ''
    if (this.mode === 'disabled') return { status: 'skipped', warnings: ['schema verification disabled'] }
    const warnings: string[] = []
    const problem = (p: VerificationProblem, detail: string, tolerated: boolean): void => {
      if (!tolerated) throw new ToolBlockedError(name, provider, p, detail)
      warnings.push(`${p}: ${detail}`)
    }
    const lax = this.mode !== 'strict'
    const dev = this.mode === 'development'
    if (name === '' || provider === '') throw new ToolBlockedError(name, provider, 'bad_schema', 'tool name and provider must be non-empty strings')
    if (tool.schema?.['name'] !== name) problem('name_mismatch', `schema names '${String(tool.schema?.['name'])}', tool is '${name}'`, dev)

    let check
    try {
      check = verifySchema(tool.schema, tool.publicKey)
    } catch (e) {
      problem('bad_key', e instanceof SchemaKeyError ? e.message : String(e), lax)
      return { status: 'unverified', warnings }
    }
    if (!check.valid) {
      problem(check.reason, check.detail, lax)
      return { status: 'unverified', keyId: check.keyId ?? '', warnings }
    }
    const store = this.store as KeyTrustStore
    try {
      if (dev) {
        const pinned = await store.lookup(provider)
        if (pinned === undefined) return { status: 'unverified', keyId: check.keyId, warnings: [...warnings, 'development mode: provider key not pinned'] }
        if (pinned.keyId !== check.keyId) throw new KeyMismatchError(provider, pinned.keyId, check.keyId)
        return { status: 'verified', keyId: check.keyId, warnings }
      }
      const trust = await store.check(provider, typeof tool.publicKey === 'string' ? tool.publicKey : tool.publicKey.export({ type: 'spki', format: 'pem' }).toString())
      return { status: trust.status === 'pinned' ? 'verified' : 'first_use', keyId: check.keyId, warnings }
    } catch (e) {
      if (e instanceof KeyMismatchError) problem('key_mismatch', e.message, dev)
      else if (e instanceof UnknownProviderError) problem('unknown_provider', e.message, dev)
      else problem('store_error', e instanceof TrustStoreError ? e.message : `key store failed: ${String(e)}`, dev)
      return { status: 'unverified', keyId: check.keyId, warnings }
    }
  }
}
