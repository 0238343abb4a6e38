import { serializeEvent } from './event.js'
import { checkRecordShape } from './record-shape.js'

/**
 * File format (docs/audit.md "File format"): UTF-8, one record per line, each line exactly
 * `serializeEvent(record)` followed by `\n`. Nothing else is allowed — no blank lines, no BOM, no
 * spaces, no other escape spellings or key order — so a record has one byte form and any changed
 * byte of a log is either malformed or changes hashed content or a signature.
 *
 * Parses one line (without its newline) strictly; returns the record or what is wrong.
 */
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
