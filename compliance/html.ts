/**
 * The report as one HTML file readable without JavaScript: charts are drawn with Vega-Lite at
 * generation time and embedded as SVG; every string from the trail is escaped.
 */
import type { ComplianceReport } from './report.js'

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')

async function svg(spec: Record<string, unknown>): Promise<string> {
  const vega = await import('vega')
  const vl = await import('vega-lite')
  const compiled = vl.compile(spec as never).spec
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

function chart(title: string, values: Record<string, unknown>[], color: Record<string, string>): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 640,
    height: 180,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'day', type: 'ordinal', title: null, axis: { labelAngle: -45 } },
      y: { field: 'count', type: 'quantitative', title: null },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: Object.keys(color), range: Object.values(color) } },
    },
  }
}

export async function renderHtml(report: ComplianceReport): Promise<string> {
  const decisions = report.days.flatMap((d) => [
    { day: d.day, series: 'allow', count: d.allow },
    { day: d.day, series: 'deny', count: d.deny },
    { day: d.day, series: 'other', count: d.other },
  ])
  const denials = report.days.map((d) => ({ day: d.day, series: 'deny', count: d.deny }))
  const severities = ['info', 'warning', 'error', 'critical']
  const security = report.days.flatMap((d) => severities.map((s) => ({ day: d.day, series: s, count: d.security[s] ?? 0 })))
  const charts = report.days.length === 0 ? ['<p>No audit records in the period.</p>'] : await Promise.all([
    svg(chart('Decisions per day', decisions, { allow: '#2e7d32', deny: '#c62828', other: '#9e9e9e' })),
    svg(chart('Denials per day', denials, { deny: '#c62828' })),
    svg(chart('Security events per day, by severity', security, { info: '#90a4ae', warning: '#f9a825', error: '#ef6c00', critical: '#b71c1c' })),
  ])
  const passed = report.checks.filter((c) => c.passed).length
  const rows = report.checks
    .map(
      (c) => `<tr class="${c.passed ? 'pass' : 'fail'}"><td class="verdict">${c.passed ? 'PASS' : 'FAIL'}</td><td><code>${esc(c.id)}</code></td><td>${esc(c.title)}<ul>${c.evidence.map((e) => `<li>${esc(e)}</li>`).join('')}</ul></td></tr>`,
    )
    .join('\n')
  const period = `${report.period.from ?? 'the beginning'} – ${report.period.to ?? 'now'}`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(report.title)} — compliance report</title>
<style>
body { font-family: system-ui, sans-serif; color: #1d2330; margin: 2rem auto; max-width: 960px; padding: 0 1rem; }
h1 { font-size: 1.4rem; } .summary { font-size: 1.1rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; } td { border-top: 1px solid #ddd; padding: .5rem; vertical-align: top; }
.verdict { font-weight: 700; width: 4rem; } .pass .verdict { color: #2e7d32; } .fail .verdict { color: #c62828; }
ul { margin: .3rem 0 0 1rem; padding: 0; font-size: .9rem; color: #444; } .charts svg { display: block; margin: 1rem 0; max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>${esc(report.title)}</h1>
<p class="summary" data-testid="summary">${passed} of ${report.checks.length} checks passed · ${report.records} audit records · period ${esc(period)} · generated ${esc(report.generatedAt)}</p>
<table data-testid="checks">
${rows}
</table>
<section class="charts">
${charts.join('\n')}
</section>
</body>
</html>
`
}
