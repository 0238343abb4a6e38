/**
 * Connections to the shared PostgreSQL. Every wait is bounded: connecting, each query
 * (client-side `query_timeout` and server-side `statement_timeout`), and idle clients are
 * dropped, so a database that stops answering turns into errors (and denies), never a hang.
 */
import pg from 'pg'

/** Bounds of a pool; defaults suit a decision service. */
export interface PoolOptions {
  /** Bound on opening a connection; default 3 s. */
  readonly connectTimeoutMs?: number
  /** Bound on one query; default 5 s. */
  readonly queryTimeoutMs?: number
  /** Connections at most; default 10. */
  readonly max?: number
  /** `application_name` shown in `pg_stat_activity`. */
  readonly applicationName?: string
}

/** The connection settings shared by pools and single clients. */
export function clientConfig(url: string, options: PoolOptions = {}): pg.ClientConfig {
  const query = options.queryTimeoutMs ?? 5000
  return {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    query_timeout: query,
    statement_timeout: query,
    keepAlive: true,
    application_name: options.applicationName ?? 'symbi-policy',
  }
}

/** A pool whose idle-client errors (the server went away) are reported, not thrown at the process. */
export function openPool(url: string, options: PoolOptions = {}, onError?: (e: Error) => void): pg.Pool {
  const pool = new pg.Pool({ ...clientConfig(url, options), max: options.max ?? 10, idleTimeoutMillis: 10_000 })
  pool.on('error', (e) => onError?.(e))
  return pool
}

/** A URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '(unparsable PostgreSQL URL)'
  }
}
