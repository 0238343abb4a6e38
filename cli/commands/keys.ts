import { resolve } from 'node:path'
import { formatDuration, parseDuration } from '../../runtime/config/duration.js'
import { loadConfig } from '../../runtime/config/load-config.js'
import { FileKeyStore, KeyError, KeyManager, type KeyStore } from '../../runtime/keys/index.js'
import { parseArgs } from '../args.js'
import { EXIT, UsageError, type Command } from '../io.js'

const HELP = `Usage: symbi-policy keys generate [--agent <id> [--agreement]]
       symbi-policy keys rotate <key-id>
       symbi-policy keys rotate --due [--max-age <duration>]
       symbi-policy keys revoke <key-id> --reason <text>
       symbi-policy keys list [--format text|json]
       symbi-policy keys export-public <key-id>
Every command takes --store <dir> (default: [keys] store of the TOML config named by --config
or SYMBIONT_CONFIG, or SYMBIONT_KEY_STORE, else .symbiont/keys), or --postgres <url> for the
store replicas share (run \`symbi-policy db migrate\` first).

generate       creates the root key if the store has none; with --agent, a key for that agent
               certified by the root (Ed25519, signing; with --agreement, the X25519 key other
               agents encrypt messages to). Prints the key id.
rotate         a new certified key for the same agent; the old one keeps verifying for the
               rotation overlap ([keys] rotation_overlap, default 7 days). With --due,
               every active agent key at least --max-age old ([keys] rotate_after) is
               rotated — scheduled rotation, for cron or a timer; prints one line per key.
revoke         adds the key to the root-signed revocation list: its signatures made from now
               on fail verification, naming this reason.
list           every key with its status (active, retiring, revoked); --format json prints
               {"keys":[{"id","agent"?,"kind","status","createdAt",…}]}.
export-public  the public key as PEM, for verifiers elsewhere.
Private keys are sealed at rest when SYMBI_KEY_PASSPHRASE is set (scrypt + AES-256-GCM); the
passphrase is read from the environment only, never from the command line.
Exit codes: 0 done, 1 key error (unknown key, wrong passphrase, …), 2 usage.
`

function parseDurationOption(text: string): number {
  const ms = parseDuration(text)
  if (ms === undefined || ms === 0) throw new UsageError(`--max-age must be a positive duration such as 90d or 720h, got '${text}'`)
  return ms
}

const SUBS = new Set(['generate', 'rotate', 'revoke', 'list', 'export-public'])

/** `symbi-policy keys …`. */
export const keys: Command = async (args, io) => {
  const [sub, ...rest] = args
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.out(HELP)
    return sub === undefined ? EXIT.usage : EXIT.ok
  }
  if (!SUBS.has(sub)) throw new UsageError(`unknown keys command '${sub}' (generate, rotate, revoke, list or export-public)\n\n${HELP}`)
  const a = parseArgs(rest, { flags: ['--help', '--due', '--agreement'], options: ['--store', '--config', '--agent', '--reason', '--format', '--postgres', '--max-age'] })
  if (a.flags.has('--help')) return void io.out(HELP), EXIT.ok
  const due = a.flags.has('--due')
  if ((due || a.options.has('--max-age')) && sub !== 'rotate') throw new UsageError('--due and --max-age belong to keys rotate')
  if (a.options.has('--max-age') && !due) throw new UsageError('--max-age goes with --due')
  const wantsId = (sub === 'rotate' && !due) || sub === 'revoke' || sub === 'export-public'
  if (wantsId && a.positionals.length !== 1) throw new UsageError(`keys ${sub} takes one key id\n\n${HELP}`)
  if (!wantsId && a.positionals.length > 0) throw new UsageError(`unexpected argument '${a.positionals[0] ?? ''}'`)
  const format = a.options.get('--format') ?? 'text'
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${format}'`)
  if (sub === 'revoke' && (a.options.get('--reason') ?? '').trim() === '') throw new UsageError('keys revoke needs --reason <text>')

  const configPath = a.options.get('--config')
  const loaded = loadConfig(configPath === undefined ? { env: io.env } : { env: io.env, path: resolve(io.cwd, configPath) })
  if (loaded.config === undefined) {
    throw new UsageError(`the configuration has errors: ${loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message).join('; ')}`)
  }
  const maxAgeText = a.options.get('--max-age')
  const maxAgeMs = maxAgeText === undefined ? loaded.config.keys.rotateAfterMs : parseDurationOption(maxAgeText)
  if (due && maxAgeMs === 0) throw new UsageError('keys rotate --due needs --max-age <duration> or [keys] rotate_after in the configuration')
  const pgUrl = a.options.get('--postgres')
  if (pgUrl !== undefined && a.options.get('--store') !== undefined) throw new UsageError('give --store or --postgres, not both')
  const storeDir = resolve(io.cwd, a.options.get('--store') ?? loaded.config.keys.storePath)
  const passphrase = io.env['SYMBI_KEY_PASSPHRASE']
  let pool: { end(): Promise<void> } | undefined
  try {
    let store: KeyStore
    if (pgUrl !== undefined) {
      const { openPool } = await import('../../server/postgres/pool.js')
      const { PostgresKeyStore } = await import('../../server/postgres/key-store.js')
      const p = openPool(pgUrl, { max: 2, queryTimeoutMs: 30_000 })
      pool = p
      store = await PostgresKeyStore.open(p)
    } else store = new FileKeyStore(storeDir)
    const km = new KeyManager(store, {
      overlapMs: loaded.config.keys.rotationOverlapMs,
      ...(passphrase === undefined || passphrase === '' ? {} : { passphrase }),
    })
    const id = a.positionals[0] ?? ''
    switch (sub) {
      case 'generate': {
        const agent = a.options.get('--agent')
        if (a.flags.has('--agreement') && agent === undefined) throw new UsageError('--agreement needs --agent <id>: an agreement key belongs to an agent')
        const rec = await km.generate(agent, { agreement: a.flags.has('--agreement') })
        io.out(`${rec.id}\n`)
        break
      }
      case 'rotate': {
        if (due) {
          const rotated = await km.rotateDue(maxAgeMs)
          if (rotated.length === 0) io.err(`no agent key is ${formatDuration(maxAgeMs)} old or older\n`)
          for (const r of rotated) io.out(`${r.previous.id} -> ${r.next.id} (${r.next.agent ?? '?'}; the old key verifies until ${new Date(r.previous.retiresAt ?? 0).toISOString()})\n`)
          break
        }
        const { next, previous } = await km.rotate(id)
        io.out(`${next.id}\n`)
        io.err(`${previous.id} verifies until ${new Date(previous.retiresAt ?? 0).toISOString()}\n`)
        break
      }
      case 'revoke': {
        const r = await km.revoke(id, a.options.get('--reason') ?? '')
        io.out(`revoked ${r.keyId} at ${new Date(r.revokedAt).toISOString()}\n`)
        break
      }
      case 'list': {
        const list = km.list()
        if (format === 'json') io.out(`${JSON.stringify({ keys: list })}\n`)
        else for (const k of list) io.out(`${k.id}  ${k.kind.padEnd(9)}  ${k.status.padEnd(8)}  ${k.agent ?? '-'}  ${k.createdAt}${k.reason === undefined ? '' : `  (${k.reason})`}\n`)
        break
      }
      case 'export-public':
        io.out(km.exportPublic(id))
        break
    }
    return EXIT.ok
  } catch (e) {
    if (!(e instanceof KeyError)) throw e
    io.err(`symbi-policy keys ${sub}: ${e.message}\n`)
    return EXIT.failure
  } finally {
    await pool?.end().catch(() => undefined)
  }
}
