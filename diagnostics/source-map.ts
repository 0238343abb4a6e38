import type { Span } from './diagnostic.js'

/** A 1-based line and column (columns count UTF-16 code units, as editors do). */
export interface LineColumn {
  readonly line: number
  readonly column: number
}

/**
 * Converts offsets to line/column. Line starts are computed once per text so that reporting
 * thousands of diagnostics stays linear.
 */
export class LineIndex {
  private readonly starts: number[] = [0]

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      if (c === 10) this.starts.push(i + 1)
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) this.starts.push(i + 1)
    }
  }

  /** Line and column of an offset; offsets past the end clamp to the end. */
  position(offset: number): LineColumn {
    const o = Math.max(0, Math.min(offset, this.text.length))
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((this.starts[mid] ?? 0) <= o) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: o - (this.starts[lo] ?? 0) + 1 }
  }

  /** The offset of a 1-based line and column; positions past a line's end clamp to it. */
  offset(line: number, column: number): number {
    const start = this.starts[line - 1]
    if (start === undefined) return line < 1 ? 0 : this.text.length
    return Math.min(start + Math.max(0, column - 1), start + this.lineText(line).length)
  }

  /** The text of a 1-based line, without its terminator. */
  lineText(line: number): string {
    const start = this.starts[line - 1]
    if (start === undefined) return ''
    const next = this.starts[line]
    let end = next === undefined ? this.text.length : next
    while (end > start && (this.text.charCodeAt(end - 1) === 10 || this.text.charCodeAt(end - 1) === 13)) end--
    return this.text.slice(start, end)
  }

  /** Start and end positions of a span. */
  range(span: Span): { start: LineColumn; end: LineColumn } {
    return { start: this.position(span.start), end: this.position(span.end) }
  }
}
