/**
 * `symbi-policy serve` as a process, over real HTTP on loopback: bundles from a real HTTP server
 * (ETag), a tampered bundle refused while the old set serves, a bundle server down at start-up
 * with the last good bundle served from disk, bearer tokens from a file, and SIGTERM draining.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { buildBundle, readBundleArchive, writeArchive } from '../../server/bundle/index.js'

const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js')
const EXAMPLES = resolve(import.meta.dirname, '../../examples')
const READ_SECRET = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(join(EXAMPLES, 'requests/read-secret.json'), 'utf8'))) as unknown
const TOKEN = 'serve-cli-test-token-0123456789abcdef'

const children: ChildProcess[] = []
const servers: Server[] = []
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

interface Running {
  readonly url: string
  readonly child: ChildProcess
  stderr(): string
}

async function serve(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let err = ''
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()))
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not start: ${err}`)), 30_000)
    const check = (): void => {
      const m = /listening on (http:\/\/[^ ]+)/.exec(err)
      if (m) {
        clearTimeout(timer)
        res(m[1] as string)
      }
    }
    child.stderr?.on('data', check)
    child.on('exit', (code) => rej(new Error(`serve exited ${code}: ${err}`)))
  })
  return { url, child, stderr: () => err }
}

/** A bundle server on loopback with ETag support; `current` is what it serves now, undefined = 503. */
async function bundleServer(): Promise<{ url: string; set(b: Buffer | undefined): void; requests: { ifNoneMatch: string | undefined }[] }> {
  let current: Buffer | undefined
  let etag = 0
  const requests: { ifNoneMatch: string | undefined }[] = []
  const server = createServer((req, res) => {
    const inm = req.headers['if-none-match']
    requests.push({ ifNoneMatch: typeof inm === 'string' ? inm : undefined })
    if (current === undefined) return void res.writeHead(503).end('down')
    const tag = `"b${etag}"`
    if (inm === tag) return void res.writeHead(304).end()
    res.writeHead(200, { etag: tag, 'content-type': 'application/gzip' }).end(current)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/bundle.tar.gz`,
    set(b) {
      current = b
      etag++
    },
    requests,
  }
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function evaluate(base: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/v1/evaluate`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function until(what: string, f: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await f()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for ${what}`)
}

function keyFiles(dir: string) {
  const k = generateKeyPairSync('ed25519')
  const pub = join(dir, `pub-${Math.random().toString(36).slice(2)}.pem`)
  writeFileSync(pub, k.publicKey.export({ type: 'spki', format: 'pem' }))
  return { ...k, pub }
}

describe('symbi-policy serve (process, real HTTP on 127.0.0.1)', () => {
  it('polls a bundle URL with ETag, swaps in a new signed revision, refuses a tampered one while the old set serves, and drains on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-serve-'))
    const key = keyFiles(dir)
    const r1 = await buildBundle(EXAMPLES, { signingKey: key.privateKey, revision: 'r1' })
    const src = await bundleServer()
    src.set(r1.bytes)
    const s = await serve(['--bundle', src.url, '--public-key', key.pub, '--poll-interval', '200ms', '--bundle-cache', join(dir, 'cache')])
    expect((await get(`${s.url}/health/ready`)).status).toBe(200)
    expect((await get(`${s.url}/v1/status`)).body['bundle']).toMatchObject({ revision: 'r1', hash: r1.hash, signedBy: r1.signedBy })
    expect((await evaluate(s.url, READ_SECRET)).body['effect']).toBe('allow_with_conditions')
    // Later polls are conditional and answered 304.
    await until('a conditional poll', async () => src.requests.some((r) => r.ifNoneMatch !== undefined))

    const policyDir = mkdtempSync(join(tmpdir(), 'symbi-serve-pol-'))
    writeFileSync(join(policyDir, 'only.policy'), 'policy only { allow: read if principal.id == "analyst-7" }\n')
    const r2 = await buildBundle(policyDir, { signingKey: key.privateKey, revision: 'r2' })
    src.set(r2.bytes)
    await until('revision r2', async () => ((await get(`${s.url}/v1/status`)).body['bundle'] as { revision: string }).revision === 'r2')
    expect((await evaluate(s.url, READ_SECRET)).body).toMatchObject({ effect: 'allow', determining: [{ policy: 'only' }] })

    // Tampered: a file changed after signing. Unsigned: built without a key. Both refused; r2 keeps serving.
    const files = await readBundleArchive(r1.bytes)
    files.set('data_flow_control.policy', Buffer.from('policy data_flow_control { allow: any if true }\n'))
    for (const [bad, code] of [[await writeArchive(files), 'BUNDLE_FILE_MISMATCH'], [(await buildBundle(EXAMPLES, { revision: 'r3' })).bytes, 'BUNDLE_UNSIGNED']] as const) {
      src.set(bad)
      await until(code, async () => ((await get(`${s.url}/v1/status`)).body['lastError'] as { code?: string } | null)?.code === code)
      const status = (await get(`${s.url}/v1/status`)).body
      expect(status['bundle']).toMatchObject({ revision: 'r2' })
      expect((await get(`${s.url}/health/ready`)).status).toBe(200)
    }
    expect(s.stderr()).toContain('bundle refused (BUNDLE_FILE_MISMATCH)')
    // The source serves r2 again: the failure is over and status says so.
    src.set(r2.bytes)
    await until('lastError cleared', async () => (await get(`${s.url}/v1/status`)).body['lastError'] === null)

    const exit = new Promise<number | null>((r) => s.child.on('exit', (code) => r(code)))
    s.child.kill('SIGTERM')
    expect(await exit).toBe(0)
    expect(s.stderr()).toContain('SIGTERM: draining')
  }, 90_000)

  it('a bundle server that is down at start-up does not stop the last good bundle from serving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-serve-cache-'))
    const key = keyFiles(dir)
    const src = await bundleServer()
    src.set((await buildBundle(EXAMPLES, { signingKey: key.privateKey, revision: 'kept' })).bytes)
    const args = ['--bundle', src.url, '--public-key', key.pub, '--bundle-cache', join(dir, 'cache')]
    const first = await serve(args)
    expect((await get(`${first.url}/v1/status`)).body['bundle']).toMatchObject({ revision: 'kept' })
    first.child.kill('SIGTERM')
    await new Promise((r) => first.child.on('exit', r))

    src.set(undefined)
    const second = await serve(args)
    const status = (await get(`${second.url}/v1/status`)).body
    expect(status['bundle']).toMatchObject({ revision: 'kept' })
    expect(status['lastError']).toMatchObject({ code: 'BUNDLE_UNREADABLE' })
    expect((await get(`${second.url}/health/ready`)).status).toBe(200)
    expect(second.stderr()).toContain('serving the last good bundle from disk: revision kept')

    // With another trusted key the cached bundle is no longer good enough: nothing serves.
    const third = await serve(['--bundle', src.url, '--public-key', keyFiles(dir).pub, '--bundle-cache', join(dir, 'cache')])
    expect((await get(`${third.url}/health/ready`)).status).toBe(503)
    expect((await evaluate(third.url, READ_SECRET)).body).toMatchObject({ error: { code: 'not_ready' } })
  }, 90_000)

  it('reads bearer tokens from a file, refuses a non-loopback listen without one, and never takes a token from argv', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'symbi-serve-tok-'))
    const tokenFile = join(dir, 'tokens')
    writeFileSync(tokenFile, `# service tokens\n${TOKEN}\n`)
    expect(spawnSync(process.execPath, [CLI, 'audit', 'keygen', '--out', join(dir, 'keys')]).status).toBe(0)
    const log = join(dir, 'audit.log')
    const s = await serve([EXAMPLES, '--token-file', tokenFile, '--audit-log', log, '--signing-key', join(dir, 'keys/private.pem')])
    expect((await evaluate(s.url, READ_SECRET)).status).toBe(401)
    expect((await evaluate(s.url, READ_SECRET, { authorization: `Bearer ${TOKEN}` })).status).toBe(200)
    // The failed authentication is a security event in the service's own audit chain.
    await new Promise((r) => setTimeout(r, 200))
    const records = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; details: Record<string, unknown> })
    expect(records.filter((r) => r.type === 'security_event').map((r) => r.details['category'])).toEqual(['auth_failure'])
    expect(readFileSync(log, 'utf8')).not.toContain(TOKEN)
    const envServed = await serve([EXAMPLES], { SYMBI_SERVE_TOKEN: TOKEN })
    expect((await evaluate(envServed.url, READ_SECRET)).status).toBe(401)

    const refused = spawn(process.execPath, [CLI, 'serve', EXAMPLES, '--listen', '0.0.0.0:0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    refused.stderr.on('data', (c: Buffer) => (err += c.toString()))
    expect(await new Promise((r) => refused.on('exit', r))).toBe(2)
    expect(err).toContain('needs a bearer token')
    const argv = spawn(process.execPath, [CLI, 'serve', EXAMPLES, '--token', TOKEN], { stdio: ['ignore', 'pipe', 'pipe'] })
    expect(await new Promise((r) => argv.on('exit', r))).toBe(2)
  }, 90_000)
})
