// Stryker JSON reports read as one: shared by mutation-report.mjs and mutation-survivors.mjs.
import { existsSync, readFileSync } from 'node:fs'

/** Statuses that count against the score: the mutant was not detected. */
export const UNDETECTED = new Set(['Survived', 'NoCoverage'])

/** Each file's entry from the reports at `paths`; a later report wins for a file it shares with an earlier one. */
export function readReportFiles(paths) {
  const files = new Map()
  for (const path of paths) {
    if (!existsSync(path)) {
      console.error(`no Stryker report at ${path}: run npm run mutate first`)
      process.exit(2)
    }
    for (const [name, file] of Object.entries(JSON.parse(readFileSync(path, 'utf8')).files)) files.set(name, file)
  }
  return files
}
