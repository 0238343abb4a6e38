import type { Diagnostic } from '../diagnostics/diagnostic.js'
import { parse, type ParseOptions } from './parse.js'
import { Printer } from './printer.js'

/** The formatter's answer: the formatted text, or the diagnostics that made it refuse. */
export type FormatResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] }

/**
 * Formats a source text canonically, keeping comments. A file with errors is refused: a
 * formatter that guessed at broken code could silently change what a policy means.
 */
export function format(text: string, options: ParseOptions = {}): FormatResult {
  const result = parse(text, options)
  if (!result.value) return { ok: false, diagnostics: result.diagnostics }
  return { ok: true, text: new Printer({ text, comments: result.comments }).program(result.value) }
}
