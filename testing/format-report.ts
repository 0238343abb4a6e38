/** Text rendering of a test report, for `symbi-policy test` and for users' own runners. */
import type { CoverageEntry, TestReport, TestResult } from './run-tests.js'

function indent(text: string, by: string): string {
  return text.split('\n').map((l) => by + l).join('\n')
}

/** One result as text lines (a failure carries its problems, request and decision). */
export function formatResult(r: TestResult): string {
  const what = r.kind === 'property' ? `property: ${r.name}` : r.kind === 'case' ? `case: ${r.name}` : r.name
  const runs = r.kind === 'property' && r.runs !== undefined ? ` (${r.runs} requests${r.shrinks !== undefined ? `, shrunk ${r.shrinks} times` : ''})` : ''
  if (r.ok) return `  ok    ${what}${runs}\n`
  const lines = [`  FAIL  ${what}${runs}`]
  for (const p of r.problems) lines.push(indent(p, '        '))
  if (r.request !== undefined) {
    lines.push(`        ${r.kind === 'property' ? 'counter-example request' : 'request'}:`)
    lines.push(indent(JSON.stringify(r.request, null, 2), '          '))
  }
  if (r.decision !== undefined) {
    const d = r.decision
    const detail = d.effect === 'deny' ? ` (${d.reason})` : d.effect === 'allow_with_conditions' ? ` ${JSON.stringify(d.conditions)}` : d.effect === 'require_approval' ? ` (${d.approvers.join(', ')})` : ''
    lines.push(`        decision: ${d.effect}${detail}; determined by ${d.determining.map((x) => `${x.policy}[${x.rule}]`).join(', ') || 'no rule'}`)
  }
  if (r.kind === 'property' && r.seed !== undefined) lines.push(`        reproduce with --seed=${r.seed}`)
  return `${lines.join('\n')}\n`
}

/** Coverage summary: how many rules determined a decision, and the ones that never did. */
export function formatCoverage(coverage: readonly CoverageEntry[]): string {
  const covered = coverage.filter((c) => c.hits > 0).length
  const lines = [`rule coverage: ${covered}/${coverage.length} rules determined at least one decision`]
  for (const c of coverage) if (c.hits === 0) lines.push(`  not covered: ${c.policy}[${c.rule}] ${c.kind} at ${c.file}:${c.line}:${c.column}: ${c.source}`)
  return `${lines.join('\n')}\n`
}

/** The whole report as text (results grouped by file, then coverage and totals). */
export function formatReport(report: TestReport): string {
  let out = ''
  let file: string | undefined
  for (const r of report.results) {
    if (r.file !== file) {
      file = r.file
      out += `${file}\n`
    }
    out += formatResult(r)
  }
  out += `\n${formatCoverage(report.coverage)}`
  out += `\n${report.passed} passed, ${report.failed} failed\n`
  return out
}
