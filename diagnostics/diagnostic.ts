/** A half-open range of UTF-16 offsets into a source text. */
export interface Span {
  /** Offset of the first character. */
  readonly start: number
  /** Offset one past the last character. */
  readonly end: number
}

/** How bad a diagnostic is; only `error` makes a file fail to check. */
export type Severity = 'error' | 'warning' | 'info'

/** A secondary location that explains a diagnostic (e.g. the opening brace of an unclosed block). */
export interface RelatedInfo {
  /** What this location is. */
  readonly message: string
  /** Where it is. */
  readonly span: Span
}

/** One replacement of source text: the characters of `span` become `text` (an empty span inserts). */
export interface TextEdit {
  readonly span: Span
  readonly text: string
}

/**
 * A mechanical repair of a diagnostic (a fix-it): applying every edit yields source text in
 * which this diagnostic no longer appears. Editors offer it as a quick fix.
 */
export interface Fix {
  /** What the fix does, as a command: "replace `and` with `&&`". */
  readonly title: string
  /** Non-overlapping edits against the text the diagnostic was reported on. */
  readonly edits: readonly TextEdit[]
}

/**
 * The one diagnostic shape of every phase. Codes are stable and prefixed by phase:
 * `LEX`, `PARSE`, `CHECK`, `EVAL`, `CEDAR`. Line and column are derived lazily at display time.
 */
export interface Diagnostic {
  /** Stable code such as `PARSE012`; tests assert on it. */
  readonly code: string
  /** Error, warning or info. */
  readonly severity: Severity
  /** One-sentence description of what is wrong. */
  readonly message: string
  /** Where it is wrong. */
  readonly span: Span
  /** How to fix it, when we know. */
  readonly help?: string
  /** Other places that explain the problem. */
  readonly related?: readonly RelatedInfo[]
  /** Mechanical repairs, when the repair is certain. */
  readonly fixes?: readonly Fix[]
}

/** The result shape of every compile-path function: a value when there were no errors, and all diagnostics. */
export interface Result<T> {
  /** Present only when `diagnostics` holds no error. */
  readonly value?: T
  /** Every error, warning and note found. */
  readonly diagnostics: readonly Diagnostic[]
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error')
}

/** Builds a diagnostic without optional fields set to `undefined` (exactOptionalPropertyTypes). */
export function diagnostic(
  code: string,
  severity: Severity,
  message: string,
  span: Span,
  extra: { help?: string | undefined; related?: readonly RelatedInfo[] | undefined; fixes?: readonly Fix[] | undefined } = {},
): Diagnostic {
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, severity, message, span }
  if (extra.help !== undefined) d.help = extra.help
  if (extra.related !== undefined && extra.related.length > 0) d.related = extra.related
  if (extra.fixes !== undefined && extra.fixes.length > 0) d.fixes = extra.fixes
  return d
}

/** A fix that replaces one span with one text. */
export function replaceFix(title: string, span: Span, text: string): Fix {
  return { title, edits: [{ span, text }] }
}
