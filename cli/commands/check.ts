import { diagnosticToJson, formatDiagnostic, hasErrors, LineIndex, type DiagnosticJson } from '../../diagnostics/index.js'
import { compilePolicySet } from '../../compiler/pipeline.js'
import { parseArgs } from '../args.js'
import { collectFiles, readSources } from '../files.js'
import { EXIT, UsageError, type Command } from '../io.js'
import { readJson } from '../load-policies.js'

const HELP = `Usage: symbi-policy check [--strict] [--schema f] [--format text|json] <files or directories...>

Checks every .policy and .symbi file — syntax, then the policies as one set (patterns,
functions, names and types when a schema is given) — and reports all diagnostics.
  --strict         accept only Symbiont's documented grammar; seed extensions are errors
  --schema FILE    a context schema (docs/schema.md) for name and type checks
  --format FORMAT  text (default) or json
Exit codes: 0 no errors, 1 errors found, 2 usage or I/O problem.
`

/** `symbi-policy check`. */
export const check: Command = async (args, io) => {
  const a = parseArgs(args, { flags: ['--strict', '--help'], options: ['--format', '--schema'] })
  if (a.flags.has('--help')) {
    io.out(HELP)
    return EXIT.ok
  }
  const formatName = a.options.get('--format') ?? 'text'
  if (formatName !== 'text' && formatName !== 'json') throw new UsageError(`--format must be 'text' or 'json', not '${formatName}'`)
  if (a.positionals.length === 0) throw new UsageError('no files given\n\n' + HELP)
  const files = readSources(collectFiles(a.positionals, io.cwd), io.cwd)
  const schemaPath = a.options.get('--schema')
  const schema = schemaPath === undefined ? undefined : await readJson(schemaPath, io, 'schema')
  const compiled = compilePolicySet(
    files.map((f) => ({ name: f.path, source: f.text })),
    { strict: a.flags.has('--strict'), ...(schema === undefined ? {} : { schema }) },
  )
  let failed = false
  const json: { path: string; diagnostics: DiagnosticJson[] }[] = []
  let errors = 0
  let warnings = 0
  const byName = new Map(compiled.files.map((f) => [f.name, f.diagnostics]))
  const entries = [...files.map((f) => ({ path: f.path, text: f.text })), ...compiled.files.filter((f) => !files.some((x) => x.path === f.name)).map((f) => ({ path: f.name, text: '' }))]
  for (const file of entries) {
    const diagnostics = byName.get(file.path) ?? []
    failed ||= hasErrors(diagnostics)
    const index = new LineIndex(file.text)
    errors += diagnostics.filter((d) => d.severity === 'error').length
    warnings += diagnostics.filter((d) => d.severity === 'warning').length
    if (formatName === 'json') json.push({ path: file.path, diagnostics: diagnostics.map((d) => diagnosticToJson(d, index)) })
    else for (const d of diagnostics) io.out(`${formatDiagnostic(d, file.path, index)}\n\n`)
  }
  if (formatName === 'json') io.out(`${JSON.stringify({ files: json }, null, 2)}\n`)
  else io.out(`checked ${files.length} file${files.length === 1 ? '' : 's'}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`)
  return failed ? EXIT.failure : EXIT.ok
}
