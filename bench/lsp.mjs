// Language-server latency (issue 12): a 10,000-rule file open in `symbi-policy lsp --stdio`;
// after each change, the time until the server publishes that file's diagnostics. Speaks
// JSON-RPC over stdio exactly as an editor does (vscode-jsonrpc). Build first (`npm run build`).
// The figure includes the server's 150 ms pause after the last keystroke (it checks the whole
// set once typing stops); the check itself is reported beside it. Writes bench/results/lsp.md.
//
//   node bench/lsp.mjs            # 15 changes
//   RUNS=40 node bench/lsp.mjs
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node'
import { compilePolicySet } from '../dist/compiler/pipeline.js'
import { makeFile } from './policy-text.mjs'

const RUNS = Number(process.env.RUNS ?? 15)
const DEBOUNCE_MS = 150
const root = new URL('..', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'symbi-lsp-bench-'))
const text = makeFile(10_000, 2)
const path = join(dir, 'rules.policy')
writeFileSync(path, text)
const uri = pathToFileURL(path).href

const child = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] })
const conn = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin))
let waiting
conn.onNotification('textDocument/publishDiagnostics', (p) => {
  if (p.uri === uri && waiting) waiting(p.diagnostics)
})
conn.listen()
const next = () => new Promise((resolve) => (waiting = resolve))

await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(dir).href, workspaceFolders: [{ uri: pathToFileURL(dir).href, name: 'bench' }], capabilities: {} })
await conn.sendNotification('initialized', {})
let first = next()
const tOpen = performance.now()
await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'symbi-policy', version: 1, text } })
await first
const openMs = performance.now() - tOpen

// Alternate between a broken and a clean file, so every change changes the diagnostics.
const broken = text.replace('&&', 'and')
const samples = []
for (let i = 0; i < RUNS; i++) {
  const body = i % 2 === 0 ? broken : text
  const p = next()
  const t = performance.now()
  await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [{ text: body }] })
  const ds = await p
  samples.push(performance.now() - t)
  if (ds.some((d) => d.severity === 1) !== (i % 2 === 0)) throw new Error(`change ${i}: unexpected diagnostics ${JSON.stringify(ds.slice(0, 2))}`)
}
await conn.sendRequest('shutdown')
await conn.sendNotification('exit').catch(() => {})
rmSync(dir, { recursive: true, force: true })

// The set check alone, in this process, for comparison.
const checkSamples = []
for (let i = 0; i < 5; i++) {
  const t = performance.now()
  compilePolicySet([{ name: uri, source: text }])
  checkSamples.push(performance.now() - t)
}

const sorted = (xs) => [...xs].sort((a, b) => a - b)
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)]
const max = (xs) => sorted(xs)[xs.length - 1]
const machine = `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${process.platform}/${process.arch}`
const md = `# Language server latency

Measured ${new Date().toISOString().slice(0, 10)} by \`node bench/lsp.mjs\` (${RUNS} changes). Machine: ${machine}.
Load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}.

A generated file of 10,000 rules (${(text.length / 1024).toFixed(0)} KiB, the generator of bench/parse.mjs)
is opened in \`symbi-policy lsp --stdio\`; each change replaces the whole text (alternately
with one \`&&\` written \`and\`, and clean again), and the time is measured from sending
\`didChange\` until the server publishes the file's diagnostics.

| measurement | median ms | max ms |
|---|---:|---:|
| open → first diagnostics | ${openMs.toFixed(0)} | — |
| change → diagnostics (includes the ${DEBOUNCE_MS} ms pause after typing) | ${median(samples).toFixed(0)} | ${max(samples).toFixed(0)} |
| change → diagnostics, less the pause | ${(median(samples) - DEBOUNCE_MS).toFixed(0)} | ${(max(samples) - DEBOUNCE_MS).toFixed(0)} |
| \`compilePolicySet\` of the same file, in process | ${median(checkSamples).toFixed(0)} | ${max(checkSamples).toFixed(0)} |

Target (issue 12): diagnostics in under 1 s after a change.
`
writeFileSync(join(root, 'bench/results/lsp.md'), md)
console.log(md)
