// Regenerates the expectations of the Cedar golden corpus in test/golden-cedar/ (run after
// `npm run build`). test/cedar/golden.test.ts recomputes them from the sources and fails on any
// difference, so review every change: expectations must be right, not just what the code does.
//
// A case is a directory holding `input.policy`, optionally `schema.json` (a context schema) and an
// empty `allow-partial` file. Written: `diagnostics.json` (codes, positions and omitted rules,
// never prose); when the translation has no errors also `out.cedar` (and `out.cedarschema.json`
// with a schema) — only after Cedar itself (checkParsePolicySet, and validate with a schema)
// accepted them.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LineIndex } from '../dist/diagnostics/index.js'
import { compilePolicySet, parseSchema } from '../dist/compiler/index.js'
import { compileToCedar, verifyCedar } from '../dist/compiler/cedar/index.js'

const root = new URL('../test/golden-cedar/', import.meta.url).pathname

/** Keep in step with expectationsOf in test/cedar/golden.test.ts. */
function expectationsOf(text, schemaJson, allowPartial) {
  const schema = schemaJson === undefined ? undefined : parseSchema(JSON.parse(schemaJson))
  const compiled = compilePolicySet([{ name: 'input.policy', source: text }], schema === undefined ? {} : { schema })
  if (compiled.value === undefined) throw new Error(`input does not compile: ${JSON.stringify(compiled.files)}`)
  const out = compileToCedar(compiled.value, schema === undefined ? { allowPartial } : { allowPartial, schema })
  const index = new LineIndex(text)
  const diagnostics = out.diagnostics.map((d) => {
    const { start, end } = index.range(d.span)
    return { code: d.code, severity: d.severity, line: start.line, column: start.column, endLine: end.line, endColumn: end.column }
  })
  const omitted = out.omitted.map((o) => ({ id: o.id, kind: o.kind, replacement: o.replacement, codes: o.codes }))
  const files = { 'diagnostics.json': `${JSON.stringify({ diagnostics, omitted }, null, 2)}\n` }
  if (!diagnostics.some((d) => d.severity === 'error')) {
    const checks = verifyCedar(out.text, out.schema)
    if (checks.length > 0) throw new Error(`Cedar rejects the output: ${JSON.stringify(checks)}`)
    files['out.cedar'] = out.text
    if (out.schema !== undefined) files['out.cedarschema.json'] = out.schema
  }
  return files
}

let changed = 0
for (const name of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  const dir = join(root, name)
  if (!existsSync(join(dir, 'input.policy'))) continue
  const schemaPath = join(dir, 'schema.json')
  let files
  try {
    files = expectationsOf(readFileSync(join(dir, 'input.policy'), 'utf8'), existsSync(schemaPath) ? readFileSync(schemaPath, 'utf8') : undefined, existsSync(join(dir, 'allow-partial')))
  } catch (e) {
    console.error(`${name}: ${e.message}`)
    process.exitCode = 1
    continue
  }
  for (const stale of ['out.cedar', 'out.cedarschema.json']) {
    if (!(stale in files) && existsSync(join(dir, stale))) {
      rmSync(join(dir, stale))
      console.log(`removed ${name}/${stale}`)
      changed++
    }
  }
  for (const [file, text] of Object.entries(files)) {
    const path = join(dir, file)
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue
    writeFileSync(path, text)
    console.log(`wrote ${name}/${file}`)
    changed++
  }
}
console.log(changed === 0 ? 'Cedar golden expectations up to date' : `${changed} file(s) changed`)
