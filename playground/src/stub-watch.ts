/**
 * Stands in for runtime/watch.ts in the browser bundle: the engine's `watch(dir)` reads a
 * directory, which a page cannot. Substituted by the build (scripts/build-playground.mjs).
 */
export function watchPolicies(): never {
  throw new Error('watching a policy directory is not available in the browser')
}
export function readPolicyDir(): never {
  throw new Error('reading a policy directory is not available in the browser')
}
