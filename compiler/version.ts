/**
 * Bumped whenever compiled output may change for the same input (part of every cache key, and
 * checked before a compiled module's generated functions are used).
 * 0.2.0: issue 9's semantics (scope, case-folded denies, checked reads, missing arguments, clock).
 * 0.3.0: modules carry generated evaluator code, which calls compiler/generate/helpers.ts.
 */
export const COMPILER_VERSION = '0.3.0'
