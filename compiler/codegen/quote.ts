/**
 * The one quoting function of the JavaScript generator (Ajv's rule: every value that reaches
 * generated source goes through a single escaping point, never string concatenation).
 */

/**
 * A JavaScript string literal for `s`. JSON string syntax is a subset of JavaScript's; U+2028
 * and U+2029 are escaped as well so that the literal stays on one line for every tool, even
 * those predating ES2019.
 */
export function quote(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
}
