/**
 * The "Evaluate" code lens: each policy shows how the `*.test.json` file beside its source
 * fares (`foo.policy` → `foo.test.json`), run with the same runner as `symbi-policy test`.
 * Policy files open in the editor are read from their buffers, saved or not, so the lens follows
 * typing; results are cached by the test file's modification time and the policy file's buffer
 * version (or modification time when it is not open).
 */
import { existsSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { readRegularFileSync } from '../runtime/regular-file.js'
import { runPolicyTests } from '../testing/run-tests.js'
import { TEST_FILE_SUFFIX } from '../testing/test-file.js'
import { uriToPath } from './workspace.js'

/** A file open in the editor: its current text and version. */
export interface OpenBuffer {
  readonly text: string
  readonly version: number
}

export interface EvaluateSummary {
  readonly testFile: string
  readonly passed: number
  readonly failed: number
  /** Names of failing cases and properties, with the first problem of each. */
  readonly failures: readonly string[]
}

/** Generated requests per property: enough to catch a broken rule while the user types. */
const EDITOR_RUNS = 25

export function testFileFor(uri: string): string | undefined {
  const path = uriToPath(uri)
  if (path === undefined) return undefined
  const candidate = join(dirname(path), `${basename(path).replace(/\.(policy|symbi)$/, '')}${TEST_FILE_SUFFIX}`)
  return existsSync(candidate) ? candidate : undefined
}

export class Evaluations {
  private readonly cache = new Map<string, { key: string; summary: EvaluateSummary }>()

  /**
   * The summary for a policy file's neighbouring test file, or undefined when there is none.
   * `open`: the editor's buffer of a file, when it has one.
   */
  summary(uri: string, fresh = false, open: (path: string) => OpenBuffer | undefined = () => undefined): EvaluateSummary | undefined {
    const testFile = testFileFor(uri)
    const path = uriToPath(uri)
    if (testFile === undefined || path === undefined) return undefined
    const buffer = open(path)
    const key = `${mtime(testFile)}:${buffer === undefined ? `saved ${mtime(path)}` : `buffer ${buffer.version}`}`
    const hit = this.cache.get(testFile)
    if (!fresh && hit !== undefined && hit.key === key) return hit.summary
    let summary: EvaluateSummary
    try {
      const report = runPolicyTests([testFile], { cwd: dirname(testFile), runs: EDITOR_RUNS, seed: 1, readSource: (p) => open(p)?.text ?? readRegularFileSync(p) })
      summary = {
        testFile,
        passed: report.passed,
        failed: report.failed,
        failures: report.results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.problems[0] ?? 'failed'}`),
      }
    } catch (e) {
      summary = { testFile, passed: 0, failed: 1, failures: [`the test file could not run: ${e instanceof Error ? e.message : String(e)}`] }
    }
    this.cache.set(testFile, { key, summary })
    return summary
  }
}

export function lensTitle(s: EvaluateSummary): string {
  const name = basename(s.testFile)
  return s.failed === 0 ? `▶ Evaluate: ${s.passed} passed (${name})` : `✗ Evaluate: ${s.failed} failed, ${s.passed} passed (${name})`
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs
  } catch {
    return 0
  }
}
