import type { TextEdit } from './diagnostic.js'

/**
 * Applies non-overlapping edits to a text. Edits are applied from the end backwards so that
 * earlier offsets stay valid; overlapping edits are refused rather than merged by guesswork.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.span.start - a.span.start || b.span.end - a.span.end)
  let out = text
  let limit = Number.POSITIVE_INFINITY
  for (const e of sorted) {
    if (e.span.start < 0 || e.span.end > text.length || e.span.start > e.span.end) throw new RangeError(`edit ${e.span.start}..${e.span.end} lies outside the text (length ${text.length})`)
    if (e.span.end > limit) throw new RangeError(`edits overlap at offset ${e.span.end}`)
    out = out.slice(0, e.span.start) + e.text + out.slice(e.span.end)
    limit = e.span.start
  }
  return out
}
