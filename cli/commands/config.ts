import { resolve } from 'node:path'
import type { Command } from '../io.js'
import { EXIT, UsageError } from '../io.js'
import { parseArgs } from '../args.js'
import { LineIndex } from '../../diagnostics/source-map.js'
import { readRegularFileSync } from '../../runtime/regular-file.js'
import { loadConfig } from '../../runtime/config/index.js'

const HELP = `Usage: symbi-policy config check <file.toml> [--env]

Validates the [security] and [tofu] sections of a Symbiont TOML file. Prints "ok", or one
line per problem as file:line:col: error[CONFIG…]: message. With --env, the SYMBIONT_*
environment variables are validated too and take precedence over the file.
Exit 0 when valid, 1 when there are errors, 2 on a usage or I/O problem.
`

/** `symbi-policy config check`: validates security configuration. */
export const config: Command = async (args, io) => {
  const parsed = parseArgs(args, { flags: ['--help', '-h', '--env'] })
  if (parsed.flags.has('--help') || parsed.flags.has('-h')) {
    io.out(HELP)
    return EXIT.ok
  }
  const [sub, file, ...extra] = parsed.positionals
  if (sub !== 'check') throw new UsageError(sub === undefined ? `missing subcommand\n\n${HELP}` : `unknown subcommand '${sub}' (expected 'check')`)
  if (file === undefined || extra.length > 0) throw new UsageError(`expected exactly one file\n\n${HELP}`)
  let text: string
  try {
    text = readRegularFileSync(resolve(io.cwd, file), file)
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e))
  }
  const env = parsed.flags.has('--env') ? io.env : {}
  const result = loadConfig({ env, tomlText: text, path: file })
  const index = new LineIndex(text)
  let errors = 0
  const ordered = [...result.diagnostics].sort((a, b) => (a.source === b.source ? a.span.start - b.span.start : a.source === 'file' ? -1 : 1))
  for (const d of ordered) {
    if (d.severity === 'error') errors++
    const at = d.source === 'file' ? (({ line, column }) => `${file}:${line}:${column}`)(index.position(d.span.start)) : `env:${d.key}`
    io.out(`${at}: ${d.severity}[${d.code}]: ${d.message}\n`)
  }
  if (errors === 0) io.out('ok\n')
  return errors === 0 ? EXIT.ok : EXIT.failure
}
