import type { Diagnostic } from './diagnostic.js'
import { LineIndex } from './source-map.js'

/** The JSON shape of one diagnostic in `check --format json` (a CLI contract). */
export interface DiagnosticJson {
  code: string
  severity: string
  message: string
  line: number
  column: number
  endLine: number
  endColumn: number
  hint?: string
}

/** Converts a diagnostic to the CLI's JSON shape. */
export function diagnosticToJson(d: Diagnostic, index: LineIndex): DiagnosticJson {
  const { start, end } = index.range(d.span)
  const out: DiagnosticJson = {
    code: d.code,
    severity: d.severity,
    message: d.message,
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
  }
  if (d.help !== undefined) out.hint = d.help
  return out
}

/**
 * Renders `path:line:col: error[CODE]: message`, the source line, a caret under the span,
 * then the hint and related locations, in the style of rustc.
 */
export function formatDiagnostic(d: Diagnostic, path: string, index: LineIndex): string {
  const { start, end } = index.range(d.span)
  const lines = [`${path}:${start.line}:${start.column}: ${d.severity}[${d.code}]: ${d.message}`]
  lines.push(...snippet(index, start.line, start.column, end.line === start.line ? end.column : undefined))
  if (d.help !== undefined) lines.push(`  = help: ${d.help}`)
  for (const r of d.related ?? []) {
    const p = index.position(r.span.start)
    lines.push(`  = note: ${path}:${p.line}:${p.column}: ${r.message}`)
    lines.push(...snippet(index, p.line, p.column, undefined))
  }
  return lines.join('\n')
}

function snippet(index: LineIndex, line: number, column: number, endColumn: number | undefined): string[] {
  const raw = index.lineText(line)
  // Long lines (minified or generated input) are cut around the caret so output stays readable.
  const from = Math.max(0, column - 60)
  const text = raw.slice(from, from + 120).replace(/\t/g, ' ')
  const gutter = String(line)
  const width = endColumn !== undefined && endColumn > column ? Math.min(endColumn - column, 120) : 1
  const pad = ' '.repeat(gutter.length)
  return [`${pad} |`, `${gutter} | ${text}`, `${pad} | ${' '.repeat(column - 1 - from)}${'^'.repeat(width)}`]
}
