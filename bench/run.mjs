// `npm run bench`: builds, then runs every benchmark one after the other (never in parallel:
// they would disturb each other's timings), each writing its own bench/results/<name>.md.
// `npm run bench -- evaluation parse` runs only the named ones.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'

const here = new URL('.', import.meta.url)
const root = new URL('..', import.meta.url)
const all = readdirSync(here).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs').map((f) => f.slice(0, -4)).sort()
const wanted = process.argv.slice(2)
const unknown = wanted.filter((w) => !all.includes(w))
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`)
  process.exit(2)
}
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
let failed = 0
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== bench/${name}.mjs`)
  const r = spawnSync(process.execPath, [new URL(`${name}.mjs`, here).pathname], { cwd: root, stdio: 'inherit' })
  if (r.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
