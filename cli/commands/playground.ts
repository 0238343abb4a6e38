import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { parseArgs } from '../args.js'
import { EXIT, UsageError, type Command } from '../io.js'

const HELP = `Usage: symbi-policy playground [--listen 127.0.0.1:8790]

Serves the playground — the parser, checker and engine running in your browser, with the seed
examples — and prints its address. Nothing is evaluated on the server. Ctrl-C stops it.
  --listen <host:port>   address to listen on (default 127.0.0.1:8790; port 0 picks one)
`

/** The only files served: a fixed table, so no request path can reach anything else. */
const FILES: ReadonlyMap<string, { file: string; type: string }> = new Map([
  ['/', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/index.html', { file: 'index.html', type: 'text/html; charset=utf-8' }],
  ['/app.js', { file: 'app.js', type: 'text/javascript; charset=utf-8' }],
  ['/style.css', { file: 'style.css', type: 'text/css; charset=utf-8' }],
])

function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]+):(\d{1,5})$/.exec(value)
  const port = Number(m?.[2])
  if (m === null || !(port >= 0 && port <= 65535)) throw new UsageError(`--listen expects host:port, got '${value}'`)
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port }
}

/** `symbi-policy playground`. */
export const playground: Command = async (args, io) => {
  const a = parseArgs(args, { flags: ['--help'], options: ['--listen'] })
  if (a.flags.has('--help')) {
    io.out(HELP)
    return EXIT.ok
  }
  if (a.positionals.length > 0) throw new UsageError(`unexpected argument '${a.positionals[0] ?? ''}'\n\n${HELP}`)
  const { host, port } = parseListen(a.options.get('--listen') ?? '127.0.0.1:8790')
  const dir = new URL('../../playground/', import.meta.url)
  const bodies = new Map<string, Buffer>()
  try {
    for (const { file } of FILES.values()) bodies.set(file, readFileSync(new URL(file, dir)))
  } catch {
    io.err('symbi-policy: the playground is not built (run `npm run build`)\n')
    return EXIT.failure
  }
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split(/[?#]/)[0] ?? '/'
    const entry = FILES.get(path)
    if (entry === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(entry === undefined ? 404 : 405, { 'content-type': 'text/plain; charset=utf-8' }).end(entry === undefined ? 'not found\n' : 'method not allowed\n')
      return
    }
    res.writeHead(200, {
      'content-type': entry.type,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      // No network for the page. 'unsafe-eval' lets the engine instantiate its generated
      // evaluators (new Function), so the page decides with the same code path as the library.
      'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-eval'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'none'; object-src 'none'; base-uri 'none'",
    })
    res.end(req.method === 'HEAD' ? undefined : bodies.get(entry.file))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  }).catch((e: unknown) => {
    throw new UsageError(`cannot listen on ${host}:${port}: ${e instanceof Error ? e.message : String(e)}`)
  })
  const addr = server.address()
  const shown = typeof addr === 'object' && addr !== null ? `${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : `${host}:${port}`
  io.out(`playground: http://${shown}/\n`)
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      server.close(() => resolve(EXIT.ok))
      server.closeAllConnections()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
