import { GENESIS_HASH, type AuditEvent, type CheckpointDetails, type SessionDetails, type TombstoneDetails } from './event.js'

const HEX64 = /^[0-9a-f]{64}$/
const HEX128 = /^[0-9a-f]{128}$/
const REQUIRED = ['id', 'timestamp', 'agentId', 'type', 'details', 'previousHash', 'hash'] as const

/** True for 64 lower-case hex digits (a hash as the log writes it). */
export function isHashHex(s: unknown): s is string {
  return typeof s === 'string' && HEX64.test(s)
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const p = Object.getPrototypeOf(v) as unknown
  return p === Object.prototype || p === null
}

/**
 * Checks that `x` has exactly the fields of an {@link AuditEvent} with the right types; returns
 * the event or a message saying what is wrong. Hashes and signatures must be lower-case hex so
 * that each has a single written form.
 */
export function checkRecordShape(x: unknown): AuditEvent | string {
  if (!isPlainRecord(x)) return 'record is not a JSON object'
  for (const k of Object.keys(x)) {
    if (!(REQUIRED as readonly string[]).includes(k) && k !== 'signature') return `unknown field '${k}'`
  }
  for (const k of REQUIRED) if (!(k in x)) return `missing field '${k}'`
  for (const k of ['id', 'timestamp', 'agentId', 'type'] as const) {
    if (typeof x[k] !== 'string' || x[k] === '') return `field '${k}' must be a non-empty string`
  }
  if (!isPlainRecord(x['details'])) return `field 'details' must be a JSON object`
  if (!isHashHex(x['previousHash'])) return `field 'previousHash' must be 64 lower-case hex digits`
  if (!isHashHex(x['hash'])) return `field 'hash' must be 64 lower-case hex digits`
  if ('signature' in x && (typeof x['signature'] !== 'string' || !HEX128.test(x['signature']))) {
    return `field 'signature' must be 128 lower-case hex digits`
  }
  return x as unknown as AuditEvent
}

/** Checks a checkpoint's details against its position; returns them or a message. */
export function checkCheckpointDetails(e: AuditEvent, index: number): CheckpointDetails | string {
  const d = e.details
  const keys = Object.keys(d).sort().join(',')
  if (keys !== 'head,index,interval') return `checkpoint details must have exactly head, index and interval (has ${keys || 'nothing'})`
  if (d['head'] !== e.previousHash) return 'checkpoint head differs from its previousHash'
  if (d['index'] !== index) return `checkpoint claims index ${String(d['index'])} but is event ${index}`
  const iv = d['interval']
  if (!isPlainRecord(iv) || Object.keys(iv).sort().join(',') !== 'events,ms') return 'checkpoint interval must be {events, ms}'
  const ev = iv['events']
  const ms = iv['ms']
  if (typeof ev !== 'number' || !Number.isSafeInteger(ev) || ev < 1) return 'checkpoint interval.events must be a positive integer'
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return 'checkpoint interval.ms must be a non-negative number'
  return d as CheckpointDetails
}

/** Checks a session-start record's details; returns them or a message. */
export function checkSessionDetails(e: AuditEvent): SessionDetails | string {
  const d = e.details
  const keys = Object.keys(d).sort().join(',')
  if (d['mode'] === 'every') return keys === 'mode' ? (d as SessionDetails) : `an every-event session start has only a mode (has ${keys})`
  if (d['mode'] !== 'checkpoint') return `session start names an unknown signing mode ${JSON.stringify(d['mode'])}`
  if (keys !== 'interval,mode') return `a checkpoint session start has exactly mode and interval (has ${keys})`
  const iv = d['interval']
  if (!isPlainRecord(iv) || Object.keys(iv).sort().join(',') !== 'events,ms') return 'session interval must be {events, ms}'
  const ev = iv['events']
  const ms = iv['ms']
  if (typeof ev !== 'number' || !Number.isSafeInteger(ev) || ev < 1) return 'session interval.events must be a positive integer'
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return 'session interval.ms must be a non-negative number'
  return d as SessionDetails
}

/** Checks a retention tombstone's details; returns them or a message. */
export function checkTombstoneDetails(e: AuditEvent): TombstoneDetails | string {
  const d = e.details
  const keys = Object.keys(d).sort().join(',')
  if (keys !== 'archive_sha256,deleted,first_at,last_at,last_hash,session') return `tombstone details must have exactly archive_sha256, deleted, first_at, last_at, last_hash and session (has ${keys || 'nothing'})`
  if (e.previousHash !== GENESIS_HASH) return 'a tombstone opens the log: its previousHash must be the genesis hash'
  const n = d['deleted']
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) return 'tombstone deleted must be a positive integer'
  if (!isHashHex(d['last_hash'])) return 'tombstone last_hash must be 64 lower-case hex digits'
  if (typeof d['first_at'] !== 'string' || typeof d['last_at'] !== 'string') return 'tombstone first_at and last_at must be timestamps'
  const a = d['archive_sha256']
  if (a !== null && !isHashHex(a)) return 'tombstone archive_sha256 must be null or 64 lower-case hex digits'
  const s = d['session']
  if (s !== null) {
    if (!isPlainRecord(s)) return 'tombstone session must be null or a session'
    const checked = checkSessionDetails({ ...e, details: s as SessionDetails })
    if (typeof checked === 'string') return `tombstone session: ${checked}`
  }
  return d as TombstoneDetails
}
