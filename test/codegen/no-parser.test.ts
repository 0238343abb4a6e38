/**
 * A compiled module must not load the parser (STYLE.md §1): enforcement points that run
 * `compile --target js` output never pay for Chevrotain.
 *
 * Two checks. (1) Static: the value-import graph (everything but `import type`/`export type`,
 * which TypeScript erases) of runtime/compiled-module.ts and runtime/index.ts reaches no file
 * under grammar/ and no `chevrotain` specifier. (2) Dynamic, on Node 20: the runtime is built
 * with tsc into a scratch directory and a child `node --import register.mjs` runs a generated
 * module under a module.register() resolve hook that throws as soon as anything resolves
 * chevrotain or a grammar/ file. Node 20 has no public list of loaded ES modules, so a hook
 * that fails the load is the reliable signal; a control run importing the compile pipeline
 * proves the hook does fire.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateModule } from '../../compiler/codegen/index.js'
import { engineFor, exampleSources, ROOT } from './helpers.js'

const IMPORT_RE = /^\s*(import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm
const DYNAMIC_RE = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g

/** Files and bare specifiers reachable through value imports from `entry`. */
function valueImports(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>()
  const packages = new Set<string>()
  const stack = [entry]
  while (stack.length > 0) {
    const file = stack.pop() as string
    if (files.has(file)) continue
    files.add(file)
    const text = readFileSync(file, 'utf8')
    const specs = [...text.matchAll(IMPORT_RE)].map((m) => m[2] as string).concat([...text.matchAll(DYNAMIC_RE)].map((m) => m[1] as string))
    for (const spec of specs) {
      if (spec.startsWith('.')) stack.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      else packages.add(spec)
    }
  }
  return { files: [...files].map((f) => relative(ROOT, f)), packages: [...packages] }
}

describe('no parser in the runtime (static import graph)', () => {
  it.each(['runtime/compiled-module.ts', 'runtime/index.ts'])('%s reaches neither grammar/ nor chevrotain', (entry) => {
    const g = valueImports(join(ROOT, entry))
    expect(g.files).toContain('compiler/evaluator.ts')
    expect(g.files.filter((f) => f.startsWith('grammar/'))).toEqual([])
    expect(g.packages.filter((p) => p === 'chevrotain' || p.startsWith('chevrotain/'))).toEqual([])
  })

  it('the walker does see the parser behind the compile pipeline (control)', () => {
    const g = valueImports(join(ROOT, 'compiler/pipeline.ts'))
    expect(g.files).toContain('grammar/parse.ts')
  })
})

describe('no parser in the runtime (child process with a resolve hook)', () => {
  let out = ''
  beforeAll(() => {
    // Inside the repository (tmp/ is git-ignored) so that node_modules resolves from the build.
    mkdirSync(join(ROOT, 'tmp'), { recursive: true })
    out = mkdtempSync(join(ROOT, 'tmp', 'no-parser-'))
    const tsc = spawnSync(process.execPath, [
      join(ROOT, 'node_modules/typescript/bin/tsc'),
      '--outDir', out, '--rootDir', ROOT, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
      '--strict', '--skipLibCheck', '--types', 'node', '--noEmitOnError', 'false',
      join(ROOT, 'runtime/compiled-module.ts'), join(ROOT, 'compiler/pipeline.ts'),
    ], { encoding: 'utf8' })
    if (tsc.error) throw tsc.error
    writeFileSync(join(out, 'hook.mjs'), [
      'export async function resolve(specifier, context, next) {',
      '  const r = await next(specifier, context)',
      "  if (specifier === 'chevrotain' || r.url.includes('/node_modules/chevrotain/') || /\\/grammar\\/[^/]+\\.js$/.test(r.url)) {",
      "    throw new Error('PARSER LOADED: ' + r.url + ' (imported by ' + context.parentURL + ')')",
      '  }',
      '  return r',
      '}',
      '',
    ].join('\n'))
    writeFileSync(join(out, 'register.mjs'), "import { register } from 'node:module'\nregister('./hook.mjs', import.meta.url)\n")
  })
  afterAll(() => {
    if (out !== '') rmSync(out, { recursive: true, force: true })
  })

  function child(script: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(out, 'register.mjs')).href, '--input-type=module', '-e', script], { encoding: 'utf8', cwd: out })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  it('a generated module loads and decides without resolving chevrotain or grammar/', () => {
    const sources = exampleSources()
    const engine = engineFor(sources)
    const runtime = pathToFileURL(join(out, 'runtime/compiled-module.js')).href
    const file = join(out, 'policies.mjs')
    writeFileSync(file, generateModule(engine.policySet!, sources, { runtimeImport: runtime }))
    const request = JSON.parse(readFileSync(join(ROOT, 'examples/requests/read-secret.json'), 'utf8')) as unknown
    const r = child(`const m = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(JSON.stringify(m.evaluate(${JSON.stringify(request)})))`)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(JSON.stringify(engine.evaluate(request as never))))
  })

  it('the hook fails a load that reaches the parser (control)', () => {
    const r = child(`await import(${JSON.stringify(pathToFileURL(join(out, 'compiler/pipeline.js')).href)})`)
    expect(r.status).not.toBe(0)
    expect(r.stderr).toContain('PARSER LOADED')
  })
})
