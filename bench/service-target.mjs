// A server for bench/service.mjs, in its own process: `constant` (fastify answering a fixed JSON
// body: the ceiling of the framework on this machine) or `engine` (the decision service on the
// seed examples, optionally with its audit chain in PostgreSQL: SYMBI_BENCH_PG=<url>).
// Prints `port <n>` on stdout once listening.
import { generateKeyPairSync } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import { createService, ServingSet } from '../dist/server/index.js'
import { PostgresAudit } from '../dist/server/postgres/audit.js'

const kind = process.argv[2]
const EXAMPLES = new URL('../examples/', import.meta.url).pathname
let app
if (kind === 'constant') {
  app = Fastify({ logger: false })
  const body = { effect: 'allow', determining: [], errors: [], version: 1, decisionId: '00000000-0000-4000-8000-000000000000' }
  app.post('/v1/evaluate', async () => body)
} else {
  const serving = new ServingSet()
  const sources = readdirSync(EXAMPLES).filter((f) => f.endsWith('.policy') || f.endsWith('.symbi')).map((f) => ({ name: f, source: readFileSync(join(EXAMPLES, f), 'utf8') }))
  if (!serving.loadSources(sources, undefined)) throw new Error('examples failed to load')
  const pg = process.env.SYMBI_BENCH_PG
  const audit = pg ? await PostgresAudit.open({ url: pg, chainId: `bench-${process.pid}`, signingKey: generateKeyPairSync('ed25519').privateKey, mode: process.env.SYMBI_BENCH_AUDIT_MODE === 'every' ? 'every' : 'checkpoint' }) : undefined
  app = createService({ serving, ...(audit ? { audit } : {}) }).app
}
await app.listen({ host: '127.0.0.1', port: 0 })
console.log(`port ${app.server.address().port}`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
