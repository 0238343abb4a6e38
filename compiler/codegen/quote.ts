/**
 * The one quoting function of the JavaScript generator (Ajv's rule: every value that reaches
 * generated source goes through a single escaping point, never string concatenation).
 */

/**
 * A JavaScript string literal for `s`. JSON string syntax is a subset of JavaScript's (lone
 * surrogates come out as `\uXXXX` escapes); U+2028 and U+2029 are escaped as well so that the
 * literal stays on one line for every tool, even those predating ES2019, and `<` so that the
 * literal can sit inside an HTML `<script>` (no `</script>` or `<!--` can appear in it).
 */
export function quote(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029<]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
