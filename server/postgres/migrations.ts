/**
 * Versioned schema migrations (`symbi-policy db migrate`). Each runs once, in a transaction,
 * under an advisory lock, so replicas that migrate at the same time cannot both apply one.
 */
import type pg from 'pg'

/** One migration. Never edit a released one: add the next. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit chains, approvals, TOFU pins',
    sql: `
CREATE TABLE symbi_audit_events (
  chain_id    text        NOT NULL,
  seq         bigint      NOT NULL CHECK (seq >= 1),
  hash        text        NOT NULL,
  prev_hash   text        NOT NULL,
  record      text        NOT NULL,
  inserted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, seq)
);
CREATE FUNCTION symbi_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'symbi_audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER symbi_audit_no_update BEFORE UPDATE OR DELETE ON symbi_audit_events FOR EACH ROW EXECUTE FUNCTION symbi_audit_append_only();
CREATE TRIGGER symbi_audit_no_truncate BEFORE TRUNCATE ON symbi_audit_events FOR EACH STATEMENT EXECUTE FUNCTION symbi_audit_append_only();

CREATE TABLE symbi_approvals (
  id          uuid        PRIMARY KEY,
  replica     text        NOT NULL,
  agent_id    text        NOT NULL,
  request     jsonb       NOT NULL,
  approvers   jsonb       NOT NULL,
  grants      jsonb       NOT NULL DEFAULT '[]'::jsonb,
  status      text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'rejected', 'timed_out')),
  decision    jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  resolved_at timestamptz,
  resolved_by text,
  reason      text
);
CREATE INDEX symbi_approvals_pending ON symbi_approvals (expires_at) WHERE status = 'pending';

CREATE TABLE symbi_tofu_pins (
  provider   text        PRIMARY KEY,
  key_id     text        NOT NULL,
  public_key text        NOT NULL,
  pinned_at  timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 2,
    name: 'key management: key records and the revocation list',
    sql: `
CREATE TABLE symbi_keys (
  id         text        PRIMARY KEY CHECK (id ~ '^sha256:[0-9a-f]{64}$'),
  record     jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE symbi_key_revocations (
  id         smallint    PRIMARY KEY CHECK (id = 1),
  list       jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 3,
    name: 'incident response: suspended agents, shared by replicas and kept across restarts',
    sql: `
CREATE TABLE symbi_suspensions (
  agent      text        PRIMARY KEY CHECK (agent <> ''),
  since_ms   bigint      NOT NULL,
  reason     text        NOT NULL,
  event      text,
  created_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 4,
    name: 'audit retention: a signed tombstone per chain stands for the rows it deleted',
    sql: `
CREATE TABLE symbi_audit_tombstones (
  chain_id   text        PRIMARY KEY,
  cut_seq    bigint      NOT NULL CHECK (cut_seq >= 1),
  hash       text        NOT NULL,
  record     text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
-- A tombstone only moves forward and is never removed: rows it stood for stay accounted for.
CREATE FUNCTION symbi_audit_tombstone_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.chain_id = OLD.chain_id AND NEW.cut_seq > OLD.cut_seq THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'symbi_audit_tombstones only moves forward: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER symbi_audit_tombstone_no_back BEFORE UPDATE OR DELETE ON symbi_audit_tombstones FOR EACH ROW EXECUTE FUNCTION symbi_audit_tombstone_forward();
CREATE TRIGGER symbi_audit_tombstone_no_truncate BEFORE TRUNCATE ON symbi_audit_tombstones FOR EACH STATEMENT EXECUTE FUNCTION symbi_audit_tombstone_forward();
-- Rows stay append-only, except that a row a chain's tombstone covers may be deleted. Whether
-- that tombstone is genuine is what \`audit verify\` decides (it is signed with the chain's key);
-- a deletion without one is still refused here.
CREATE OR REPLACE FUNCTION symbi_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM symbi_audit_tombstones t WHERE t.chain_id = OLD.chain_id AND t.cut_seq >= OLD.seq) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'symbi_audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
`,
  },
]

/** What `migrate` did. */
export interface MigrateResult {
  readonly applied: readonly Migration[]
  /** Version after the run. */
  readonly version: number
}

const LOCK_KEY = 0x73796d62 // 'symb'

/** Applies every migration not yet applied, in order. */
export async function migrate(pool: pg.Pool): Promise<MigrateResult> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY])
    await client.query(`CREATE TABLE IF NOT EXISTS symbi_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM symbi_migrations')).rows.map((r) => r.version))
    const applied: Migration[] = []
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue
      await client.query(m.sql)
      await client.query('INSERT INTO symbi_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      applied.push(m)
    }
    await client.query('COMMIT')
    return { applied, version: Math.max(0, ...MIGRATIONS.map((m) => m.version)) }
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw e
  } finally {
    client.release()
  }
}

/** The schema version the database is at (0 when never migrated). */
export async function schemaVersion(pool: pg.Pool): Promise<number> {
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('symbi_migrations')::text AS t")
  if (exists.rows[0]?.t == null) return 0
  const r = await pool.query<{ v: number | null }>('SELECT max(version) AS v FROM symbi_migrations')
  return r.rows[0]?.v ?? 0
}

/** The latest version this build knows. */
export const LATEST_SCHEMA = Math.max(...MIGRATIONS.map((m) => m.version))
