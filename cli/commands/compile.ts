import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { CedarDiagnostic } from '../../compiler/cedar/index.js'
import { compilePolicySet } from '../../compiler/pipeline.js'
import { parseSchema, SchemaError, type Schema } from '../../compiler/schema.js'
import { formatDiagnostic, hasErrors, LineIndex, type Diagnostic } from '../../diagnostics/index.js'
import { parseArgs, type ParsedArgs } from '../args.js'
import { collectFiles, readSources, type SourceFile } from '../files.js'
import { EXIT, UsageError, type CliIO, type Command } from '../io.js'
import { readJson } from '../load-policies.js'
import { compileJsTarget } from './compile-js.js'

const HELP = `Usage: symbi-policy compile --target <cedar|js> <files or directories...> -o <dir> [options]

Compiles policies for another engine.
  --target cedar     write <dir>/policies.cedar (and <dir>/schema.cedarschema.json with --schema)
  --target js        write one self-contained ES module to -o FILE.mjs (stdout without -o);
                     --runtime-import SPEC, --set-version N; see docs/compile-js.md
  -o, --out DIR      output directory (created when missing)
  --schema FILE      context schema (JSON); also emits and validates a Cedar schema
  --allow-partial    translate what Cedar can express, stand in fail-closed for the rest, list it
Exit codes: 0 written, 1 errors (nothing written), 2 usage or I/O problem.
`

const SPEC = { flags: ['--allow-partial', '--help'], options: ['--target', '-o', '--out', '--schema', '--runtime-import', '--set-version'] }

/** One compile target: gets the parsed arguments, returns the exit code. */
type Target = (a: ParsedArgs, io: CliIO) => Promise<number>

const TARGETS: Record<string, Target> = {
  cedar: compileCedarTarget,
  js: compileJsTarget,
}

/** `symbi-policy compile`: dispatches on `--target`. */
export const compile: Command = async (args, io) => {
  const a = parseArgs(args, SPEC)
  if (a.flags.has('--help')) {
    io.out(HELP)
    return EXIT.ok
  }
  const name = a.options.get('--target')
  if (name === undefined) throw new UsageError(`--target is required (cedar or js)\n\n${HELP}`)
  const target = Object.hasOwn(TARGETS, name) ? TARGETS[name] : undefined
  if (target === undefined) throw new UsageError(`unknown target '${name}' (expected ${Object.keys(TARGETS).join(' or ')})`)
  return target(a, io)
}

async function compileCedarTarget(a: ParsedArgs, io: CliIO): Promise<number> {
  const out = a.options.get('-o') ?? a.options.get('--out')
  if (out === undefined) throw new UsageError('-o <dir> is required')
  if (a.positionals.length === 0) throw new UsageError(`no policy files given\n\n${HELP}`)
  const files = readSources(collectFiles(a.positionals, io.cwd), io.cwd)
  if (files.length === 0) throw new UsageError('no .policy or .symbi files found')
  const schemaPath = a.options.get('--schema')
  let schema: Schema | undefined
  let schemaText = ''
  if (schemaPath !== undefined) {
    const json = await readJson(schemaPath, io, 'schema')
    schemaText = JSON.stringify(json, null, 2)
    try {
      schema = parseSchema(json)
    } catch (e) {
      throw new UsageError(`schema '${schemaPath}' is invalid: ${e instanceof SchemaError ? e.message : String(e)}`)
    }
  }
  const compiled = compilePolicySet(files.map((f) => ({ name: f.path, source: f.text })), schema === undefined ? {} : { schema })
  let failed = false
  for (const f of compiled.files) {
    printAll(f.diagnostics, f.name, files, io)
    failed ||= hasErrors(f.diagnostics)
  }
  if (failed || compiled.value === undefined) return EXIT.failure
  const partial = a.flags.has('--allow-partial')
  // Loaded here so that `--target js` does not instantiate the Cedar wasm module.
  const { compileToCedar, verifyCedar } = await import('../../compiler/cedar/index.js')
  const cedar = compileToCedar(compiled.value, { allowPartial: partial, ...(schema === undefined ? {} : { schema }) })
  for (const d of cedar.diagnostics) printOne(d, files, io, schemaPath ?? '<schema>', schemaText)
  if (hasErrors(cedar.diagnostics)) {
    io.err(`not written: ${cedar.omitted.length} rule${cedar.omitted.length === 1 ? '' : 's'} cannot be translated to Cedar (use --allow-partial to translate the rest fail-closed)\n`)
    return EXIT.failure
  }
  const checks = verifyCedar(cedar.text, cedar.schema)
  for (const d of checks) printOne(d, files, io, join(out, 'policies.cedar'), cedar.text)
  if (hasErrors(checks)) {
    io.err('not written: Cedar rejected the output\n')
    return EXIT.failure
  }
  const dir = resolve(io.cwd, out)
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'policies.cedar'), cedar.text)
    if (cedar.schema !== undefined) writeFileSync(join(dir, 'schema.cedarschema.json'), cedar.schema)
  } catch (e) {
    throw new UsageError(`cannot write to '${out}': ${e instanceof Error ? e.message : String(e)}`)
  }
  io.out(`wrote ${join(out, 'policies.cedar')}${cedar.schema === undefined ? '' : ` and ${join(out, 'schema.cedarschema.json')}`}\n`)
  for (const o of cedar.omitted) {
    const what = o.replacement === 'none' ? 'left out' : o.replacement === 'forbid-all' ? 'replaced by a forbid on every action' : 'replaced by a forbid on its actions'
    io.out(`  ${o.id} (${o.kind}) ${what}: ${o.codes.join(', ')}: ${o.reasons.join('; ')}\n`)
  }
  return EXIT.ok
}

function printAll(diagnostics: readonly Diagnostic[], path: string, files: readonly SourceFile[], io: CliIO): void {
  const index = new LineIndex(files.find((f) => f.path === path)?.text ?? '')
  for (const d of diagnostics) io.err(`${formatDiagnostic(d, path, index)}\n\n`)
}

function printOne(d: CedarDiagnostic, files: readonly SourceFile[], io: CliIO, fallbackPath: string, fallbackText: string): void {
  const file = d.source === undefined ? undefined : files.find((f) => f.path === d.source)
  const path = file?.path ?? d.source ?? fallbackPath
  io.err(`${formatDiagnostic(d, path, new LineIndex(file?.text ?? fallbackText))}\n\n`)
}
