/**
 * The data of key management (OPERATIONS.md "Key management"): key records, the root's
 * certifications of agent keys, and the signed revocation list. Plain JSON-serialisable data;
 * every signature covers a canonical JSON form (tools/canonical-json.ts).
 */

/** `active` signs and verifies; `retiring` was rotated and verifies until `retiresAt`; `revoked` is on the revocation list. */
export type KeyStatus = 'active' | 'retiring' | 'revoked'

/**
 * `root` certifies; `agent` keys sign for one agent; `agreement` keys (X25519) are the keys other
 * agents encrypt to (messaging's x25519-chacha20-poly1305) — certified like agent keys, never
 * signing anything.
 */
export type KeyKind = 'root' | 'agent' | 'agreement'

/** A private key as stored: PKCS#8 DER, in the clear or sealed with a passphrase. */
export type StoredPrivateKey =
  | { readonly encoding: 'plain'; readonly pkcs8: string }
  | {
      readonly encoding: 'scrypt-aes-256-gcm'
      /** scrypt parameters: cost N, block size r, parallelism p. */
      readonly N: number
      readonly r: number
      readonly p: number
      readonly salt: string
      readonly iv: string
      readonly tag: string
      /** base64 ciphertext of the PKCS#8 DER. */
      readonly data: string
    }

/** The root's signed statement that a key speaks for an agent from `notBefore` on. */
export interface Certification {
  readonly keyId: string
  readonly agent: string
  readonly notBefore: number
  /** The root key that signed. */
  readonly issuer: string
  /** `agreement` for an X25519 agreement key (signed with the rest); absent for a signing key. */
  readonly use?: 'agreement'
  /** base64 Ed25519 signature of the root over the canonical JSON of { keyId, agent, notBefore, issuer }. */
  readonly signature: string
}

export interface KeyRecord {
  /** `sha256:<hex of SPKI DER>` of the public key. */
  readonly id: string
  readonly kind: KeyKind
  readonly agent?: string
  readonly algorithm: 'ed25519' | 'x25519'
  /** SPKI DER, base64. */
  readonly publicKey: string
  readonly privateKey: StoredPrivateKey
  /** Epoch ms. */
  readonly createdAt: number
  readonly status: KeyStatus
  /** For a rotated key: when it stops verifying new signatures (the end of the overlap). */
  readonly retiresAt?: number
  /** For a rotated key: the key that replaced it. */
  readonly successor?: string
  readonly certification?: Certification
}

export interface Revocation {
  readonly keyId: string
  /** Epoch ms: signatures made at or after this instant fail. */
  readonly revokedAt: number
  readonly reason: string
}

/** The revocation list, signed by the root over the canonical JSON of { issuer, issuedAt, entries }. */
export interface RevocationList {
  readonly issuer: string
  readonly issuedAt: number
  readonly entries: readonly Revocation[]
  readonly signature: string
}
