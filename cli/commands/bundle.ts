import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadPrivateKey, loadPublicKey } from '../../runtime/audit/keys.js'
import { describeFsError } from '../../runtime/regular-file.js'
import { BundleError, buildBundle, readBundleArchive, trustedFromKeyManager, trustedKeys, verifyBundleFiles } from '../../server/bundle/index.js'
import { parseArgs } from '../args.js'
import { EXIT, UsageError, type CliIO, type Command } from '../io.js'

const HELP = `Usage: symbi-policy bundle build <dir> -o <bundle.tar.gz> [--signing-key private.pem] [--revision r] [--schema f]
       symbi-policy bundle verify <bundle.tar.gz> [--public-key public.pem ... | --key-store dir --key-id id ...] [--format text|json]

build   checks the .policy/.symbi files under <dir> and writes them with a manifest (SHA-256 of
        every file, revision, compiler version) and, with --signing-key, an Ed25519 signature.
verify  checks the file list, every hash and (with --public-key, repeatable) the signature.
        Without a public key only the contents are checked and the bundle is reported unsigned.

Keys are the PEM files \`symbi-policy audit keygen\` writes. Exit codes: 0 built / verified,
1 refused (the message names why), 2 usage or I/O problem.
`

function loadKey<T>(load: (s: string) => T, path: string, cwd: string): T {
  try {
    return load(resolve(cwd, path))
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e))
  }
}

async function build(args: readonly string[], io: CliIO): Promise<number> {
  const a = parseArgs(args, { flags: ['--help'], options: ['-o', '--out', '--signing-key', '--revision', '--schema'] })
  if (a.flags.has('--help')) return void io.out(HELP), EXIT.ok
  const dir = a.positionals[0]
  if (dir === undefined || a.positionals.length > 1) throw new UsageError(`bundle build takes one directory\n\n${HELP}`)
  const out = a.options.get('-o') ?? a.options.get('--out')
  if (out === undefined) throw new UsageError('bundle build needs -o <bundle.tar.gz>')
  const key = a.options.get('--signing-key')
  const schemaPath = a.options.get('--schema')
  let schemaText: string | undefined
  if (schemaPath !== undefined) {
    try {
      schemaText = readFileSync(resolve(io.cwd, schemaPath), 'utf8')
      JSON.parse(schemaText)
    } catch (e) {
      throw new UsageError(`cannot use schema '${schemaPath}': ${e instanceof SyntaxError ? e.message : describeFsError(e)}`)
    }
  }
  const revision = a.options.get('--revision')
  try {
    const built = await buildBundle(resolve(io.cwd, dir), {
      ...(revision !== undefined ? { revision } : {}),
      ...(key !== undefined ? { signingKey: loadKey(loadPrivateKey, key, io.cwd) } : {}),
      ...(schemaText !== undefined ? { schemaText } : {}),
    })
    writeFileSync(resolve(io.cwd, out), built.bytes)
    io.out(`${out}: ${built.manifest.files.length} file(s), revision ${built.manifest.revision}, manifest ${built.hash}, ${built.signedBy ? `signed by ${built.signedBy}` : 'unsigned'}\n`)
    return EXIT.ok
  } catch (e) {
    if (e instanceof BundleError) {
      io.err(`symbi-policy bundle build: ${e.code}: ${e.message}\n`)
      return EXIT.failure
    }
    if ((e as { code?: unknown }).code !== undefined) throw new UsageError(`cannot build bundle: ${describeFsError(e)}`)
    throw e
  }
}

async function verify(args: readonly string[], io: CliIO): Promise<number> {
  const a = parseArgs(args, { flags: ['--help'], options: ['--format', '--key-store'], repeatable: ['--public-key', '--key-id'] })
  if (a.flags.has('--help')) return void io.out(HELP), EXIT.ok
  const path = a.positionals[0]
  if (path === undefined || a.positionals.length > 1) throw new UsageError(`bundle verify takes one bundle file\n\n${HELP}`)
  const format = a.options.get('--format') ?? 'text'
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be 'text' or 'json', not '${format}'`)
  const keys = trustedKeys((a.repeated.get('--public-key') ?? []).map((k) => loadKey(loadPublicKey, k, io.cwd)))
  // Keys from a key store must also be in good standing (certified, not revoked or retired) when the bundle was made.
  const store = a.options.get('--key-store')
  const ids = a.repeated.get('--key-id') ?? []
  if ((store === undefined) !== (ids.length === 0)) throw new UsageError('--key-store and --key-id go together')
  if (store !== undefined) {
    const { FileKeyStore, KeyError, KeyManager } = await import('../../runtime/keys/index.js')
    try {
      keys.push(...trustedFromKeyManager(new KeyManager(new FileKeyStore(resolve(io.cwd, store))), ids))
    } catch (e) {
      if (e instanceof KeyError) throw new UsageError(e.message)
      throw e
    }
  }
  let bytes: Buffer
  try {
    bytes = readFileSync(resolve(io.cwd, path))
  } catch (e) {
    throw new UsageError(`cannot read bundle '${path}': ${describeFsError(e)}`)
  }
  try {
    const b = verifyBundleFiles(await readBundleArchive(bytes), keys)
    if (format === 'json') io.out(`${JSON.stringify({ ok: true, revision: b.manifest.revision, hash: b.hash, signedBy: b.signedBy ?? null, files: b.manifest.files.map((f) => f.path) }, null, 2)}\n`)
    else io.out(`${path}: OK — revision ${b.manifest.revision}, ${b.manifest.files.length} file(s), manifest ${b.hash}, ${b.signedBy ? `signed by ${b.signedBy}` : 'UNSIGNED (no --public-key given: contents checked, origin not)'}\n`)
    return EXIT.ok
  } catch (e) {
    if (!(e instanceof BundleError)) throw e
    if (format === 'json') io.out(`${JSON.stringify({ ok: false, code: e.code, message: e.message }, null, 2)}\n`)
    else io.err(`${path}: REFUSED — ${e.code}: ${e.message}\n`)
    return EXIT.failure
  }
}

/** `symbi-policy bundle build|verify`. */
export const bundle: Command = async (args, io) => {
  const [sub, ...rest] = args
  if (sub === 'build') return build(rest, io)
  if (sub === 'verify') return verify(rest, io)
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.out(HELP)
    return sub === undefined ? EXIT.usage : EXIT.ok
  }
  throw new UsageError(`unknown bundle command '${sub}' (build or verify)\n\n${HELP}`)
}
