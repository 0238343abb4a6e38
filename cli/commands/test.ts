import { findTestFiles, formatCoverage, formatMutationReport, formatResult, runMutationTests, runPolicyTests, TestFileError, type TestResult } from '../../testing/index.js'
import { parseArgs } from '../args.js'
import { EXIT, UsageError, type Command } from '../io.js'

const HELP = `Usage: symbi-policy test <test files or dirs> [--runs n] [--seed n] [--format text|json] [--require-coverage]
       symbi-policy test --mutate <test files or dirs> [--min-score n] [--runs n] [--seed n] [--format text|json]

Runs policy test files (*.test.json; see docs/testing.md): example cases (request → expected
decision) and properties checked with fast-check on requests generated from the schema, with
failures shrunk to a minimal counter-example request. Prints rule coverage: the rules no test
made determine a decision. --runs sets requests per property (default 100, or the
SYMBI_PROPERTY_RUNS environment variable); --require-coverage fails when a rule is uncovered.
Exit codes: 0 all passed, 1 a test failed (or coverage is incomplete with --require-coverage),
2 usage problems.

--mutate: mutation testing of the policies the test files load. Every rule is mutated the way a
reviewer fears (dropped, guard negated, a conjunct or disjunct dropped, a comparison flipped, a
ladder rung moved, an action pattern widened or narrowed, deny turned into allow, a precondition
made an obligation, an approval or obligation removed); each mutant runs against the cases and
properties. Reports per rule the mutants no test noticed, each with the smallest generated
request whose decision the mutant changes, and the mutation score (killed / scored mutants).
--seed defaults to 1 here, so a report is reproducible. Exit codes: 0 the score is at least
--min-score (a percentage, default 0), 1 it is lower or a test fails on the unmutated
policies, 2 usage problems.
`

function minScore(text: string | undefined): number {
  if (text === undefined) return 0
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new UsageError(`--min-score must be a number from 0 to 100, got '${text}'`)
  return n
}

function positiveInt(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${option} must be a positive integer, got '${text}'`)
  return n
}

/** `symbi-policy test`. */
export const test: Command = async (args, io) => {
  const a = parseArgs(args, { flags: ['--help', '--require-coverage', '--mutate'], options: ['--runs', '--seed', '--format', '--min-score'] })
  if (a.flags.has('--help')) {
    io.out(HELP)
    return EXIT.ok
  }
  const format = a.options.get('--format') ?? 'text'
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got '${format}'`)
  if (a.positionals.length === 0) throw new UsageError('no test files or directories given\n\n' + HELP)
  const runs = positiveInt(a.options.get('--runs'), '--runs') ?? positiveInt(io.env['SYMBI_PROPERTY_RUNS'], 'SYMBI_PROPERTY_RUNS')
  const seedText = a.options.get('--seed')
  const seed = seedText === undefined ? undefined : Number(seedText)
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got '${seedText ?? ''}'`)
  let files: string[]
  try {
    files = findTestFiles(a.positionals, io.cwd)
  } catch (e) {
    if (e instanceof TestFileError) throw new UsageError(`cannot read '${e.file}': ${e.problems.join('; ')}`)
    throw e
  }
  if (files.length === 0) throw new UsageError('no *.test.json files found')
  const mutate = a.flags.has('--mutate')
  if (!mutate && a.options.has('--min-score')) throw new UsageError('--min-score applies only with --mutate')
  if (mutate) {
    if (a.flags.has('--require-coverage')) throw new UsageError('--require-coverage does not apply with --mutate')
    const min = minScore(a.options.get('--min-score'))
    const report = runMutationTests(files, { cwd: io.cwd, ...(runs === undefined ? {} : { runs }), ...(seed === undefined ? {} : { seed }) })
    if (report.baseline.failed > 0) {
      if (format === 'json') io.out(`${JSON.stringify({ error: 'tests fail on the unmutated policies', results: report.baseline.results.filter((r) => !r.ok) }, null, 2)}\n`)
      else {
        io.out('mutation testing needs every test to pass on the unmutated policies; these fail:\n')
        for (const r of report.baseline.results) if (!r.ok) io.out(`${r.file}\n${formatResult(r)}`)
      }
      return EXIT.failure
    }
    if (format === 'json') {
      const { baseline: _, ...rest } = report
      io.out(`${JSON.stringify({ ...rest, minScore: min }, null, 2)}\n`)
    } else io.out(`${formatMutationReport(report)}${report.score < min ? `below --min-score ${min}\n` : ''}`)
    return report.score < min ? EXIT.failure : EXIT.ok
  }
  let file: string | undefined
  const onResult = (r: TestResult): void => {
    if (format !== 'text') return
    if (r.file !== file) io.out(`${(file = r.file)}\n`)
    io.out(formatResult(r))
  }
  const report = runPolicyTests(files, { cwd: io.cwd, onResult, ...(runs === undefined ? {} : { runs }), ...(seed === undefined ? {} : { seed }) })
  const uncovered = report.coverage.filter((c) => c.hits === 0).length
  const coverageFailed = a.flags.has('--require-coverage') && uncovered > 0
  if (format === 'json') io.out(`${JSON.stringify(report, null, 2)}\n`)
  else io.out(`\n${formatCoverage(report.coverage)}\n${report.passed} passed, ${report.failed} failed${coverageFailed ? `; ${uncovered} rules not covered` : ''}\n`)
  return report.failed > 0 || coverageFailed ? EXIT.failure : EXIT.ok
}
