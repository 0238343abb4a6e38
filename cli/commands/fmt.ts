import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { formatDiagnostic, LineIndex } from '../../diagnostics/index.js'
import { format } from '../../grammar/format.js'
import { parseArgs } from '../args.js'
import { collectFiles, readSources } from '../files.js'
import { EXIT, UsageError, type Command } from '../io.js'

const HELP = `Usage: symbi-policy fmt [--write | --check] <files or directories...>

Prints the canonical formatting of each file (comments are kept).
  --write   rewrite files in place
  --check   print the files that are not formatted and exit 1 if any
Files with errors are never formatted; their diagnostics are printed instead (exit 1).
`

/** `symbi-policy fmt`. */
export const fmt: Command = async (args, io) => {
  const a = parseArgs(args, { flags: ['--write', '--check', '--help'] })
  if (a.flags.has('--help')) {
    io.out(HELP)
    return EXIT.ok
  }
  if (a.flags.has('--write') && a.flags.has('--check')) throw new UsageError('--write and --check cannot be combined')
  if (a.positionals.length === 0) throw new UsageError('no files given\n\n' + HELP)
  const files = readSources(collectFiles(a.positionals, io.cwd), io.cwd)
  let failed = false
  for (const file of files) {
    const result = format(file.text)
    if (!result.ok) {
      failed = true
      const index = new LineIndex(file.text)
      io.err(`${file.path}: not formatted because it has errors\n`)
      for (const d of result.diagnostics) if (d.severity === 'error') io.err(`${formatDiagnostic(d, file.path, index)}\n\n`)
      continue
    }
    if (a.flags.has('--check')) {
      if (result.text !== file.text) {
        io.out(`${file.path}: not formatted\n`)
        failed = true
      }
    } else if (a.flags.has('--write')) {
      if (result.text !== file.text) writeFileSync(resolve(io.cwd, file.path), result.text)
    } else io.out(result.text)
  }
  return failed ? EXIT.failure : EXIT.ok
}
