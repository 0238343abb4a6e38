/**
 * Whether to run Chevrotain's grammar validations (`SYMBI_VALIDATE_GRAMMAR=1`; tests do).
 * Read through `globalThis` so that the front end also runs where there is no `process`
 * (the playground in a browser).
 */
export function validateGrammar(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  return env?.['SYMBI_VALIDATE_GRAMMAR'] === '1'
}
