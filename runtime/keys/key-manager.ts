/**
 * Key management (OPERATIONS.md): a root key certifies agent keys; `rotate` makes a successor
 * and keeps the old key verifying for an overlap window; `revoke` adds the key to a revocation
 * list the root signs. `verify` applies all of it to one signature: an unknown, uncertified,
 * retired or revoked key fails with a reason that names why — never a bare `false`.
 *
 * "When was it signed" comes from the signed data (a message's timestamp, an audit record's
 * time), so a holder of a stolen key could backdate; receivers bound that (message TTL and clock
 * skew), and revocation is the answer to a compromised key.
 */
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { canonicalJson } from '../tools/canonical-json.js'
import { openPrivateKey, sealPrivateKey } from './at-rest.js'
import { KeyError } from './errors.js'
import type { KeyStore } from './file-store.js'
import { keyIdOf } from './key-id.js'
import type { Certification, KeyKind, KeyRecord, KeyStatus, Revocation, RevocationList } from './records.js'

export interface KeyManagerOptions {
  /** Seals new private keys and opens sealed ones; absent: private keys are stored in the clear. */
  readonly passphrase?: string
  /** Epoch ms now; injectable for tests. */
  readonly clock?: () => number
  /** How long a rotated key keeps verifying new signatures (default 7 days). */
  readonly overlapMs?: number
  /** Pin the root: a store whose root has another id is refused (the trust anchor lives outside the store). */
  readonly rootKeyId?: string
}

/** What `list` reports per key (no private material). */
export interface KeyInfo {
  readonly id: string
  readonly kind: KeyRecord['kind']
  readonly agent?: string
  readonly status: KeyStatus
  readonly createdAt: string
  readonly retiresAt?: string
  readonly successor?: string
  readonly revokedAt?: string
  readonly reason?: string
  readonly encrypted: boolean
}

export type VerifyCode = 'unknown_key' | 'uncertified' | 'not_yet_valid' | 'retired' | 'revoked' | 'bad_signature' | 'revocations_tampered' | 'wrong_agent' | 'not_a_signing_key'

export type KeyVerdict = { readonly ok: true; readonly keyId: string; readonly agent?: string } | { readonly ok: false; readonly code: VerifyCode; readonly reason: string }

/** One signature to check: by which key, over what, and when it claims to have been made. */
export interface SignatureClaim {
  readonly keyId: string
  readonly data: Buffer | string
  /** base64 Ed25519 signature. */
  readonly signature: string
  readonly signedAt: number
  /** When given, the key must be certified for this agent. */
  readonly agent?: string
}

const DAY = 24 * 60 * 60 * 1000

function certifiedStatement(c: Omit<Certification, 'signature'>): string {
  // `use` is signed only when present, so signing-key certifications made before agreement keys existed still verify.
  return canonicalJson({ keyId: c.keyId, agent: c.agent, notBefore: c.notBefore, issuer: c.issuer, ...(c.use === undefined ? {} : { use: c.use }) })
}

function revocationStatement(l: Omit<RevocationList, 'signature'>): string {
  return canonicalJson({ issuer: l.issuer, issuedAt: l.issuedAt, entries: l.entries.map((e) => ({ keyId: e.keyId, revokedAt: e.revokedAt, reason: e.reason })) })
}

function publicOf(r: KeyRecord): KeyObject {
  return createPublicKey({ key: Buffer.from(r.publicKey, 'base64'), format: 'der', type: 'spki' })
}

function verifies(key: KeyObject, data: Buffer | string, signature: string): boolean {
  try {
    return verify(null, typeof data === 'string' ? Buffer.from(data, 'utf8') : data, key, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}

const iso = (ms: number): string => new Date(ms).toISOString()

export class KeyManager {
  private readonly clock: () => number
  private readonly overlapMs: number

  constructor(
    readonly store: KeyStore,
    private readonly options: KeyManagerOptions = {},
  ) {
    this.clock = options.clock ?? Date.now
    this.overlapMs = options.overlapMs ?? 7 * DAY
  }

  /** The root record. */
  root(): KeyRecord {
    const roots = this.store.list().filter((r) => r.kind === 'root')
    if (roots.length > 1) throw new KeyError('bad_record', `the store holds ${roots.length} root keys; exactly one is allowed`)
    const found = roots[0]
    if (found === undefined) throw new KeyError('no_root', 'the key store has no root key: run `symbi-policy keys generate` first')
    if (this.options.rootKeyId !== undefined && found.id !== this.options.rootKeyId) throw new KeyError('bad_record', `the store's root is ${found.id}, not the pinned ${this.options.rootKeyId}`)
    if (keyIdOf(publicOf(found)) !== found.id) throw new KeyError('bad_record', `root record ${found.id} holds a different public key`)
    return found
  }

  /**
   * Generates the root (when missing) and, with `agent`, a key for it certified by the root: a
   * signing key (Ed25519), or with `agreement` the X25519 key other agents encrypt to.
   */
  async generate(agent?: string, options: { readonly agreement?: boolean } = {}): Promise<KeyRecord> {
    if (options.agreement === true && agent === undefined) throw new KeyError('not_allowed', 'an agreement key belongs to an agent: name it')
    if (agent !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(agent)) throw new KeyError('not_allowed', `agent id '${agent}' must be 1–128 letters, digits, '_', '.', ':' or '-'`)
    let root: KeyRecord
    if (this.store.list().some((r) => r.kind === 'root')) root = this.root()
    else {
      root = this.newKey('root', undefined).record
      await this.store.put(root)
    }
    if (agent === undefined) return root
    const { record } = this.newKey(options.agreement === true ? 'agreement' : 'agent', agent, root)
    await this.store.put(record)
    return record
  }

  /** Replaces an agent key: a new certified key signs from now on; the old one verifies until the overlap ends. */
  async rotate(id: string): Promise<{ readonly next: KeyRecord; readonly previous: KeyRecord }> {
    const old = this.require(id)
    if (old.kind === 'root' || old.agent === undefined) throw new KeyError('not_allowed', 'only agent keys rotate; a new root would orphan every certification')
    if (this.revocationOf(old.id) !== undefined) throw new KeyError('not_allowed', `${id} is revoked; generate a new key for '${old.agent}' instead`)
    if (old.status !== 'active') throw new KeyError('not_allowed', `${id} was already rotated (successor ${old.successor ?? '?'})`)
    const root = this.root()
    const { record: next } = this.newKey(old.kind, old.agent, root)
    const previous: KeyRecord = { ...old, status: 'retiring', retiresAt: this.clock() + this.overlapMs, successor: next.id }
    // The successor first: a crash between the two writes leaves two active keys, never none.
    await this.store.put(next)
    await this.store.put(previous)
    return { next, previous }
  }

  /**
   * Scheduled rotation: rotates every active, unrevoked agent key created `maxAgeMs` or longer
   * ago (a retiring key already has its successor). Returns what it rotated; run it from a
   * timer or cron (`symbi-policy keys rotate --due`).
   */
  async rotateDue(maxAgeMs: number): Promise<{ readonly next: KeyRecord; readonly previous: KeyRecord }[]> {
    if (!Number.isFinite(maxAgeMs) || maxAgeMs <= 0) throw new KeyError('not_allowed', `the age at which keys rotate must be a positive duration, got ${String(maxAgeMs)} ms`)
    const now = this.clock()
    const due = this.store.list().filter((r) => r.kind !== 'root' && r.status === 'active' && this.revocationOf(r.id) === undefined && now - r.createdAt >= maxAgeMs)
    const rotated: { next: KeyRecord; previous: KeyRecord }[] = []
    for (const r of due) rotated.push(await this.rotate(r.id))
    return rotated
  }

  /** Revokes a key from now on: signatures it made at or after this instant fail. */
  async revoke(id: string, reason: string): Promise<Revocation> {
    const rec = this.require(id)
    if (rec.kind === 'root') throw new KeyError('not_allowed', 'the root key cannot revoke itself; replace the store and pin the new root')
    if (reason.trim() === '') throw new KeyError('not_allowed', 'a revocation needs a reason')
    const root = this.root()
    const rootKey = this.privateOf(root)
    let entry: Revocation = { keyId: id, revokedAt: this.clock(), reason }
    // The list is re-read inside the store's update (under its lock), so a revocation made at
    // the same moment by another replica is kept, and an earlier revocation of this key wins.
    await this.store.updateRevocations((current) => {
      if (current !== undefined) this.assertSigned(current, root)
      const prior = current?.entries.find((e) => e.keyId === id)
      if (prior !== undefined) {
        entry = prior
        return current as RevocationList
      }
      const body = { issuer: root.id, issuedAt: this.clock(), entries: [...(current?.entries ?? []), entry] }
      return { ...body, signature: sign(null, Buffer.from(revocationStatement(body), 'utf8'), rootKey).toString('base64') }
    })
    await this.store.put({ ...rec, status: 'revoked' })
    return entry
  }

  list(): KeyInfo[] {
    const revs = new Map((this.store.revocations()?.entries ?? []).map((e) => [e.keyId, e]))
    const records = this.store.list().sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'root' ? -1 : 1))
    return records.map((r) => {
      const rev = revs.get(r.id)
      const info: Record<string, unknown> = { id: r.id, kind: r.kind, status: rev !== undefined ? 'revoked' : r.status, createdAt: iso(r.createdAt), encrypted: r.privateKey.encoding !== 'plain' }
      if (r.agent !== undefined) info['agent'] = r.agent
      if (r.retiresAt !== undefined) info['retiresAt'] = iso(r.retiresAt)
      if (r.successor !== undefined) info['successor'] = r.successor
      if (rev !== undefined) (info['revokedAt'] = iso(rev.revokedAt)), (info['reason'] = rev.reason)
      return info as unknown as KeyInfo
    })
  }

  /** PEM of a public key, for verifiers elsewhere. */
  exportPublic(id: string): string {
    return publicOf(this.require(id)).export({ type: 'spki', format: 'pem' }).toString()
  }

  /** The newest active key of an agent, opened for signing. */
  signer(agent: string): { readonly keyId: string; readonly privateKey: KeyObject } {
    const revoked = new Set((this.store.revocations()?.entries ?? []).map((e) => e.keyId))
    const root = this.root()
    // Only a key the root certified signs: a record dropped into the store must not be picked.
    const candidates = this.store.list().filter((r) => r.kind === 'agent' && r.agent === agent && r.status === 'active' && !revoked.has(r.id) && this.certified(r, root))
    const newest = candidates[candidates.length - 1]
    if (newest === undefined) throw new KeyError('unknown_key', `no active key for agent '${agent}'`)
    return { keyId: newest.id, privateKey: this.privateOf(newest) }
  }

  /**
   * The X25519 key to encrypt to `agent`: its newest active agreement key that the root
   * certified and that is not revoked; undefined when it has none.
   */
  agreementKey(agent: string): { readonly keyId: string; readonly publicKey: KeyObject } | undefined {
    const newest = this.currentAgreement(agent)
    return newest === undefined ? undefined : { keyId: newest.id, publicKey: publicOf(newest) }
  }

  /** The agent's own current agreement key, opened (its messenger's `identity.agreementKey`). */
  agreementIdentity(agent: string): { readonly keyId: string; readonly privateKey: KeyObject } {
    const newest = this.currentAgreement(agent)
    if (newest === undefined) throw new KeyError('unknown_key', `no active agreement key for agent '${agent}'`)
    return { keyId: newest.id, privateKey: this.privateOf(newest) }
  }

  private currentAgreement(agent: string): KeyRecord | undefined {
    const revoked = new Set((this.store.revocations()?.entries ?? []).map((e) => e.keyId))
    const root = this.root()
    const candidates = this.store.list().filter((r) => r.kind === 'agreement' && r.agent === agent && r.status === 'active' && !revoked.has(r.id) && this.certified(r, root) && keyIdOf(publicOf(r)) === r.id)
    return candidates[candidates.length - 1]
  }

  /** Checks one signature against certification, rotation and revocation. */
  verify(claim: SignatureClaim): KeyVerdict {
    let rec: KeyRecord | undefined
    try {
      rec = this.store.get(claim.keyId)
    } catch (e) {
      return { ok: false, code: 'unknown_key', reason: e instanceof Error ? e.message : String(e) }
    }
    if (rec === undefined) return { ok: false, code: 'unknown_key', reason: `key ${claim.keyId} is not in the key store` }
    let key: KeyObject
    try {
      key = publicOf(rec)
    } catch {
      return { ok: false, code: 'unknown_key', reason: `key ${claim.keyId} has an unreadable public key` }
    }
    // The record must hold the key its id names: a swapped public key is a different key.
    if (keyIdOf(key) !== rec.id) return { ok: false, code: 'unknown_key', reason: `record ${rec.id} holds a different public key` }
    if (rec.kind === 'agreement') return { ok: false, code: 'not_a_signing_key', reason: `key ${rec.id} is an X25519 agreement key of '${rec.agent ?? '?'}' and signs nothing` }
    // The signature first: every later reason (revoked, retired, …) is then about the key that
    // really made it, which is what a verifier trying several keys needs to report.
    if (!verifies(key, claim.data, claim.signature)) return { ok: false, code: 'bad_signature', reason: `signature does not verify with key ${rec.id}` }
    return this.standing(claim.keyId, claim.signedAt, claim.agent)
  }

  /**
   * Whether a key may vouch for something signed at `signedAt` (for `agent`, when given):
   * certified by the root, not yet retired, not revoked by then. For verifiers that check the
   * signature themselves (the audit chain).
   */
  standing(keyId: string, signedAt: number, agent?: string): KeyVerdict {
    let root: KeyRecord
    let rec: KeyRecord | undefined
    try {
      root = this.root()
      rec = this.store.get(keyId)
    } catch (e) {
      return { ok: false, code: 'unknown_key', reason: e instanceof Error ? e.message : String(e) }
    }
    if (rec === undefined) return { ok: false, code: 'unknown_key', reason: `key ${keyId} is not in the key store` }
    let revocations: RevocationList | undefined
    try {
      revocations = this.checkedRevocations(root)
    } catch (e) {
      return { ok: false, code: 'revocations_tampered', reason: e instanceof Error ? e.message : String(e) }
    }
    const rev = revocations?.entries.find((e) => e.keyId === rec.id)
    // A record marked revoked whose revocation is missing from the list means the list was
    // replaced or deleted: fail closed rather than trust the older list.
    if (rec.status === 'revoked' && rev === undefined) return { ok: false, code: 'revocations_tampered', reason: `key ${rec.id} is marked revoked but the revocation list does not name it` }
    if (rev !== undefined && signedAt >= rev.revokedAt) {
      return { ok: false, code: 'revoked', reason: `key ${rec.id} was revoked at ${iso(rev.revokedAt)} (${rev.reason}); this signature claims ${iso(signedAt)}` }
    }
    if (rec.kind !== 'root') {
      const c = rec.certification
      if (c === undefined || !this.certified(rec, root)) {
        return { ok: false, code: 'uncertified', reason: `key ${rec.id} carries no valid certification by the root ${root.id}` }
      }
      if (agent !== undefined && c.agent !== agent) return { ok: false, code: 'wrong_agent', reason: `key ${rec.id} is certified for '${c.agent}', not '${agent}'` }
      if (signedAt < c.notBefore) return { ok: false, code: 'not_yet_valid', reason: `key ${rec.id} is certified from ${iso(c.notBefore)}; this signature claims ${iso(signedAt)}` }
      if (rec.retiresAt !== undefined && signedAt > rec.retiresAt) {
        return { ok: false, code: 'retired', reason: `key ${rec.id} was rotated (successor ${rec.successor ?? '?'}) and stopped verifying new signatures at ${iso(rec.retiresAt)}` }
      }
    } else if (agent !== undefined) {
      return { ok: false, code: 'wrong_agent', reason: `the root key does not sign for agent '${agent}'` }
    }
    return rec.agent === undefined ? { ok: true, keyId: rec.id } : { ok: true, keyId: rec.id, agent: rec.agent }
  }

  /** Keys that verify for an agent at a time (for verifiers that try each, e.g. messaging). */
  keysFor(agent: string): KeyRecord[] {
    return this.store.list().filter((r) => r.kind === 'agent' && r.agent === agent)
  }

  private certified(rec: KeyRecord, root: KeyRecord): boolean {
    const c = rec.certification
    // The root certifies what a key is for: a record relabelled from one kind to the other is uncertified.
    const use = rec.kind === 'agreement' ? 'agreement' : undefined
    return c !== undefined && c.keyId === rec.id && c.issuer === root.id && c.agent === rec.agent && c.use === use && verifies(publicOf(root), certifiedStatement(c), c.signature)
  }

  private revocationOf(id: string): Revocation | undefined {
    return this.store.revocations()?.entries.find((e) => e.keyId === id)
  }

  /** The revocation list, refused when its signature is not the root's. */
  private checkedRevocations(root: KeyRecord): RevocationList | undefined {
    const list = this.store.revocations()
    if (list !== undefined) this.assertSigned(list, root)
    return list
  }

  private assertSigned(list: RevocationList, root: KeyRecord): void {
    if (list.issuer !== root.id || !Array.isArray(list.entries) || !verifies(publicOf(root), revocationStatement(list), list.signature)) {
      throw new KeyError('bad_record', 'the revocation list is not signed by the root key')
    }
  }

  private require(id: string): KeyRecord {
    const r = this.store.get(id)
    if (r === undefined) throw new KeyError('unknown_key', `no key ${id} in the store`)
    return r
  }

  private privateOf(r: KeyRecord): KeyObject {
    return openPrivateKey(r.privateKey, this.options.passphrase, `key ${r.id}`)
  }

  private newKey(kind: KeyKind, agent: string | undefined, root?: KeyRecord): { record: KeyRecord } {
    const { publicKey, privateKey } = kind === 'agreement' ? generateKeyPairSync('x25519') : generateKeyPairSync('ed25519')
    const id = keyIdOf(publicKey)
    const createdAt = this.clock()
    const base = {
      id,
      kind,
      algorithm: kind === 'agreement' ? ('x25519' as const) : ('ed25519' as const),
      publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      privateKey: sealPrivateKey(privateKey, this.options.passphrase),
      createdAt,
      status: 'active' as const,
    }
    if (kind === 'root' || agent === undefined || root === undefined) return { record: base }
    const statement = { keyId: id, agent, notBefore: createdAt, issuer: root.id, ...(kind === 'agreement' ? { use: 'agreement' as const } : {}) }
    const certification: Certification = { ...statement, signature: sign(null, Buffer.from(certifiedStatement(statement), 'utf8'), this.privateOf(root)).toString('base64') }
    return { record: { ...base, agent, certification } }
  }
}
