import { LATEST_SCHEMA, migrate, schemaVersion } from '../../server/postgres/migrations.js'
import { openPool, redactUrl } from '../../server/postgres/pool.js'
import { parseArgs } from '../args.js'
import { EXIT, UsageError, type Command } from '../io.js'

const HELP = `Usage: symbi-policy db migrate [--postgres <url>]
       symbi-policy db status  [--postgres <url>]

migrate  applies the schema migrations the database does not have yet (audit chains, approvals,
         TOFU pins), each once, in a transaction, under a lock (replicas may run it together).
status   prints the schema version of the database and of this build.
The URL defaults to SYMBIONT_POSTGRES_URL. Exit codes: 0 done, 1 database error, 2 usage.
`

/** `symbi-policy db migrate|status`. */
export const db: Command = async (args, io) => {
  const [sub, ...rest] = args
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.out(HELP)
    return sub === undefined ? EXIT.usage : EXIT.ok
  }
  if (sub !== 'migrate' && sub !== 'status') throw new UsageError(`unknown db command '${sub}' (migrate or status)\n\n${HELP}`)
  const a = parseArgs(rest, { flags: ['--help'], options: ['--postgres'] })
  if (a.flags.has('--help')) return void io.out(HELP), EXIT.ok
  const url = a.options.get('--postgres') ?? io.env['SYMBIONT_POSTGRES_URL']
  if (url === undefined || url === '') throw new UsageError('give --postgres <url> or set SYMBIONT_POSTGRES_URL')
  const pool = openPool(url, { max: 1, queryTimeoutMs: 60_000 })
  try {
    if (sub === 'status') {
      io.out(`database schema version ${await schemaVersion(pool)}; this build knows ${LATEST_SCHEMA}\n`)
      return EXIT.ok
    }
    const r = await migrate(pool)
    io.out(r.applied.length === 0 ? `up to date at schema version ${r.version}\n` : r.applied.map((m) => `applied ${m.version}: ${m.name}\n`).join(''))
    return EXIT.ok
  } catch (e) {
    io.err(`symbi-policy db ${sub}: ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}\n`)
    return EXIT.failure
  } finally {
    await pool.end().catch(() => undefined)
  }
}
