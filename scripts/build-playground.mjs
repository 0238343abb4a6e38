// Builds the playground (playground/) into dist/playground: one ESM bundle for the browser,
// the page and its stylesheet. The seed examples are embedded as a virtual module. The build
// fails if anything pulls in a Node built-in (esbuild's browser platform refuses them), so the
// page can never load fs, Docker or PostgreSQL code.
import { build } from 'esbuild'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = join(root, 'dist', 'playground')
mkdirSync(out, { recursive: true })

function examples() {
  const dir = join(root, 'examples')
  const list = []
  for (const file of readdirSync(dir).sort()) {
    if (!/\.(policy|symbi)$/.test(file)) continue
    const testPath = join(dir, file.replace(/\.(policy|symbi)$/, '.test.json'))
    let test = { cases: [] }
    try {
      test = JSON.parse(readFileSync(testPath, 'utf8'))
    } catch {}
    const cases = (test.cases ?? []).map((c) => ({ name: c.name, request: c.request, expect: c.expect }))
    list.push({
      name: file,
      policy: readFileSync(join(dir, file), 'utf8'),
      schema: test.schema === undefined ? '' : JSON.stringify(test.schema, null, 2),
      request: cases[0] === undefined ? '{\n  "principal": { "id": "alice" },\n  "action": "read",\n  "resource": {}\n}' : JSON.stringify(cases[0].request, null, 2),
      tests: JSON.stringify(cases, null, 2),
    })
  }
  return list
}

const virtualExamples = {
  name: 'examples',
  setup(b) {
    b.onResolve({ filter: /^virtual:examples$/ }, () => ({ path: 'examples', namespace: 'virtual' }))
    b.onLoad({ filter: /.*/, namespace: 'virtual' }, () => ({ contents: `export const EXAMPLES = ${JSON.stringify(examples())}`, loader: 'js' }))
    // The engine's directory watcher reads the file system; the page never watches.
    b.onResolve({ filter: /\/watch\.js$/ }, (args) => (args.importer.endsWith(join('runtime', 'engine.ts')) ? { path: join(root, 'playground', 'src', 'stub-watch.ts') } : undefined))
  },
}

const result = await build({
  entryPoints: [join(root, 'playground', 'src', 'main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  metafile: true,
  legalComments: 'none',
  outfile: join(out, 'app.js'),
  plugins: [virtualExamples],
  logLevel: 'warning',
})
copyFileSync(join(root, 'playground', 'index.html'), join(out, 'index.html'))
copyFileSync(join(root, 'playground', 'style.css'), join(out, 'style.css'))
writeFileSync(join(out, 'meta.json'), JSON.stringify(result.metafile))
