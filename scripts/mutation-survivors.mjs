// Reruns only the surviving mutants of earlier Stryker reports, after tests were added.
//
// Stryker's incremental mode reuses a survivor's result while the tests that covered it are
// unchanged, even when a new test would kill it, and throws away every result whose tests changed:
// after a day of new tests it retests most of compiler/. This script instead asks Stryker for
// exactly the mutants that survived (or had no coverage), by their locations, and merges the new
// results back into the reports they came from.
//
//   node scripts/mutation-survivors.mjs plan  reports/a.json reports/b.json …   → reports/stryker-survivors.config.mjs
//     (ONLY=compiler/checker.ts,compiler/generate/ … plans only the files under those prefixes;
//      RERUN=Timeout also reruns the mutants that timed out)
//   npx stryker run reports/stryker-survivors.config.mjs
//   node scripts/mutation-survivors.mjs merge reports/a.json reports/b.json …   → reports/mutation/survivors-merged.json
//
// A later report given wins for a file it shares with an earlier one (as in mutation-report.mjs).
// Locations are carried to the current source by line text (indentation may differ): a mutant
// whose line no longer exists is reported with its old status and counted in the summary.
import { readFileSync, writeFileSync } from 'node:fs'
import { readReportFiles, UNDETECTED } from './mutation-files.mjs'

/** A comma-separated list from the environment, or undefined when the variable is not set. */
const listEnv = (name) => process.env[name]?.split(',').filter((x) => x !== '')

// RERUN=Timeout also reruns timed-out mutants: Stryker counts a timeout as detected, and on a
// busy machine a mutant can time out that would have survived.
const OPEN = new Set([...UNDETECTED, ...(listEnv('RERUN') ?? [])])

const [command, ...reports] = process.argv.slice(2)
// RESULTS and MERGED override where `merge` reads the new results and writes the merged report.
const RESULTS = process.env['RESULTS'] ?? 'reports/mutation/survivors.json'
const MERGED = process.env['MERGED'] ?? 'reports/mutation/survivors-merged.json'

// ONLY=compiler/checker.ts,compiler/generate/ limits `plan` to files under these prefixes.
const only = listEnv('ONLY')

/** Maps a 1-based line of `oldSource` to the current file: [line, column shift], or undefined. */
function lineMapper(oldSource, newSource) {
  const oldLines = oldSource.split('\n')
  const newLines = newSource.split('\n')
  const at = new Map()
  newLines.forEach((l, i) => {
    const k = l.trim()
    const list = at.get(k) ?? []
    list.push(i + 1)
    at.set(k, list)
  })
  const indent = (l) => l.length - l.trimStart().length
  return (line) => {
    const text = oldLines[line - 1]
    if (text === undefined) return undefined
    const candidates = at.get(text.trim())
    if (candidates === undefined || text.trim() === '') return undefined
    // The candidate nearest the old position: a file grows or shrinks around an unchanged line.
    const best = candidates.reduce((a, b) => (Math.abs(b - line) < Math.abs(a - line) ? b : a))
    return [best, indent(newLines[best - 1]) - indent(text)]
  }
}

function moved(m, map) {
  const s = map(m.location.start.line)
  if (s === undefined) return undefined
  // The end by its distance from the start: a block's closing line (`}`) has many look-alikes.
  const span = m.location.end.line - m.location.start.line
  const shift = span === 0 ? s[1] : 0
  return { start: { line: s[0], column: m.location.start.column + s[1] }, end: { line: s[0] + span, column: m.location.end.column + shift } }
}

const key = (file, m, loc) => `${file}|${loc.start.line}:${loc.start.column}-${loc.end.line}:${loc.end.column}|${m.mutatorName}|${m.replacement ?? ''}`

if (command === 'plan') {
  const ranges = []
  let lost = 0
  for (const [file, d] of readReportFiles(reports)) {
    if (only !== undefined && !only.some((prefix) => file.startsWith(prefix))) continue
    const map = lineMapper(d.source, readFileSync(file, 'utf8'))
    for (const m of d.mutants.filter((x) => OPEN.has(x.status))) {
      const loc = moved(m, map)
      if (loc === undefined) {
        lost++
        continue
      }
      // Report columns are 1-based, mutate-range columns 0-based (lines are 1-based in both); the
      // range ends one column late, which can only take in a mutant more.
      ranges.push(`${file}:${loc.start.line}:${loc.start.column - 1}-${loc.end.line}:${loc.end.column}`)
    }
  }
  const unique = [...new Set(ranges)]
  writeFileSync('reports/stryker-survivors.config.mjs', `// Written by scripts/mutation-survivors.mjs plan: the open mutants of ${JSON.stringify(reports)}.
import base from '../stryker.config.mjs'
export default {
  ...base,
  mutate: ${JSON.stringify(unique, null, 2)},
  incremental: false,
  tempDirName: '.stryker-tmp-survivors',
  jsonReporter: { fileName: ${JSON.stringify(RESULTS)} },
  htmlReporter: { fileName: 'reports/mutation/survivors.html' },
}
`)
  console.log(`${unique.length} ranges for ${ranges.length} open mutants; ${lost} open mutants whose line is gone (not rerun)`)
} else if (command === 'merge') {
  const fresh = new Map()
  const rerun = new Set()
  for (const [file, d] of Object.entries(JSON.parse(readFileSync(RESULTS, 'utf8')).files)) {
    rerun.add(file)
    for (const m of d.mutants) fresh.set(key(file, m, m.location), m)
  }
  const out = { files: {} }
  let updated = 0
  let stale = 0
  // Open mutants of files the run did not test (left out by ONLY=): not a failure to match.
  let untested = 0
  for (const [file, d] of readReportFiles(reports)) {
    const source = readFileSync(file, 'utf8')
    const map = lineMapper(d.source, source)
    const mutants = []
    if (!rerun.has(file)) untested += d.mutants.filter((m) => OPEN.has(m.status)).length
    for (const m of d.mutants) {
      const loc = moved(m, map)
      if (loc === undefined) {
        if (OPEN.has(m.status) && rerun.has(file)) stale++
        mutants.push(m)
        continue
      }
      const now = OPEN.has(m.status) ? fresh.get(key(file, m, loc)) : undefined
      if (now !== undefined) updated++
      else if (OPEN.has(m.status) && rerun.has(file)) stale++
      mutants.push({ ...m, location: loc, ...(now === undefined ? {} : { status: now.status, statusReason: now.statusReason, killedBy: now.killedBy, coveredBy: now.coveredBy }) })
    }
    out.files[file] = { ...d, source, mutants }
  }
  writeFileSync(MERGED, JSON.stringify(out))
  console.log(`${updated} open mutants retested; ${stale} not found in the new results and ${untested} in files not rerun (left as they were)`)
} else {
  console.error('usage: node scripts/mutation-survivors.mjs plan|merge <report.json>…')
  process.exit(2)
}
