import { serializeEvent } from './event.js'
import { checkRecordShape } from './record-shape.js'
import type { AuditVerifyFailure } from './verify.js'

/**
 * File format (docs/audit.md "File format"): UTF-8, one record per line, each line exactly
 * `serializeEvent(record)` followed by `\n`. Nothing else is allowed — no blank lines, no BOM, no
 * spaces, no other escape spellings or key order — so a record has one byte form and any changed
 * byte of a log is either malformed or changes hashed content or a signature.
 */
export interface ParsedLog {
  /** Records of the complete, well-formed lines before the first problem. */
  readonly records: readonly unknown[]
  /** Byte offset just after each record's newline (the file length that keeps records 0..i). */
  readonly ends: readonly number[]
  /** The first malformed line or a torn (newline-less) tail, if any. */
  readonly problem?: AuditVerifyFailure
}

const NEWLINE = 0x0a

/** Splits and strictly parses a log's bytes; stops at the first malformed line. */
export function parseLogBytes(bytes: Uint8Array): ParsedLog {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const records: unknown[] = []
  const ends: number[] = []
  let start = 0
  while (start < bytes.length) {
    const nl = bytes.indexOf(NEWLINE, start)
    if (nl < 0) {
      return {
        records,
        ends,
        problem: {
          ok: false,
          index: records.length,
          code: 'AUDIT_TORN_RECORD',
          message: `event ${records.length}: the last ${bytes.length - start} bytes are an unterminated (torn) record`,
        },
      }
    }
    const problem = parseLine(bytes.subarray(start, nl), decoder)
    if (typeof problem === 'string') {
      return { records, ends, problem: { ok: false, index: records.length, code: 'AUDIT_MALFORMED_RECORD', message: `event ${records.length} (line ${records.length + 1}): ${problem}` } }
    }
    records.push(problem.record)
    start = nl + 1
    ends.push(start)
  }
  return { records, ends }
}

/** Parses one line strictly; returns the record or what is wrong. */
export function parseLine(line: Uint8Array, decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })): { record: unknown } | string {
  let text: string
  try {
    text = decoder.decode(line)
  } catch {
    return 'not valid UTF-8'
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    return `not valid JSON (${e instanceof Error ? e.message : String(e)})`
  }
  const shaped = checkRecordShape(parsed)
  if (typeof shaped === 'string') return shaped
  if (serializeEvent(shaped) !== text) return 'not in canonical file form (field order, spacing or escapes differ from what the writer produces)'
  return { record: shaped }
}
