/**
 * Formatting through `fmt` — the same printer as the CLI, so the editor and CI agree. A range
 * formats the top-level items it touches (items are self-contained, so each formats alone).
 */
import type { Span, TextEdit } from '../diagnostics/diagnostic.js'
import { format } from '../grammar/format.js'
import { parse } from '../grammar/parse.js'

/** The smallest single edit turning `before` into `after` (common prefix and suffix kept). */
export function minimalEdit(before: string, after: string, offset = 0): TextEdit[] {
  if (before === after) return []
  let start = 0
  while (start < before.length && start < after.length && before[start] === after[start]) start++
  let end = 0
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++
  return [{ span: { start: offset + start, end: offset + before.length - end }, text: after.slice(start, after.length - end) }]
}

/** Edits formatting the whole text; none when it has errors (the formatter refuses broken input). */
export function formatDocument(text: string, strict: boolean): TextEdit[] {
  const r = format(text, { strict })
  return r.ok ? minimalEdit(text, r.text) : []
}

/** Edits formatting the top-level items that overlap `range`. */
export function formatRange(text: string, range: Span, strict: boolean): TextEdit[] {
  const program = parse(text, { strict }).value
  if (program === undefined) return []
  const touched = program.items.filter((i) => i.span.start < range.end && range.start < i.span.end)
  const first = touched[0]
  const last = touched[touched.length - 1]
  if (first === undefined || last === undefined) return []
  const slice = text.slice(first.span.start, last.span.end)
  const r = format(slice, { strict })
  if (!r.ok) return []
  return minimalEdit(slice, r.text.replace(/\n+$/, ''), first.span.start)
}
