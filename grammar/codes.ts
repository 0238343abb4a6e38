/**
 * Stable diagnostic codes of the front end. Tests assert codes, never prose; docs/language.md
 * lists them. LEX codes are assigned in lexer.ts.
 */
export const PARSE = {
  /** Generic syntax error from the parser. */
  syntax: 'PARSE001',
  /** `allow read` — the `:` after a rule kind is missing. */
  missingColon: 'PARSE002',
  /** A `{`, `(` or `[` is never closed. */
  unclosed: 'PARSE003',
  /** `;` or `,` between rules. */
  ruleSeparator: 'PARSE004',
  /** `and` / `or` words instead of `&&` / `||`. */
  wordOperator: 'PARSE005',
  /** `"a" | "b"` unions. */
  unionPipe: 'PARSE006',
  /** `a::b` paths. */
  pathSeparator: 'PARSE007',
  /** `{"a", "b"}` set literals. */
  setLiteral: 'PARSE008',
  /** `X without Y` trailers. */
  without: 'PARSE009',
  /** `with` modifiers on an allow or deny rule. */
  withOnAllowDeny: 'PARSE010',
  /** A statement without its mandatory `;`. */
  missingSemicolon: 'PARSE011',
  /** Brackets nested deeper than the limit. */
  tooDeep: 'PARSE012',
  /** An expression tree deeper than the limit. */
  exprTooDeep: 'PARSE013',
  /** `name = value` outside a require/audit list. */
  misplacedAssign: 'PARSE014',
  /** Too many errors; the rest are not reported. */
  tooManyErrors: 'PARSE015',
  /** Input larger than the limit. */
  tooLarge: 'PARSE016',
  /** A closing bracket with no opening one. */
  unmatchedClose: 'PARSE017',
  /** A mismatched closing bracket (`(]`). */
  mismatchedClose: 'PARSE018',
  /** Lambda or closure parameter names repeated. */
  duplicateParam: 'PARSE019',
} as const

/** Seed extensions, reported only under `--strict`. */
export const STRICT = {
  /** `|d| expr` closures. */
  pipeClosure: 'PARSE101',
  /** `require: x for pattern` scopes. */
  forScope: 'PARSE102',
  /** `name = value` obligations in a require/audit list. */
  assignObligation: 'PARSE103',
  /** `audit: x with m1, m2` modifiers. */
  withModifiers: 'PARSE104',
} as const
