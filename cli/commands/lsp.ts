import { resolve } from 'node:path'
import { createConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver/node'
import { startServer } from '../../lsp/server.js'
import { parseArgs } from '../args.js'
import { EXIT, UsageError, type Command } from '../io.js'

const HELP = `Usage: symbi-policy lsp --stdio [--schema <file>] [--strict]

Runs the language server over standard input and output (the Language Server Protocol), for
editors: diagnostics for the whole workspace set, formatting, hover, go to definition, find
references, symbols, completion, quick fixes and an Evaluate code lens.
  --stdio          speak LSP on stdin/stdout (the only transport)
  --schema <file>  context schema (default: symbi-policy.json in a workspace folder)
  --strict         report seed extensions as errors
`

/** `symbi-policy lsp`. Resolves only when the client ends the session (the library exits the process on `exit`). */
export const lsp: Command = async (args, io) => {
  const a = parseArgs(args, { flags: ['--stdio', '--strict', '--help'], options: ['--schema'] })
  if (a.flags.has('--help')) {
    io.out(HELP)
    return EXIT.ok
  }
  if (!a.flags.has('--stdio')) throw new UsageError('the language server speaks over --stdio only\n\n' + HELP)
  if (a.positionals.length > 0) throw new UsageError(`unexpected argument '${a.positionals[0] ?? ''}'\n\n` + HELP)
  const schema = a.options.get('--schema')
  const connection = createConnection(new StreamMessageReader(process.stdin), new StreamMessageWriter(process.stdout))
  startServer(connection, { ...(schema === undefined ? {} : { schemaPath: resolve(io.cwd, schema) }), ...(a.flags.has('--strict') ? { strict: true } : {}) })
  // One failed request must not end the editor's session: log it and keep serving.
  process.on('unhandledRejection', (e) => connection.console.error(`symbi-policy: ${e instanceof Error ? e.stack ?? e.message : String(e)}`))
  connection.listen()
  return new Promise<number>((done) => connection.onExit(() => done(EXIT.ok)))
}
