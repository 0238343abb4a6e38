/** Default bound on one audit append (RUNTIME.md: an append that does not settle is a failed append). */
export const DEFAULT_AUDIT_TIMEOUT_MS = 5000

/**
 * Waits for `p` at most `ms`, then rejects: every wait on something outside (an audit store, a
 * remote engine) has a bound, so a request fails closed instead of hanging. A late promise may
 * still settle; nothing waits for it.
 */
export async function withinBound<T>(p: T | PromiseLike<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([Promise.resolve(p), timeout])
  } finally {
    clearTimeout(timer)
  }
}
