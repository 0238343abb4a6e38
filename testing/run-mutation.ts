/**
 * Mutation testing of users' policies (`symbi-policy test --mutate`): would the test files
 * notice if a rule were wrong? Every mutant of every rule the tests load (mutants.ts) is
 * compiled in process and run against the test files' cases and properties; a mutant that no
 * test fails on survives, and a property-style search over generated requests then looks for
 * the smallest request whose decision the mutant changes (the case that would have caught it).
 */
import { relative } from 'node:path'
import fc from 'fast-check'
import { compilePolicySet, type PolicySet } from '../compiler/pipeline.js'
import { compileSet, createEvaluator, ruleReuse, type Evaluator } from '../compiler/evaluator.js'
import type { AuthzRequest, DeterminingRule } from '../stdlib/decision.js'
import { readRegularFileSync } from '../runtime/regular-file.js'
import { requestArbitrary } from './arbitraries.js'
import { findWitness } from './witness.js'
import { checkExpectation } from './expectation.js'
import { policyHints, type PolicyHints } from './hints.js'
import { generateMutants, type MutationOperator } from './mutants.js'
import { runPolicyTests, type TestReport } from './run-tests.js'
import { readTestFile, type PolicyTestCase, type PolicyTestFile } from './test-file.js'
import { LineIndex } from '../diagnostics/index.js'

/** Options of a mutation run. */
export interface MutationOptions {
  /** Generated requests per property (default 100). */
  readonly runs?: number
  /** Seed of every property run and witness search (default 1, so reports are reproducible). */
  readonly seed?: number
  /** Generated requests tried when looking for a surviving mutant's witness (default 1000). */
  readonly witnessRuns?: number
  /** Paths in reports are relative to this directory (default: the process's). */
  readonly cwd?: string
}

/** What became of one mutant. */
export interface MutantResult {
  /** The mutated rule as `policy[index]`. */
  readonly rule: string
  /** Policy file (relative to `cwd`) and 1-based position of the rule. */
  readonly file: string
  readonly line: number
  readonly column: number
  /** The rule's source text. */
  readonly source: string
  readonly operator: MutationOperator
  /** The edit, in source form. */
  readonly mutation: string
  /** `killed`: some test failed on it; `survived`: every test passed; `invalid`: it could not be compiled (not scored). */
  readonly status: 'killed' | 'survived' | 'invalid'
  /** The first test that failed on it: `test file: case or property name`. */
  readonly killedBy?: string
  /** For a survivor: a shrunk request whose decision it changes (absent when none was found). */
  readonly witness?: AuthzRequest
  /** For a survivor with a witness: what the decision was and what the mutant decides. */
  readonly difference?: { readonly original: string; readonly mutant: string }
}

/** Everything a mutation run found. */
export interface MutationReport {
  /** Killed mutants as a percentage of scored (killed + survived) mutants; 100 when there are none. */
  readonly score: number
  readonly killed: number
  readonly survived: number
  readonly invalid: number
  readonly mutants: readonly MutantResult[]
  /** The plain test run: mutation testing needs every test to pass on the unmutated policies. */
  readonly baseline: TestReport
}

/** Runs every mutant of the policies the test files load against those test files. */
export function runMutationTests(files: readonly string[], options: MutationOptions = {}): MutationReport {
  const cwd = options.cwd ?? process.cwd()
  const seed = options.seed ?? 1
  const runs = options.runs ?? 100
  const baseline = runPolicyTests(files, { cwd, seed, runs })
  if (baseline.failed > 0) return { score: 0, killed: 0, survived: 0, invalid: 0, mutants: [], baseline }
  // A policy file several test files load is mutated once per test file; a mutant is killed
  // when any of them kills it.
  const merged = new Map<string, MutableResult>()
  for (const path of files) {
    const test = readTestFile(path)
    const shown = relative(cwd, path) || path
    const { set, sources } = load(test, cwd)
    const hints = policyHints(set.checked, set.ladders)
    const actions = [...new Set([...hints.actions, ...test.cases.map((c) => actionNameOf(c.request)).filter((a): a is string => a !== undefined)])]
    const compiled = compileSet(set)
    const original = createEvaluator(set, 1, compiled)
    const reuse = ruleReuse(set, compiled)
    const indexes = new Map<string, LineIndex>()
    const rules = set.checked.policies.flatMap((p) => p.rules)
    const ruleSources = new Map(rules.map((r) => [r.ref, r.source]))
    // Like Stryker's per-test coverage: the cases a rule determined run first against its mutants.
    const byRule = new Map<DeterminingRule, PolicyTestCase[]>()
    const refKey = (r: DeterminingRule): string => JSON.stringify([r.source ?? '', r.policy, r.rule])
    const refs = new Map(rules.map((r) => [refKey(r.ref), r.ref]))
    for (const c of test.cases) {
      for (const r of original.evaluate(c.request as AuthzRequest).determining) {
        const own = refs.get(refKey(r))
        if (own === undefined) continue
        const list = byRule.get(own)
        if (list === undefined) byRule.set(own, [c])
        else if (!list.includes(c)) list.push(c)
      }
    }
    generateMutants(set.checked, set.ladders, actions).forEach((mutant, i) => {
      const key = JSON.stringify([mutant.rule.source ?? '', mutant.rule.policy, mutant.rule.rule, mutant.operator, mutant.change])
      let entry = merged.get(key)
      if (entry === undefined) {
        const file = mutant.rule.source ?? ''
        let index = indexes.get(file)
        if (index === undefined) indexes.set(file, (index = new LineIndex(sources.get(file) ?? '')))
        const pos = index.position(mutant.rule.span.start)
        entry = { rule: `${mutant.rule.policy}[${mutant.rule.rule}]`, file, line: pos.line, column: pos.column, source: ruleSources.get(mutant.rule) ?? '', operator: mutant.operator, mutation: mutant.change, status: 'survived' }
        merged.set(key, entry)
      }
      if (entry.status === 'killed') return
      let evaluator: Evaluator
      try {
        const mutated: PolicySet = { ...set, checked: mutant.set, hash: `${set.hash}:mutant:${i}` }
        // Only the changed rule (and its policy's for-less requirements) is compiled again.
        evaluator = createEvaluator(mutated, 1, compileSet(mutated, reuse))
      } catch {
        entry.status = 'invalid'
        return
      }
      const first = byRule.get(mutant.rule) ?? []
      const cases = first.length === 0 ? test.cases : [...first, ...test.cases.filter((c) => !first.includes(c))]
      const killer = firstFailure({ ...test, cases }, evaluator, hints, runs, seed)
      if (killer !== undefined) {
        entry.status = 'killed'
        entry.killedBy = `${shown}: ${killer}`
        delete entry.witness
        delete entry.difference
        return
      }
      if (entry.witness === undefined) {
        const found = findWitness(test, original, evaluator, mutant, hints, options.witnessRuns ?? 1000, seed)
        if (found !== undefined) {
          entry.witness = found.request
          entry.difference = found.difference
        }
      }
    })
  }
  const mutants: readonly MutantResult[] = [...merged.values()]
  const killed = mutants.filter((m) => m.status === 'killed').length
  const survived = mutants.filter((m) => m.status === 'survived').length
  const scored = killed + survived
  return { score: scored === 0 ? 100 : Math.floor((killed / scored) * 10000) / 100, killed, survived, invalid: mutants.length - scored, mutants, baseline }
}

type MutableResult = { -readonly [K in keyof MutantResult]: MutantResult[K] }

/** The compiled set and each policy file's text by the name decisions carry (for positions). */
function load(test: PolicyTestFile, cwd: string): { set: PolicySet; sources: ReadonlyMap<string, string> } {
  const sources = test.policies.map((p) => ({ name: relative(cwd, p) || p, source: readRegularFileSync(p) }))
  const result = compilePolicySet(sources, test.schema === undefined ? {} : { schema: test.schema })
  // The baseline run loaded the same files without errors.
  if (result.value === undefined) throw new Error(`the policies of ${test.path} could not be compiled`)
  return { set: result.value, sources: new Map(sources.map((x) => [x.name, x.source])) }
}

function actionNameOf(request: unknown): string | undefined {
  if (request === null || typeof request !== 'object') return undefined
  const action = (request as { action?: unknown }).action
  if (typeof action === 'string') return action
  if (action !== null && typeof action === 'object') {
    const name = (action as { name?: unknown }).name
    return typeof name === 'string' ? name : undefined
  }
  return undefined
}

/** The first case or property of `test` that fails under `evaluator`, by name. */
function firstFailure(test: PolicyTestFile, evaluator: Evaluator, hints: PolicyHints, runs: number, seed: number): string | undefined {
  for (const c of test.cases) {
    if (checkExpectation(evaluator.evaluate(c.request as AuthzRequest), c.expect).length > 0) return `case: ${c.name}`
  }
  for (const p of test.properties) {
    const arbitrary = requestArbitrary(test.schema, p.given, { hints })
    const property = fc.property(arbitrary, (req) => checkExpectation(evaluator.evaluate(req), p.expect).length === 0)
    if (fc.check(property, { numRuns: p.runs ?? runs, seed, endOnFailure: true }).failed) return `property: ${p.name}`
  }
  return undefined
}
