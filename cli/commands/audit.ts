import { access, chmod, mkdir, writeFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { parseArgs } from '../args.js'
import { EXIT, UsageError, type CliIO, type Command } from '../io.js'
import { AuditKeyError, generateAuditKeyPair, loadPublicKey } from '../../runtime/audit/keys.js'
import { verify } from '../../runtime/audit/verify-log.js'
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto'
import { stampEvent, type SecurityEventInput } from '../../runtime/events/security-event.js'
import { tamperEvent } from '../../runtime/events/tamper.js'
import { webhookSubscriber } from '../../runtime/events/webhook.js'
import { FileKeyStore, KeyError, KeyManager } from '../../runtime/keys/index.js'

const USAGE = `Usage:
  symbi-policy audit verify <log> [--public-key <public.pem> | --key-store <dir> --key-id <id>] [--anchor <hex head hash>] [--live] [--webhook <url>]
  symbi-policy audit verify --postgres <url> [--chain <id> [--anchor <hex head hash>]] [--public-key <public.pem>] [--live] [--webhook <url>]
  symbi-policy audit keygen --out <dir> [--force]
  symbi-policy audit prune <log> --before <ISO time> --signing-key <private.pem> [--archive <file>]
  symbi-policy audit prune --postgres <url> --chain <id> --before <ISO time> --signing-key <private.pem> [--archive <file>]
  symbi-policy audit export <log> --from <ISO time> --to <ISO time> --signing-key <private.pem> -o <file>
  symbi-policy audit export --postgres <url> --chain <id> --from <ISO time> --to <ISO time> --signing-key <private.pem> -o <file>

verify   checks the hash chain (and, with --public-key, every signature, that every record is
         covered by one, and that no session's signing mode was downgraded) and, with
         --anchor, that the log still contains the head hash recorded earlier. --live accepts
         an unsigned tail of at most the declared checkpoint interval (a log still being written)
         and says how many records it could not vouch for.
         Prints "ok: N events, head <hash>" (exit 0) or the first bad event and why (exit 1).
         With --postgres (or SYMBIONT_POSTGRES_URL) every replica's chain in the database is
         verified (or the one --chain names), and a failure names the chain and the first bad row.
         --webhook posts an audit_tamper security event (JSON, docs/events.md) for each chain
         that fails, each post bounded by 5 s; the exit code does not depend on the delivery.
keygen   writes an Ed25519 key pair: <dir>/private.pem (PKCS#8, mode 0600), <dir>/public.pem (SPKI).
prune    retention: deletes the records before --before (or moves them to --archive, a new file
         that verifies on its own) and opens the log with one signed tombstone, after which the
         log still verifies. The log must verify first and must not be open by a writer.
         With --postgres, one replica's chain in the database (--signing-key is that replica's):
         the rows go and the chain's tombstone stands for them, in one transaction; its writer may
         keep running (the unsigned tail and the last row are never pruned).
export   evidence: the records from --from to --to (widened to signed records at both ends) as
         a log of their own, opened by a signed tombstone, that \`audit verify\` accepts. With
         --postgres, from one replica's chain in the database (--signing-key is that replica's).
`

/** `symbi-policy audit verify|keygen`. */
export const audit: Command = async (args, io) => {
  const [sub, ...rest] = args
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(USAGE)
    return sub === undefined ? EXIT.usage : EXIT.ok
  }
  if (sub === 'verify') return verifyCommand(rest, io)
  if (sub === 'keygen') return keygenCommand(rest, io)
  if (sub === 'prune') return pruneCommand(rest, io)
  if (sub === 'export') return exportCommand(rest, io)
  throw new UsageError(`unknown subcommand '${sub}' (verify, keygen, prune, export)\n${USAGE}`)
}

/** The `--public-key` of a verify command, loaded; a bad key is a usage error. */
function publicKeyOption(io: CliIO, keyPath: string | undefined): KeyObject | undefined {
  if (keyPath === undefined) return undefined
  try {
    return loadPublicKey(abs(io, keyPath))
  } catch (e) {
    if (e instanceof AuditKeyError) throw new UsageError(e.message)
    throw e
  }
}

/**
 * `--key-store <dir> --key-id <id>`: the signing key comes from key management, and each
 * signature must also have been made while the key was in good standing (certified, not
 * retired, not revoked by then: AUDIT_KEY_NOT_TRUSTED otherwise).
 */
function keyStoreOption(io: CliIO, store: string | undefined, keyId: string | undefined): { publicKey: KeyObject; keyStanding: (t: number) => string | undefined } | undefined {
  if (store === undefined && keyId === undefined) return undefined
  if (store === undefined || keyId === undefined) throw new UsageError('--key-store and --key-id go together')
  const km = new KeyManager(new FileKeyStore(abs(io, store)))
  let publicKey: KeyObject
  try {
    publicKey = createPublicKey(km.exportPublic(keyId))
  } catch (e) {
    if (e instanceof KeyError) throw new UsageError(e.message)
    throw e
  }
  return {
    publicKey,
    keyStanding: (t) => {
      const v = km.standing(keyId, t)
      return v.ok ? undefined : v.reason
    },
  }
}

function abs(io: CliIO, p: string): string {
  return isAbsolute(p) ? p : resolve(io.cwd, p)
}

async function verifyCommand(args: readonly string[], io: CliIO): Promise<number> {
  const a = parseArgs(args, { flags: ['--help', '--live'], options: ['--public-key', '--anchor', '--postgres', '--chain', '--key-store', '--key-id', '--webhook'] })
  if (a.flags.has('--help')) {
    io.out(USAGE)
    return EXIT.ok
  }
  const webhook = webhookOption(a.options.get('--webhook'))
  const pgUrl = a.options.get('--postgres') ?? (a.positionals.length === 0 ? io.env['SYMBIONT_POSTGRES_URL'] : undefined)
  if (pgUrl !== undefined) return verifyPostgres(pgUrl, a.options.get('--chain'), a.options.get('--public-key'), a.options.get('--anchor'), a.flags.has('--live'), a.positionals.length, webhook, io)
  if (a.positionals.length !== 1) throw new UsageError(`verify takes exactly one log file, got ${a.positionals.length}`)
  const log = abs(io, a.positionals[0] as string)
  const anchorOpt = a.options.get('--anchor')
  if (anchorOpt !== undefined && !/^[0-9a-fA-F]{64}$/.test(anchorOpt)) throw new UsageError(`--anchor must be a head hash of 64 hex digits, got '${anchorOpt}'`)
  const anchor = anchorOpt?.toLowerCase()
  const keyPath = a.options.get('--public-key')
  const managed = keyStoreOption(io, a.options.get('--key-store'), a.options.get('--key-id'))
  if (managed !== undefined && keyPath !== undefined) throw new UsageError('give --public-key or --key-store/--key-id, not both')
  const publicKey = managed?.publicKey ?? publicKeyOption(io, keyPath)
  let result
  try {
    result = await verify(log, { ...(publicKey === undefined ? {} : { publicKey }), ...(managed === undefined ? {} : { keyStanding: managed.keyStanding }), ...(anchor === undefined ? {} : { anchor }), live: a.flags.has('--live') })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code !== 'string') throw e
    throw new UsageError(`cannot read log '${log}': ${code}`)
  }
  if (!result.ok) {
    io.out(`FAILED at event ${result.index}: ${result.code}: ${result.message}\n`)
    if (webhook !== undefined) await reportTamper(webhook, [tamperEvent(result, log)], io)
    return EXIT.failure
  }
  io.out(`ok: ${result.count} events, head ${result.head}\n`)
  const notes: string[] = []
  if (result.signaturesChecked) notes.push(`${result.signatures} signatures verified`)
  else notes.push('signatures not checked (no --public-key)')
  if (result.unsignedTail > 0) notes.push(`--live: ${result.unsignedTail} trailing events are not yet covered by a signature and could not be vouched for`)
  if (result.anchorIndex !== undefined) notes.push(`anchor found at event ${result.anchorIndex}, ${result.count - 1 - result.anchorIndex} events appended after it`)
  io.out(`  ${notes.join('; ')}\n`)
  return EXIT.ok
}

async function pruneCommand(args: readonly string[], io: CliIO): Promise<number> {
  const a = parseArgs(args, { flags: ['--help'], options: ['--before', '--signing-key', '--archive', '--postgres', '--chain'] })
  if (a.flags.has('--help')) return void io.out(USAGE), EXIT.ok
  const pgUrl = a.options.get('--postgres')
  const chain = a.options.get('--chain')
  if (pgUrl === undefined && a.positionals.length !== 1) throw new UsageError('prune takes exactly one log file, or --postgres <url> --chain <id>')
  if (pgUrl !== undefined && (a.positionals.length > 0 || chain === undefined)) throw new UsageError('prune --postgres takes --chain <id> (the replica whose chain is pruned) and no log file')
  const beforeText = a.options.get('--before')
  const keyPath = a.options.get('--signing-key')
  if (beforeText === undefined || keyPath === undefined) throw new UsageError('prune needs --before <ISO time> and --signing-key <private.pem>')
  const before = Date.parse(beforeText)
  if (!Number.isFinite(before)) throw new UsageError(`--before must be an ISO date or time, got '${beforeText}'`)
  const { applyRetention, RetentionError } = await import('../../runtime/audit/retention.js')
  const archive = a.options.get('--archive')
  try {
    const options = { before, signingKey: abs(io, keyPath), ...(archive === undefined ? {} : { archive: abs(io, archive) }) }
    const r = pgUrl === undefined ? await applyRetention(abs(io, a.positionals[0] as string), options) : await pruneChain(pgUrl, chain as string, options)
    io.out(r.removed === 0 ? `nothing to prune: no signed record before ${new Date(before).toISOString()}\n` : `pruned ${r.removed} records (${r.deleted} deleted in all); ${r.kept} kept after a signed tombstone${r.archiveSha256 === undefined ? '' : `; archive sha256 ${r.archiveSha256}`}\n`)
    return EXIT.ok
  } catch (e) {
    return retentionFailure('prune', e, RetentionError, io)
  }
}

/**
 * How `prune` and `export` end on an error: a log that does not verify (or has nothing to
 * export) is a failure (exit 1); a bad key or a file problem is a usage error (exit 2).
 */
function retentionFailure(command: string, e: unknown, retentionError: new (...args: never[]) => Error, io: CliIO): number {
  if (e instanceof retentionError) {
    io.err(`symbi-policy audit ${command}: ${e.message}\n`)
    return EXIT.failure
  }
  if (e instanceof AuditKeyError) throw new UsageError(e.message)
  const code = (e as NodeJS.ErrnoException).code
  if (typeof code === 'string') throw new UsageError(`audit ${command}: ${code}: ${(e as Error).message}`)
  throw e
}

async function exportCommand(args: readonly string[], io: CliIO): Promise<number> {
  const a = parseArgs(args, { flags: ['--help'], options: ['--from', '--to', '--signing-key', '-o', '--postgres', '--chain'] })
  if (a.flags.has('--help')) return void io.out(USAGE), EXIT.ok
  const pgUrl = a.options.get('--postgres')
  const chain = a.options.get('--chain')
  if (pgUrl === undefined && a.positionals.length !== 1) throw new UsageError('export takes exactly one log file, or --postgres <url> --chain <id>')
  if (pgUrl !== undefined && (a.positionals.length > 0 || chain === undefined)) throw new UsageError('export --postgres takes --chain <id> (the replica whose chain holds the incident) and no log file')
  const [fromText, toText, keyPath, out] = [a.options.get('--from'), a.options.get('--to'), a.options.get('--signing-key'), a.options.get('-o')]
  if (fromText === undefined || toText === undefined || keyPath === undefined || out === undefined) throw new UsageError('export needs --from, --to, --signing-key and -o')
  const from = Date.parse(fromText)
  const to = Date.parse(toText)
  if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) throw new UsageError(`--from and --to must be ISO times with --from before --to, got '${fromText}' and '${toText}'`)
  const { exportEvidence, RetentionError } = await import('../../runtime/audit/retention.js')
  try {
    const source = pgUrl === undefined ? abs(io, a.positionals[0] as string) : await chainRecords(pgUrl, chain as string)
    const r = await exportEvidence(source, { from, to, signingKey: abs(io, keyPath), out: abs(io, out) })
    io.out(`exported ${r.records} records (${r.before} before them stood for by a signed tombstone); sha256 ${r.sha256}\n`)
    return EXIT.ok
  } catch (e) {
    return retentionFailure('export', e, RetentionError, io)
  }
}

/** Retention on one replica's chain in PostgreSQL; an unreachable database is a usage error. */
async function pruneChain(url: string, chain: string, options: import('../../runtime/audit/retention.js').RetentionOptions): Promise<import('../../runtime/audit/retention.js').RetentionResult> {
  const { openPool, redactUrl } = await import('../../server/postgres/pool.js')
  const { applyChainRetention } = await import('../../server/postgres/retention.js')
  const { RetentionError } = await import('../../runtime/audit/retention.js')
  const pool = openPool(url, { max: 2, queryTimeoutMs: 60_000 })
  try {
    return await applyChainRetention(pool, chain, options).catch((e: unknown) => {
      // The log's own verdict, a bad key and the archive file's errors are reported as for a file;
      // anything else came from the database.
      if (e instanceof RetentionError || e instanceof AuditKeyError || (e as NodeJS.ErrnoException).path !== undefined) throw e
      throw new UsageError(`cannot prune audit chain '${chain}' in ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}`)
    })
  } finally {
    await pool.end().catch(() => undefined)
  }
}

/** The records of one replica's chain in PostgreSQL; an unreachable database or no such chain is a usage error. */
async function chainRecords(url: string, chain: string): Promise<readonly unknown[]> {
  const { openPool, redactUrl } = await import('../../server/postgres/pool.js')
  const { readChains } = await import('../../server/postgres/audit-store.js')
  const pool = openPool(url, { max: 1, queryTimeoutMs: 60_000 })
  try {
    const [c] = await readChains(pool, chain).catch((e: unknown) => {
      throw new UsageError(`cannot read audit chain '${chain}' from ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}`)
    })
    if (c === undefined || c.records.length === 0) throw new UsageError(`no audit chain '${chain}' in the database`)
    return c.records
  } finally {
    await pool.end().catch(() => undefined)
  }
}

async function keygenCommand(args: readonly string[], io: CliIO): Promise<number> {
  const a = parseArgs(args, { flags: ['--force', '--help'], options: ['--out'] })
  if (a.flags.has('--help')) {
    io.out(USAGE)
    return EXIT.ok
  }
  if (a.positionals.length > 0) throw new UsageError(`keygen takes no positional arguments, got '${a.positionals[0] ?? ''}'`)
  const outOpt = a.options.get('--out')
  if (outOpt === undefined) throw new UsageError('keygen needs --out <dir>')
  const dir = abs(io, outOpt)
  const { privateKeyPem, publicKeyPem } = generateAuditKeyPair()
  const privatePath = join(dir, 'private.pem')
  const publicPath = join(dir, 'public.pem')
  // 'wx' refuses to overwrite a key someone may still depend on, unless --force.
  const force = a.flags.has('--force')
  const flag = force ? 'w' : 'wx'
  if (!force) {
    for (const p of [privatePath, publicPath]) {
      if (await access(p).then(() => true, () => false)) throw new UsageError(`'${p}' already exists; pass --force to overwrite the key pair`)
    }
  }
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(privatePath, privateKeyPem, { mode: 0o600, flag })
    await chmod(privatePath, 0o600)
    await writeFile(publicPath, publicKeyPem, { mode: 0o644, flag })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw new UsageError(`a key already exists in '${dir}'; pass --force to overwrite it`)
    throw new UsageError(`cannot write keys to '${dir}': ${code ?? (e instanceof Error ? e.message : String(e))}`)
  }
  io.out(`wrote ${privatePath} (Ed25519 private key, mode 0600)\nwrote ${publicPath} (Ed25519 public key)\n`)
  return EXIT.ok
}

/** The `--webhook` of a verify command: an http(s) URL, checked before anything is verified. */
function webhookOption(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError(`--webhook must be an http(s) URL, got '${text}'`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--webhook must be an http(s) URL, got '${text}'`)
  return url
}

/** Posts one audit_tamper event per failed chain and says whether each arrived. */
async function reportTamper(url: URL, events: readonly SecurityEventInput[], io: CliIO): Promise<void> {
  const subscriber = webhookSubscriber(url.href, { timeoutMs: 5000 })
  // Shown without the query or credentials the URL may carry.
  const where = `${url.origin}${url.pathname}`
  for (const input of events) {
    const event = stampEvent(input, randomUUID(), Date.now())
    const before = subscriber.stats().delivered
    subscriber.deliver(event)
    await subscriber.drain()
    const outcome = subscriber.stats().delivered > before ? 'delivered to' : 'could not be delivered to'
    io.out(`security event ${event.id} (audit_tamper, ${event.severity}) ${outcome} ${where}\n`)
  }
}

async function verifyPostgres(url: string, chain: string | undefined, keyPath: string | undefined, anchorOpt: string | undefined, live: boolean, positionals: number, webhook: URL | undefined, io: CliIO): Promise<number> {
  if (positionals > 0) throw new UsageError('verify takes a log file or --postgres, not both')
  if (anchorOpt !== undefined && chain === undefined) throw new UsageError('--anchor with --postgres needs --chain: a head hash belongs to one chain')
  if (anchorOpt !== undefined && !/^[0-9a-fA-F]{64}$/.test(anchorOpt)) throw new UsageError(`--anchor must be a head hash of 64 hex digits, got '${anchorOpt}'`)
  const anchor = anchorOpt?.toLowerCase()
  const publicKey = publicKeyOption(io, keyPath)
  const { openPool, redactUrl } = await import('../../server/postgres/pool.js')
  const { readChains } = await import('../../server/postgres/audit-store.js')
  const pool = openPool(url, { max: 2, queryTimeoutMs: 60_000 })
  try {
    let chains
    try {
      chains = await readChains(pool, chain)
    } catch (e) {
      throw new UsageError(`cannot read audit chains from ${redactUrl(url)}: ${e instanceof Error ? e.message : String(e)}`)
    }
    if (chains.length === 0) {
      io.out(chain === undefined ? 'no audit chains in the database\n' : `no audit chain '${chain}' in the database\n`)
      return chain === undefined ? EXIT.ok : EXIT.failure
    }
    const failed: SecurityEventInput[] = []
    for (const c of chains) {
      const result = await verify(c.records, { ...(publicKey === undefined ? {} : { publicKey }), ...(anchor === undefined ? {} : { anchor }), live })
      if (!result.ok) {
        failed.push(tamperEvent(result, `postgres:${c.chainId}`))
        io.out(`chain ${c.chainId}: FAILED at row ${c.seqs[result.index] ?? result.index + 1} (event ${result.index}): ${result.code}: ${result.message}\n`)
        continue
      }
      // Without the key a pruned chain's tombstone is taken on its hashes alone: say so.
      const pruned = result.pruned === undefined ? '' : `, ${result.pruned.deleted} older events pruned (up to ${result.pruned.lastAt})${result.signaturesChecked ? '' : ' behind a tombstone whose signature was not checked'}`
      io.out(`chain ${c.chainId}: ok: ${result.count} events, head ${result.head}${result.signaturesChecked ? `, ${result.signatures} signatures verified` : ', signatures not checked (no --public-key)'}${pruned}${result.unsignedTail > 0 ? `, ${result.unsignedTail} trailing events not yet covered (--live)` : ''}\n`)
    }
    if (webhook !== undefined) await reportTamper(webhook, failed, io)
    return failed.length === 0 ? EXIT.ok : EXIT.failure
  } finally {
    await pool.end().catch(() => undefined)
  }
}
