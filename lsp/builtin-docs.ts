/**
 * One line per builtin for hovers and completions. The signatures are derived from the
 * builtins themselves (hover.ts); these lines say what the types cannot. A test checks that
 * every builtin has one, so a new builtin cannot ship undocumented in the editor.
 */
export const BUILTIN_DOCS: ReadonlyMap<string, string> = new Map([
  ['contains', '`x in c`: an array element (structural equality), a substring, or a record key.'],
  ['starts_with', 'True when the string begins with the prefix.'],
  ['ends_with', 'True when the string ends with the suffix.'],
  ['length', 'Array elements, record keys, or string code points (`"😀"` is 1).'],
  ['len', 'Same as `length`.'],
  ['lower', 'Lower case, locale-independent.'],
  ['upper', 'Upper case, locale-independent.'],
  ['keys', 'The record’s keys, sorted by UTF-16 code units.'],
  ['has', 'True when the record has the attribute (its value may be `null`).'],
  ['any', 'True when the predicate holds for some element; `false` for `[]`.'],
  ['all', 'True when the predicate holds for every element; `true` for `[]`.'],
  ['count', 'The array’s length, or the number of elements satisfying the predicate.'],
  ['map', 'The array of the function’s results.'],
  ['filter', 'The elements satisfying the predicate.'],
  ['min', 'The least of an array or of two or more comparables (numbers, durations, strings on one ladder).'],
  ['max', 'The greatest of an array or of two or more comparables.'],
  ['sum', 'Sum of numbers or of durations, left to right; `[]` is `0`.'],
  ['now', 'Request time in epoch milliseconds, fixed for the whole request.'],
  ['duration', 'Parses a duration string such as `"90d"`.'],
])

/** Keywords by where they may be written, for completion. */
export const TOP_LEVEL_KEYWORDS = ['policy', 'agent', 'metadata', 'type', 'function', 'schedule', 'channel', 'memory', 'webhook'] as const
export const RULE_KINDS = ['allow', 'deny', 'require', 'audit'] as const
export const EXPRESSION_KEYWORDS = ['if', 'else', 'true', 'false', 'not', 'in', 'let', 'for', 'match', 'return', 'with'] as const
/** Names every request binds (SEMANTICS.md name resolution). */
export const REQUEST_NAMES = ['principal', 'action', 'resource', 'context'] as const
