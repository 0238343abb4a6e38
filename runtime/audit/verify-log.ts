import { readFile } from 'node:fs/promises'
import { parseLogBytes } from './log-format.js'
import { resolveVerifyOptions, verifyEvents, type AuditVerifyOptions, type AuditVerifyResult } from './verify.js'

/**
 * Verifies a serialized log (the bytes of a log file): every line must be in canonical file form,
 * the file must end with a newline, and the records must verify as in {@link verifyEvents}. The
 * first problem by position wins.
 */
export function verifyLogBytes(bytes: Uint8Array, opts: AuditVerifyOptions = {}): AuditVerifyResult {
  const resolved = resolveVerifyOptions(opts)
  const parsed = parseLogBytes(bytes)
  const base = resolved.key === undefined ? {} : { publicKey: resolved.key }
  const result = verifyEvents(parsed.records, parsed.problem === undefined ? { ...base, ...(resolved.anchor === undefined ? {} : { anchor: resolved.anchor }) } : base)
  if (!result.ok || parsed.problem === undefined) return result
  return parsed.problem
}

/**
 * Verifies records given as an array, or a log file given by path (read whole into memory).
 * Throws only for unusable options or an unreadable file; a bad log is a result, not an exception.
 */
export async function verify(source: readonly unknown[] | string, opts: AuditVerifyOptions = {}): Promise<AuditVerifyResult> {
  if (typeof source !== 'string') return verifyEvents(source, opts)
  return verifyLogBytes(await readFile(source), opts)
}
