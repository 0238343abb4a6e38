import { open } from 'node:fs/promises'
import { parseLine } from './log-format.js'
import { ChainVerifier, diagnoseLink, verifyEvents, type AuditVerifyFailure, type AuditVerifyOptions, type AuditVerifyResult, type BrokenLink } from './verify.js'

/** A line of a log file (without its newline), or the unterminated bytes at its end. */
type LogItem = { readonly line: Uint8Array } | { readonly torn: number }

/** Longest line accepted; a longer one is malformed (and would otherwise be buffered whole). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024
const CHUNK = 1 << 20
const NEWLINE = 0x0a

function* bytesItems(bytes: Uint8Array): Generator<LogItem> {
  let start = 0
  while (start < bytes.length) {
    const nl = bytes.indexOf(NEWLINE, start)
    if (nl < 0) {
      yield { torn: bytes.length - start }
      return
    }
    yield { line: bytes.subarray(start, nl) }
    start = nl + 1
  }
}

/**
 * The lines of a log file, a read's worth at a time: one `yield` per line cost a promise and a
 * microtask per record (about a second on a million-record log). The lines of a batch may view
 * the read buffer, which is reused only after the consumer asks for the next batch.
 */
async function* fileItems(path: string): AsyncGenerator<readonly LogItem[]> {
  const fd = await open(path, 'r')
  try {
    let carry: Buffer = Buffer.alloc(0)
    const chunk = Buffer.allocUnsafe(CHUNK)
    for (;;) {
      const { bytesRead } = await fd.read(chunk, 0, CHUNK, null)
      if (bytesRead === 0) break
      const data = carry.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([carry, chunk.subarray(0, bytesRead)])
      const batch: LogItem[] = []
      let start = 0
      for (let nl = data.indexOf(NEWLINE, start); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
        batch.push({ line: data.subarray(start, nl) })
        start = nl + 1
      }
      if (batch.length > 0) yield batch
      // Copy: `chunk` is reused by the next read.
      carry = Buffer.from(data.subarray(start))
      if (carry.length > MAX_RECORD_BYTES) {
        yield [{ line: carry }]
        return
      }
    }
    if (carry.length > 0) yield [{ torn: carry.length }]
  } finally {
    await fd.close()
  }
}

/** Turns items into records for the chain verifier; a bad line or torn tail is a failure. */
class LineReader {
  readonly #decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  index = 0

  record(item: LogItem): { record: unknown } | AuditVerifyFailure {
    const i = this.index++
    if ('torn' in item) {
      return { ok: false, index: i, code: 'AUDIT_TORN_RECORD', message: `event ${i}: the last ${item.torn} bytes are an unterminated (torn) record` }
    }
    if (item.line.length > MAX_RECORD_BYTES) {
      return { ok: false, index: i, code: 'AUDIT_MALFORMED_RECORD', message: `event ${i} (line ${i + 1}): longer than ${MAX_RECORD_BYTES} bytes` }
    }
    const parsed = parseLine(item.line, this.#decoder)
    if (typeof parsed === 'string') return { ok: false, index: i, code: 'AUDIT_MALFORMED_RECORD', message: `event ${i} (line ${i + 1}): ${parsed}` }
    return parsed
  }
}

function want(b: BrokenLink): Set<string> {
  return new Set([b.event.previousHash, b.event.hash])
}

function note(found: Map<string, number>, wanted: Set<string>, record: unknown, index: number): void {
  const h = (record as { hash?: unknown }).hash
  if (typeof h === 'string' && wanted.has(h) && !found.has(h)) found.set(h, index)
}

/**
 * Verifies a serialized log (the bytes of a log file): every line must be in canonical file form
 * (log-format.ts), the file must end with a newline, and the records must verify as in
 * `verifyEvents`. The first problem by position wins.
 */
export function verifyLogBytes(bytes: Uint8Array, opts: AuditVerifyOptions = {}): AuditVerifyResult {
  const v = new ChainVerifier(opts)
  const reader = new LineReader()
  for (const item of bytesItems(bytes)) {
    const r = reader.record(item)
    if ('ok' in r) return r
    const problem = v.push(r.record)
    if (problem === undefined) continue
    if (!('brokenLink' in problem)) return problem
    const wanted = want(problem)
    const found = new Map<string, number>()
    const again = new LineReader()
    for (const it of bytesItems(bytes)) {
      const rec = again.record(it)
      if (!('ok' in rec)) note(found, wanted, rec.record, again.index - 1)
    }
    return diagnoseLink(problem, found)
  }
  return v.finish()
}

/**
 * Verifies a log file as a stream (memory does not grow with the log; a broken link costs a second
 * pass to say where it points), or records given as an array. Throws only for unusable options or
 * an unreadable file; a bad log is a result, not an exception.
 */
export async function verify(source: readonly unknown[] | string, opts: AuditVerifyOptions = {}, onRecord?: (record: unknown) => void): Promise<AuditVerifyResult> {
  if (typeof source !== 'string') return verifyEvents(source, opts)
  const v = new ChainVerifier(opts)
  const reader = new LineReader()
  for await (const batch of fileItems(source)) {
    for (const item of batch) {
      const r = reader.record(item)
      if ('ok' in r) return r
      const problem = v.push(r.record)
      if (problem === undefined) {
        // Readers that need the records too (compliance reports) get each verified one, so a
        // large log is parsed once.
        onRecord?.(r.record)
        continue
      }
      if (!('brokenLink' in problem)) return problem
      const wanted = want(problem)
      const found = new Map<string, number>()
      const again = new LineReader()
      for await (const more of fileItems(source)) {
        for (const it of more) {
          const rec = again.record(it)
          if (!('ok' in rec)) note(found, wanted, rec.record, again.index - 1)
        }
      }
      return diagnoseLink(problem, found)
    }
  }
  return v.finish()
}
