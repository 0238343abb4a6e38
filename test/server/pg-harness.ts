/**
 * PostgreSQL for tests: a fresh database per test file on the cluster `.ci/setup-postgres.sh`
 * started (SYMBI_POSTGRES_TEST_URL). In CI (CI=true) a missing cluster fails the tests; outside
 * CI they are skipped with the reason.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { migrate } from '../../server/postgres/migrations.js'
import { openPool } from '../../server/postgres/pool.js'

export const PG_URL = process.env['SYMBI_POSTGRES_TEST_URL']
export const PG_REQUIRED = process.env['CI'] === 'true'
export const PG_SKIP = PG_URL === undefined && !PG_REQUIRED
if (PG_SKIP) console.warn('PostgreSQL tests skipped: SYMBI_POSTGRES_TEST_URL is not set (run `bash .ci/setup-postgres.sh` and export the URL it prints)')

/** A fresh, migrated database; `drop()` removes it. */
export async function freshDatabase(): Promise<{ url: string; pool: pg.Pool; drop(): Promise<void> }> {
  if (PG_URL === undefined) throw new Error('CI=true but SYMBI_POSTGRES_TEST_URL is not set: .ci/setup-postgres.sh did not run or failed')
  const name = `symbi_t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const u = new URL(PG_URL)
  u.pathname = `/${name}`
  const url = u.toString()
  const pool = openPool(url)
  await migrate(pool)
  return {
    url,
    pool,
    async drop() {
      await pool.end().catch(() => undefined)
      const a = new pg.Client({ connectionString: PG_URL })
      await a.connect()
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await a.end()
    },
  }
}
