import { FileReadError, readRegularFileSync } from '../runtime/regular-file.js'
import { resolve } from 'node:path'
import { formatDiagnostic, hasErrors, LineIndex } from '../diagnostics/index.js'
import { createEngine, type Engine } from '../index.js'
import { collectFiles, readSources, type SourceFile } from './files.js'
import type { ParsedArgs } from './args.js'
import { EXIT, UsageError, type CliIO } from './io.js'

/** Reads a JSON file (or `-` for stdin); bad JSON is a usage error naming the file and position. */
export async function readJson(path: string, io: CliIO, what: string): Promise<unknown> {
  let text: string
  try {
    text = path === '-' ? await io.readStdin() : readRegularFileSync(resolve(io.cwd, path), path)
  } catch (e) {
    throw new UsageError(`cannot read ${what} '${path}': ${e instanceof FileReadError ? e.why : e instanceof Error ? e.message : String(e)}`)
  }
  try {
    return JSON.parse(text) as unknown
  } catch (e) {
    throw new UsageError(`${what} '${path}' is not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
}

/**
 * Loads policy files or directories into a fresh engine. Prints diagnostics to stderr; returns
 * undefined when any file has errors (the caller exits 1).
 */
export async function loadEngine(inputs: readonly string[], io: CliIO, schemaPath: string | undefined): Promise<{ engine: Engine; files: SourceFile[] } | undefined> {
  if (inputs.length === 0) throw new UsageError('no policy files given')
  const files = readSources(collectFiles(inputs, io.cwd), io.cwd)
  if (files.length === 0) throw new UsageError('no .policy or .symbi files found')
  const schema = schemaPath === undefined ? undefined : await readJson(schemaPath, io, 'schema')
  const engine = createEngine(schema === undefined ? {} : { schema })
  const result = engine.load(files.map((f) => ({ name: f.path, source: f.text })))
  for (const f of result.files) {
    const file = files.find((x) => x.path === f.name)
    const index = new LineIndex(file?.text ?? '')
    for (const d of f.diagnostics) io.err(`${formatDiagnostic(d, f.name, index)}\n\n`)
  }
  if (!result.ok || result.files.some((f) => hasErrors(f.diagnostics))) return undefined
  return { engine, files }
}

/**
 * The common start of the commands that decide a request (`eval`, `explain`): `--help`, the
 * required `--request`, and the engine loaded from the positional paths. Returns an exit code
 * when the command is already done (help printed, policy errors reported).
 */
export async function startRequestCommand(
  a: ParsedArgs,
  io: CliIO,
  help: string,
): Promise<number | { requestPath: string; loaded: { engine: Engine; files: SourceFile[] } }> {
  if (a.flags.has('--help')) {
    io.out(help)
    return EXIT.ok
  }
  const requestPath = a.options.get('--request')
  if (requestPath === undefined) throw new UsageError('--request is required\n\n' + help)
  const loaded = await loadEngine(a.positionals, io, a.options.get('--schema'))
  return loaded ? { requestPath, loaded } : EXIT.failure
}
