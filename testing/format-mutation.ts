/** Text rendering of a mutation report, for `symbi-policy test --mutate`. */
import type { MutantResult, MutationReport } from './run-mutation.js'

/** Per rule: how many mutants were killed, and each survivor with its witness request. */
export function formatMutationReport(report: MutationReport): string {
  const byRule = new Map<string, MutantResult[]>()
  for (const m of report.mutants) {
    const key = `${m.file}:${m.line}:${m.column}`
    const list = byRule.get(key)
    if (list === undefined) byRule.set(key, [m])
    else list.push(m)
  }
  const lines: string[] = []
  for (const [where, mutants] of byRule) {
    const first = mutants[0] as MutantResult
    const killed = mutants.filter((m) => m.status === 'killed').length
    const survived = mutants.filter((m) => m.status === 'survived')
    const invalid = mutants.filter((m) => m.status === 'invalid').length
    lines.push(`${where} ${first.rule}: ${first.source}`)
    lines.push(`  ${killed}/${mutants.length - invalid} mutants killed${invalid > 0 ? ` (${invalid} could not be compiled)` : ''}`)
    for (const m of survived) {
      lines.push(`  survived  ${m.operator}: ${m.mutation}`)
      if (m.witness === undefined) lines.push('            no generated request tells it apart (it may be equivalent)')
      else {
        lines.push(`            a case would catch it: ${m.difference?.original ?? '?'} here, ${m.difference?.mutant ?? '?'} under the mutant, for`)
        lines.push(`              ${JSON.stringify(m.witness)}`)
      }
    }
  }
  lines.push('')
  lines.push(`mutation score: ${report.score}% (${report.killed} killed, ${report.survived} survived${report.invalid > 0 ? `, ${report.invalid} not compiled` : ''})`)
  return `${lines.join('\n')}\n`
}
