import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { CodegenError, generateModule } from '../../compiler/codegen/index.js'
import { parseArgs } from '../args.js'
import { EXIT, UsageError, type Command } from '../io.js'
import { loadEngine } from '../load-policies.js'

const HELP = `Usage: symbi-policy compile --target js <policy files or dirs> [-o out.mjs] [--schema f]
                            [--runtime-import <specifier>] [--set-version n]

Writes one self-contained ES module that exports evaluate(request), hash, version,
compilerVersion, sources (rule → file:line:column) and locate(rule). It embeds the checked
policies as JSON and imports only \`loadCompiledSet\` from symbi-policy/runtime (or
--runtime-import); it never loads the parser. Without -o the module goes to standard output.
The same inputs always give byte-identical output.
Exit codes: 0 written, 1 the policies have errors, 2 usage or I/O problems.
`

/** `symbi-policy compile --target js`: the JavaScript target (dispatched from compile.ts). */
export const compileJs: Command = async (args, io) => {
  const a = parseArgs(args, { flags: ['--help'], options: ['--target', '-o', '--output', '--schema', '--runtime-import', '--set-version'] })
  if (a.flags.has('--help')) {
    io.out(HELP)
    return EXIT.ok
  }
  const target = a.options.get('--target')
  if (target !== undefined && target !== 'js') throw new UsageError(`this is the js target, not '${target}'`)
  const out = a.options.get('-o') ?? a.options.get('--output')
  const versionText = a.options.get('--set-version')
  const version = versionText === undefined ? 1 : Number(versionText)
  if (!Number.isSafeInteger(version) || version <= 0) throw new UsageError(`--set-version must be a positive integer, got '${versionText ?? ''}'`)
  const loaded = await loadEngine(a.positionals, io, a.options.get('--schema'))
  if (!loaded) return EXIT.failure
  const set = loaded.engine.policySet
  if (set === undefined) return EXIT.failure
  let text: string
  try {
    const runtimeImport = a.options.get('--runtime-import')
    text = generateModule(set, loaded.files.map((f) => ({ name: f.path, source: f.text })), runtimeImport === undefined ? { version } : { version, runtimeImport })
  } catch (e) {
    if (e instanceof CodegenError) {
      io.err(`symbi-policy compile: ${e.message}\n`)
      return EXIT.failure
    }
    throw e
  }
  if (out === undefined || out === '-') {
    io.out(text)
    return EXIT.ok
  }
  try {
    writeFileSync(resolve(io.cwd, out), text)
  } catch (e) {
    throw new UsageError(`cannot write '${out}': ${e instanceof Error ? e.message : String(e)}`)
  }
  io.err(`wrote ${out} (${set.checked.policies.length} policies, set ${set.hash.slice(0, 12)})\n`)
  return EXIT.ok
}
