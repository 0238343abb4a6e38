// Regenerates the expectations of the golden corpus in test/golden/ (run after `npm run build`).
// test/golden/golden.test.ts recomputes them from the sources and fails on any difference, so
// review every change this script makes: expectations must be right, not just what the code does.
//
// A case is a directory holding `input.policy` or `input.symbi`, and an empty `strict` file
// to parse in --strict mode. Written: `diagnostics.json` (codes and positions, never prose);
// for accepted inputs also `ir.json` (spans stripped) and `formatted.<ext>`.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LineIndex } from '../dist/diagnostics/index.js'
import { format, parse, stripSpans } from '../dist/grammar/index.js'

const root = new URL('../test/golden/', import.meta.url).pathname

/** Keep in step with expectationsOf in test/golden/golden.test.ts. */
function expectationsOf(text, strict) {
  const result = parse(text, { strict })
  const index = new LineIndex(text)
  const pos = (span) => {
    const { start, end } = index.range(span)
    return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column }
  }
  const diagnostics = result.diagnostics.map((d) => {
    const out = { code: d.code, severity: d.severity, ...pos(d.span) }
    if (d.related) out.related = d.related.map((r) => pos(r.span))
    return out
  })
  const files = { 'diagnostics.json': `[${diagnostics.map((d) => `\n  ${JSON.stringify(d)}`).join(',')}${diagnostics.length ? '\n' : ''}]\n` }
  if (result.value) {
    files['ir.json'] = `${JSON.stringify(stripSpans(result.value), null, 2)}\n`
    const formatted = format(text, { strict })
    files.formatted = formatted.ok ? formatted.text : '<formatter refused>\n'
  }
  return files
}

let changed = 0
for (const name of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  const dir = join(root, name)
  const input = ['input.policy', 'input.symbi'].find((f) => existsSync(join(dir, f)))
  if (!input) continue
  const ext = input.slice('input'.length)
  const files = expectationsOf(readFileSync(join(dir, input), 'utf8'), existsSync(join(dir, 'strict')))
  const wanted = new Map(Object.entries(files).map(([k, v]) => [k === 'formatted' ? `formatted${ext}` : k, v]))
  for (const stale of ['ir.json', `formatted${ext}`]) {
    if (!wanted.has(stale) && existsSync(join(dir, stale))) {
      rmSync(join(dir, stale))
      console.log(`removed ${name}/${stale}`)
      changed++
    }
  }
  for (const [file, text] of wanted) {
    const path = join(dir, file)
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue
    writeFileSync(path, text)
    console.log(`wrote ${name}/${file}`)
    changed++
  }
}
console.log(changed === 0 ? 'golden expectations up to date' : `${changed} file(s) changed`)
