/**
 * Stable codes of the Cedar backend. Every construct the translation cannot express exactly (or
 * fail-closed) gets its own code, so tests and tooling can assert on it.
 */
export const CEDAR = {
  /** A lambda or a predicate builtin over collections (`any`, `all`, `map`, `filter`, `count`). */
  collectionPredicate: 'CEDAR001',
  /** Ordering between two values that are not statically numbers or durations and have no ladder literal. */
  unorderedStrings: 'CEDAR002',
  /** Division or modulo: Cedar has neither. */
  division: 'CEDAR003',
  /** A number literal that is not a safe integer (Cedar `Long` holds integers only). */
  nonInteger: 'CEDAR004',
  /** A `vault://` reference. */
  vault: 'CEDAR005',
  /** A builtin or host function without a Cedar equivalent (`length`, `lower`, `now`, host functions, …). */
  unsupportedFunction: 'CEDAR006',
  /** An approval requirement: Cedar decides only allow or deny. */
  approval: 'CEDAR007',
  /** An action pattern Cedar cannot express (two or more arguments, patterns binding different names). */
  pattern: 'CEDAR008',
  /** `==`, `!=`, `in` or `contains` that may compare arrays, which Cedar compares as sets. */
  setEquality: 'CEDAR009',
  /** `action`, `principal` or `resource` used as a whole value rather than through an attribute. */
  requestValue: 'CEDAR010',
  /** A string with a lone surrogate, which Cedar (UTF-8) cannot hold. */
  badString: 'CEDAR011',
  /** An expression form with no Cedar counterpart (numeric index, typed record, statements, …). */
  unsupportedExpression: 'CEDAR012',
  /** Arithmetic Cedar cannot match exactly: string concatenation, durations, nested arithmetic. */
  arithmetic: 'CEDAR013',
  /** A `like`/`has`/`duration` argument that is not a literal string. */
  nonLiteralArgument: 'CEDAR014',
  /** The emitted text did not parse as Cedar (a bug in the backend; nothing is written). */
  emitParse: 'CEDAR020',
  /** Cedar's validator rejected the policies against the emitted schema. */
  validation: 'CEDAR021',
  /** A schema type with no Cedar counterpart (`any`); the attribute is left out of the Cedar schema. */
  schemaType: 'CEDAR022',
  /** The Cedar schema emitted from the context schema did not parse. */
  schemaParse: 'CEDAR023',
} as const
