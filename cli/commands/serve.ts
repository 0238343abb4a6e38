import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { randomUUID } from 'node:crypto'
import { homedir, hostname } from 'node:os'
import type { Pool } from 'pg'
import { join, resolve } from 'node:path'
import { parseDuration } from '../../runtime/config/duration.js'
import { loadPublicKey } from '../../runtime/audit/keys.js'
import { openAuditLog } from '../../runtime/audit/open.js'
import { describeFsError } from '../../runtime/regular-file.js'
import { ApproverTokens, BundleLoader, BundleSource, createService, parseApproverTokenFile, DecisionLog, FileAudit, NoAudit, ServingSet, TokenCheck, parseTokenFile, trustedKeys, type ServiceAudit } from '../../server/index.js'
import { PostgresApprovals } from '../../server/postgres/approvals.js'
import { PostgresAudit } from '../../server/postgres/audit.js'
import { PostgresTofuStore } from '../../server/postgres/tofu-store.js'
import { PostgresSuspensionStore } from '../../server/postgres/suspension-store.js'
import { withSuspensions } from '../../server/suspended.js'
import { TofuKeyStore } from '../../runtime/tools/tofu-store.js'
import { ToolVerifier } from '../../runtime/tools/tool-verifier.js'
import { LATEST_SCHEMA, schemaVersion } from '../../server/postgres/migrations.js'
import { openPool, redactUrl } from '../../server/postgres/pool.js'
import { syntheticDeny } from '../../runtime/enforce/forbidden-error.js'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { parseArgs } from '../args.js'
import { collectFiles, readSources } from '../files.js'
import { EXIT, UsageError, type Command } from '../io.js'
import { readJson } from '../load-policies.js'

const HELP = `Usage: symbi-policy serve [policy files or dirs] [--bundle <url|path>] [--listen host:port]
                          [--token-file f] [--approver-token-file f] [--public-key k ...] [--poll-interval 30s] [--bundle-cache dir]
                          [--schema f] [--audit-log f --signing-key k [--audit-mode every_event|checkpoint]]
                          [--postgres url --signing-key k [--replica-id id]] [--tofu-store file]
                          [--decision-log f|-] [--decision-log-drop-allows] [--body-limit bytes] [--max-batch n]

Runs the decision service (docs/service.md): POST /v1/evaluate, /v1/explain; GET /health/live,
/health/ready, /v1/status, /metrics; approvals under /v1/approvals.

Policies come from the paths given, or from a bundle (\`symbi-policy bundle build\`) polled from a
file or an http(s) URL; with --public-key (repeatable) only bundles signed by one of the keys are
served. Bearer tokens are read from --token-file (one per line) or SYMBI_SERVE_TOKEN, never argv;
without one the service listens on loopback only. Approvals are resolved with the tokens of
--approver-token-file (\`<approver> <token>\` per line): the token names the approver, and a
service token cannot approve. SIGTERM and SIGINT drain in-flight requests,
flush the audit trail and the decision log, and exit 0.

With --postgres (or SYMBIONT_POSTGRES_URL) the audit chain (one per replica, --replica-id) and
the approvals and the TOFU pins of POST /v1/tools/verify live in PostgreSQL and are shared by
every replica (without it, --tofu-store names a file store); run \`symbi-policy db migrate\`
first. While the database is unreachable audited decisions deny and /health/ready says why.
`

function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text)
  const host = m?.[1] ?? m?.[2]
  const port = Number(m?.[3])
  if (host === undefined || !Number.isInteger(port) || port > 65535) throw new UsageError(`--listen must be host:port (e.g. 127.0.0.1:8181 or [::1]:8181), not '${text}'`)
  return { host, port }
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1'
}

function readText(path: string, cwd: string, what: string): string {
  try {
    return readFileSync(resolve(cwd, path), 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read ${what} '${path}': ${describeFsError(e)}`)
  }
}

/** `symbi-policy serve`. */
export const serve: Command = async (args, io) => {
  const a = parseArgs(args, {
    flags: ['--help', '--decision-log-drop-allows'],
    options: ['--bundle', '--listen', '--token-file', '--poll-interval', '--bundle-cache', '--schema', '--audit-log', '--signing-key', '--audit-mode', '--decision-log', '--body-limit', '--max-batch', '--postgres', '--replica-id', '--tofu-store', '--approver-token-file'],
    repeatable: ['--public-key'],
  })
  if (a.flags.has('--help')) return void io.out(HELP), EXIT.ok
  const bundleAt = a.options.get('--bundle')
  if (bundleAt === undefined && a.positionals.length === 0) throw new UsageError(`give policy paths or --bundle\n\n${HELP}`)
  if (bundleAt !== undefined && a.positionals.length > 0) throw new UsageError('give policy paths or --bundle, not both')
  const { host, port } = parseListen(a.options.get('--listen') ?? '127.0.0.1:8181')
  const tokenFile = a.options.get('--token-file')
  const tokens = tokenFile !== undefined ? parseTokenFile(readText(tokenFile, io.cwd, 'token file')) : io.env['SYMBI_SERVE_TOKEN'] ? [io.env['SYMBI_SERVE_TOKEN']] : []
  let tokenCheck: TokenCheck | undefined
  if (tokens.length > 0) {
    try {
      tokenCheck = new TokenCheck(tokens)
    } catch (e) {
      throw new UsageError(`bad token${tokenFile ? ` in '${tokenFile}'` : ' in SYMBI_SERVE_TOKEN'}: ${e instanceof Error ? e.message : String(e)}`)
    }
  } else if (tokenFile !== undefined) throw new UsageError(`token file '${tokenFile}' holds no token`)
  const approverFile = a.options.get('--approver-token-file')
  let approverTokens: ApproverTokens | undefined
  if (approverFile !== undefined) {
    try {
      approverTokens = new ApproverTokens(parseApproverTokenFile(readText(approverFile, io.cwd, 'approver token file')))
    } catch (e) {
      if (e instanceof UsageError) throw e
      throw new UsageError(`bad approver token file '${approverFile}': ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  if (tokenCheck === undefined && !isLoopback(host)) throw new UsageError(`listening on ${host} (not loopback) needs a bearer token: --token-file or SYMBI_SERVE_TOKEN`)
  const pollMs = parseDuration(a.options.get('--poll-interval') ?? '30s')
  if (pollMs === undefined || pollMs < 100) throw new UsageError(`--poll-interval must be a duration of at least 100ms (e.g. 30s), not '${a.options.get('--poll-interval')}'`)
  const bodyLimit = Number(a.options.get('--body-limit') ?? 1024 * 1024)
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1024) throw new UsageError('--body-limit must be a whole number of bytes, at least 1024')
  const maxBatch = Number(a.options.get('--max-batch') ?? 1000)
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new UsageError('--max-batch must be a positive whole number')
  const keys = trustedKeys(
    (a.repeated.get('--public-key') ?? []).map((k) => {
      try {
        return loadPublicKey(resolve(io.cwd, k))
      } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e))
      }
    }),
  )
  const log = (line: string): void => io.err(`symbi-policy serve: ${line}\n`)

  let audit: ServiceAudit = new NoAudit()
  const auditLog = a.options.get('--audit-log')
  const pgUrl = a.options.get('--postgres') ?? (io.env['SYMBIONT_POSTGRES_URL'] || undefined)
  const mode = a.options.get('--audit-mode')
  if (mode !== undefined && mode !== 'every_event' && mode !== 'checkpoint') throw new UsageError(`--audit-mode must be 'every_event' or 'checkpoint', not '${mode}'`)
  if (auditLog !== undefined && pgUrl !== undefined) throw new UsageError('give --audit-log or --postgres, not both (with --postgres the audit chain is in the database)')
  const key = a.options.get('--signing-key')
  const replica = a.options.get('--replica-id') ?? `${hostname()}-${randomUUID().slice(0, 8)}`
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(replica)) throw new UsageError('--replica-id must be 1-128 letters, digits, dots, dashes, colons or underscores')
  let pool: Pool | undefined
  if (pgUrl !== undefined) {
    if (key === undefined) throw new UsageError('--postgres needs --signing-key: the audit chain in the database is signed (create one with `symbi-policy audit keygen --out <dir>`)')
    pool = openPool(pgUrl, {}, (e) => log(`database: ${e.message}`))
    const at = await schemaVersion(pool).catch(() => undefined)
    if (at !== undefined && at < LATEST_SCHEMA) {
      await pool.end()
      throw new UsageError(`the database at ${redactUrl(pgUrl)} is at schema version ${at}, this build needs ${LATEST_SCHEMA}: run \`symbi-policy db migrate\``)
    }
    if (at === undefined) log(`database ${redactUrl(pgUrl)} does not answer; starting not ready, retrying`)
    try {
      audit = await PostgresAudit.open({ url: pgUrl, chainId: replica, signingKey: resolve(io.cwd, key), mode: mode === 'checkpoint' ? 'checkpoint' : 'every', log })
    } catch (e) {
      await pool.end()
      throw new UsageError(`cannot open the audit chain: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  if (auditLog !== undefined) {
    if (key === undefined) throw new UsageError('--audit-log needs --signing-key (create one with `symbi-policy audit keygen --out <dir>`)')
    try {
      audit = new FileAudit(await openAuditLog(resolve(io.cwd, auditLog), { signingKey: resolve(io.cwd, key), mode: mode === 'checkpoint' ? 'checkpoint' : 'every' }))
    } catch (e) {
      throw new UsageError(`cannot open audit log '${auditLog}': ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  const decisionLogAt = a.options.get('--decision-log')
  const decisionLog = decisionLogAt === undefined ? undefined : new DecisionLog({ destination: decisionLogAt === '-' ? '-' : resolve(io.cwd, decisionLogAt), dropAllows: a.flags.has('--decision-log-drop-allows') })

  const serving = new ServingSet()
  let loader: BundleLoader | undefined
  if (bundleAt !== undefined) {
    const location = /^https?:\/\//i.test(bundleAt) ? bundleAt : resolve(io.cwd, bundleAt)
    const cacheDir = a.options.get('--bundle-cache') ?? join(io.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'symbi-policy', 'bundles')
    loader = new BundleLoader({ source: new BundleSource({ location, trusted: keys, cacheDir: resolve(io.cwd, cacheDir) }), serving, intervalMs: pollMs, log })
  } else {
    const files = readSources(collectFiles(a.positionals, io.cwd), io.cwd)
    if (files.length === 0) throw new UsageError('no .policy or .symbi files found')
    const schemaPath = a.options.get('--schema')
    const schema = schemaPath === undefined ? undefined : await readJson(schemaPath, io, 'schema')
    if (!serving.loadSources(files.map((f) => ({ name: f.path, source: f.text })), schema)) {
      io.err(`symbi-policy serve: ${serving.lastError?.message ?? 'policies could not be loaded'} (run \`symbi-policy check\`)\n`)
      await audit.close()
      await pool?.end().catch(() => undefined)
      return EXIT.failure
    }
  }
  // Suspensions imposed by incident response — here or at any host or replica writing the same
  // database — deny at once, survive restarts, and make approving a parked request grant nothing.
  // A database that is down at start-up does not stop the service: until the table is read,
  // every agent counts as suspended (and /health/ready says why).
  const suspensions = pool === undefined ? undefined : await PostgresSuspensionStore.open(pool, { listen: true, refreshMs: 5000, waitForDatabase: true })
  const suspended = suspensions === undefined ? undefined : (agent: string) => suspensions.get(agent)
  const decider = withSuspensions({ evaluate: (r: AuthzRequest) => serving.engine?.evaluate(r) ?? syntheticDeny('no policy set is serving') }, suspended)
  const approvals = pool !== undefined && pgUrl !== undefined ? new PostgresApprovals({ url: pgUrl, pool, decider, audit, replica, log }) : undefined
  // Security events (authentication failures, blocked tools, …) go into the same audit chain as decisions;
  // detector thresholds come from the [security_events] section of SYMBIONT_CONFIG's file.
  const { loadConfig } = await import('../../runtime/config/load-config.js')
  const { SecurityMonitor, detectorsFromConfig } = await import('../../runtime/events/index.js')
  const eventsConfig = loadConfig({ env: io.env }).config?.events
  const security = new SecurityMonitor({ ...(audit.enabled ? { audit } : {}), ...(eventsConfig === undefined ? {} : { detectors: detectorsFromConfig(eventsConfig) }), ...(suspensions ? { suspensions } : {}) })
  const tofuPath = a.options.get('--tofu-store')
  const keyStore = pool !== undefined ? new PostgresTofuStore(pool) : tofuPath !== undefined ? new TofuKeyStore({ path: resolve(io.cwd, tofuPath) }) : undefined
  const toolVerifier = keyStore === undefined ? undefined : new ToolVerifier({ mode: 'strict', store: keyStore, security })
  const service = createService({ serving, audit, security, ...(approvals ? { approvals } : {}), ...(toolVerifier ? { toolVerifier } : {}), ...(keyStore || suspensions ? { stores: () => ({ ...(keyStore ? { tofu: keyStore.health() } : {}), ...(suspensions ? { suspensions: suspensions.health() } : {}) }) } : {}), ...(tokenCheck ? { tokens: tokenCheck } : {}), ...(approverTokens ? { approverTokens } : {}), ...(suspended ? { suspended } : {}), bodyLimit, maxBatch, ...(decisionLog ? { decisionLog } : {}), serviceVersion: packageVersion(), onInternalError: (e) => log(`internal error: ${e instanceof Error ? e.message : String(e)}`) })
  await loader?.start()
  let address: string
  try {
    address = await service.app.listen({ host, port })
  } catch (e) {
    await loader?.stop()
    await service.close()
    await suspensions?.close()
    throw new UsageError(`cannot listen on ${host}:${port}: ${e instanceof Error ? e.message : String(e)}`)
  }
  log(`listening on ${address} (${pgUrl !== undefined ? `replica ${replica}, ` : ''}${serving.ready ? `policy version ${serving.version}` : 'not ready: no verified policy set yet'}${tokenCheck ? ', bearer tokens required' : ''})`)
  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm)
      process.off('SIGINT', onInt)
      log(`${signal}: draining`)
      void (async () => {
        await loader?.stop()
        await service.close()
        await suspensions?.close()
        await pool?.end().catch(() => undefined)
        done()
      })()
    }
    const onTerm = (): void => stop('SIGTERM')
    const onInt = (): void => stop('SIGINT')
    process.on('SIGTERM', onTerm)
    process.on('SIGINT', onInt)
  })
  log('stopped')
  return EXIT.ok
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version
}
