import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { CodegenError, generateDeclarations, generateModule } from '../../compiler/codegen/index.js'
import type { ParsedArgs } from '../args.js'
import { EXIT, UsageError, type CliIO } from '../io.js'
import { loadEngine } from '../load-policies.js'

/*
 * Usage: symbi-policy compile --target js <policy files or dirs> [-o out.mjs] [--schema f]
 *                             [--runtime-import <specifier>] [--set-version n]
 * Writes one self-contained ES module exporting evaluate(request), hash, version, compilerVersion,
 * sources (rule → file:line:column) and locate(rule). It embeds the checked policies as JSON and
 * imports only `loadCompiledSet` from symbi-policy/runtime (or --runtime-import), never the
 * parser. With -o out.mjs it also writes out.d.mts (out.js: out.d.ts); without -o the module goes
 * to standard output. See docs/compile-js.md.
 */

/** `symbi-policy compile --target js`: the JavaScript target, dispatched from compile.ts. */
export async function compileJsTarget(a: ParsedArgs, io: CliIO): Promise<number> {
  if (a.flags.has('--allow-partial')) throw new UsageError('--allow-partial is a Cedar option; the js target translates every rule')
  const out = a.options.get('-o') ?? a.options.get('--out')
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
  // Declarations next to the module: out.mjs → out.d.mts, out.js → out.d.ts.
  const dts = /\.mjs$/.test(out) ? out.replace(/\.mjs$/, '.d.mts') : /\.js$/.test(out) ? out.replace(/\.js$/, '.d.ts') : undefined
  try {
    writeFileSync(resolve(io.cwd, out), text)
    if (dts !== undefined) writeFileSync(resolve(io.cwd, dts), generateDeclarations())
  } catch (e) {
    throw new UsageError(`cannot write '${out}': ${e instanceof Error ? e.message : String(e)}`)
  }
  io.err(`wrote ${out}${dts === undefined ? '' : ` and ${dts}`} (${set.checked.policies.length} policies, set ${set.hash.slice(0, 12)})\n`)
  return EXIT.ok
}
