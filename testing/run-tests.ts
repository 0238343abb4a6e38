/**
 * Runs policy test files: example cases against the engine, properties with fast-check
 * (shrinking failures to a minimal request), and rule coverage from the decisions' determining
 * rules. `symbi-policy test` prints what this returns.
 */
import { relative } from 'node:path'
import fc from 'fast-check'
import { formatDiagnostic, hasErrors, LineIndex } from '../diagnostics/index.js'
import { createEngine, type Engine } from '../index.js'
import type { AuthzRequest, Decision } from '../stdlib/decision.js'
import { requestArbitrary } from './arbitraries.js'
import { ConstraintError } from './constraints.js'
import { checkExpectation } from './expectation.js'
import { policyHints } from './hints.js'
import { readRegularFileSync } from '../runtime/regular-file.js'
import { readTestFile, TestFileError, type PolicyTestFile } from './test-file.js'

/** Options of a test run. */
export interface RunPolicyTestsOptions {
  /** Generated requests per property unless the property sets `runs` (default 100). */
  readonly runs?: number
  /** fast-check seed, for reproducing a failure. */
  readonly seed?: number
  /** Paths in reports are relative to this directory (default: the process's). */
  readonly cwd?: string
  /** Called after each case or property, for streaming output. */
  readonly onResult?: (result: TestResult) => void
  /** Reads a policy file the test file names (default: from disk); an editor passes its unsaved buffers. */
  readonly readSource?: (path: string) => string
}

/** The outcome of one case, property, or test file that could not run. */
export interface TestResult {
  /** `file` when the test file or its policies could not be loaded. */
  readonly kind: 'case' | 'property' | 'file'
  /** Test file, relative to `cwd`. */
  readonly file: string
  /** Case or property name. */
  readonly name: string
  /** Whether it passed. */
  readonly ok: boolean
  /** What did not hold, or why the file could not run. */
  readonly problems: readonly string[]
  /** The failing request: the case's request, or a property's shrunk counter-example. */
  readonly request?: unknown
  /** The decision the failing request got. */
  readonly decision?: Decision
  /** Requests a property tried. */
  readonly runs?: number
  /** Shrinking steps taken on a property failure. */
  readonly shrinks?: number
  /** The seed of a property run (pass it back with `seed` to reproduce). */
  readonly seed?: number
}

/** One rule and how many decisions it determined. */
export interface CoverageEntry {
  /** Policy file, relative to `cwd`. */
  readonly file: string
  /** Policy name. */
  readonly policy: string
  /** Rule index within the policy. */
  readonly rule: number
  /** Rule kind. */
  readonly kind: string
  /** 1-based line and column of the rule. */
  readonly line: number
  readonly column: number
  /** The rule's source text. */
  readonly source: string
  /** Decisions it determined over all cases and property runs. */
  readonly hits: number
}

/** Everything a run found. */
export interface TestReport {
  /** Every case and property, in file order. */
  readonly results: readonly TestResult[]
  /** Counts of results. */
  readonly passed: number
  readonly failed: number
  /** Rule coverage over every policy file a test loaded. */
  readonly coverage: readonly CoverageEntry[]
}

interface Loaded {
  readonly engine: Engine
  readonly keyOf: (file: string | undefined, policy: string, rule: number) => string
}

type MutableCoverage = Map<string, { entry: Omit<CoverageEntry, 'hits'>; hits: number }>

function load(test: PolicyTestFile, cwd: string, coverage: MutableCoverage, readSource: (path: string) => string): Loaded | string[] {
  const sources = test.policies.map((p) => ({ name: relative(cwd, p) || p, source: readSource(p) }))
  const engine = createEngine(test.schema === undefined ? {} : { schema: test.schema })
  const result = engine.load(sources)
  const set = engine.policySet
  if (!result.ok || set === undefined) {
    const out: string[] = []
    for (const f of result.files) {
      const index = new LineIndex(sources.find((s) => s.name === f.name)?.source ?? '')
      for (const d of f.diagnostics) if (d.severity === 'error') out.push(formatDiagnostic(d, f.name, index))
    }
    if (!result.files.some((f) => hasErrors(f.diagnostics))) out.push('the policies could not be loaded')
    return out
  }
  const keyOf = (file: string | undefined, policy: string, rule: number): string => `${file ?? ''}\u0000${policy}\u0000${rule}`
  const indexes = new Map(sources.map((s) => [s.name, new LineIndex(s.source)]))
  for (const policy of set.checked.policies) {
    for (const rule of policy.rules) {
      const key = keyOf(rule.ref.source, rule.ref.policy, rule.ref.rule)
      if (coverage.has(key)) continue
      const pos = indexes.get(rule.ref.source ?? '')?.position(rule.ref.span.start) ?? { line: 0, column: 0 }
      coverage.set(key, { entry: { file: rule.ref.source ?? '', policy: rule.ref.policy, rule: rule.ref.rule, kind: rule.kind, line: pos.line, column: pos.column, source: rule.source }, hits: 0 })
    }
  }
  return { engine, keyOf }
}

/** Runs test files (paths of `*.test.json` files); never throws for bad files or policies. */
export function runPolicyTests(files: readonly string[], options: RunPolicyTestsOptions = {}): TestReport {
  const cwd = options.cwd ?? process.cwd()
  const results: TestResult[] = []
  const coverage: MutableCoverage = new Map()
  const push = (r: TestResult): void => {
    results.push(r)
    options.onResult?.(r)
  }
  for (const path of files) {
    const shown = relative(cwd, path) || path
    let test: PolicyTestFile
    try {
      test = readTestFile(path)
    } catch (e) {
      push({ kind: 'file', file: shown, name: 'test file', ok: false, problems: e instanceof TestFileError ? e.problems : [e instanceof Error ? e.message : String(e)] })
      continue
    }
    const loaded = load(test, cwd, coverage, options.readSource ?? readRegularFileSync)
    if (Array.isArray(loaded)) {
      push({ kind: 'file', file: shown, name: 'policies', ok: false, problems: loaded })
      continue
    }
    const { engine, keyOf } = loaded
    const decide = (request: unknown): Decision => {
      const d = engine.evaluate(request as AuthzRequest)
      for (const r of d.determining) {
        const c = coverage.get(keyOf(r.source, r.policy, r.rule))
        if (c !== undefined) c.hits++
      }
      return d
    }
    for (const c of test.cases) {
      const decision = decide(c.request)
      const problems = checkExpectation(decision, c.expect)
      push(problems.length === 0 ? { kind: 'case', file: shown, name: c.name, ok: true, problems } : { kind: 'case', file: shown, name: c.name, ok: false, problems, request: c.request, decision })
    }
    const set = engine.policySet
    const hints = set === undefined ? {} : policyHints(set.checked, set.ladders)
    for (const p of test.properties) {
      const runs = p.runs ?? options.runs ?? 100
      let arbitrary: fc.Arbitrary<AuthzRequest>
      try {
        arbitrary = requestArbitrary(test.schema, p.given, { hints })
      } catch (e) {
        push({ kind: 'property', file: shown, name: p.name, ok: false, problems: [e instanceof ConstraintError || e instanceof Error ? e.message : String(e)] })
        continue
      }
      const property = fc.property(arbitrary, (req) => checkExpectation(decide(req), p.expect).length === 0)
      const details = fc.check(property, options.seed === undefined ? { numRuns: runs } : { numRuns: runs, seed: options.seed })
      if (!details.failed) {
        push({ kind: 'property', file: shown, name: p.name, ok: true, problems: [], runs: details.numRuns, seed: details.seed })
        continue
      }
      const request = details.counterexample?.[0]
      if (request === undefined) {
        const err = details.errorInstance
        push({ kind: 'property', file: shown, name: p.name, ok: false, problems: [`the property could not run: ${err instanceof Error ? err.message : String(err)}`], runs: details.numRuns, seed: details.seed })
        continue
      }
      const decision = engine.evaluate(request)
      push({ kind: 'property', file: shown, name: p.name, ok: false, problems: checkExpectation(decision, p.expect), request, decision, runs: details.numRuns, shrinks: details.numShrinks, seed: details.seed })
    }
  }
  const passed = results.filter((r) => r.ok).length
  return {
    results,
    passed,
    failed: results.length - passed,
    coverage: [...coverage.values()].map((c) => ({ ...c.entry, hits: c.hits })),
  }
}
