/**
 * The declarations written next to a compiled module type-check for a consumer. The package is
 * stubbed with the type names the declarations import (test/testing/api-types.test.ts imports
 * the same names from the real entry points, so a rename breaks one of the two).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateDeclarations } from '../../compiler/codegen/index.js'
import { ROOT } from './helpers.js'

let dir = ''
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true })
})

function tsc(files: Record<string, string>): { status: number | null; out: string } {
  // Outside the repository: inside it, `symbi-policy` would self-resolve to the real dist/.
  dir = mkdtempSync(join(tmpdir(), 'symbi-dts-'))
  const pkg = join(dir, 'node_modules/symbi-policy')
  mkdirSync(join(pkg, 'runtime'), { recursive: true })
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'symbi-policy', type: 'module', exports: { '.': { types: './index.d.ts' }, './runtime': { types: './runtime/index.d.ts' } } }))
  writeFileSync(join(pkg, 'index.d.ts'), [
    'export interface AuthzRequest { principal: { id: string }; action: string | { name: string } }',
    "export type Decision = { effect: 'allow' | 'deny'; determining: DeterminingRule[] }",
    'export interface DeterminingRule { policy: string; rule: number; source?: string }',
  ].join('\n'))
  writeFileSync(join(pkg, 'runtime/index.d.ts'), 'export interface RuleLocation { policy: string; rule: number; file: string; line: number; column: number }\n')
  writeFileSync(join(dir, 'policies.d.mts'), generateDeclarations())
  writeFileSync(join(dir, 'policies.mjs'), '')
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', ...Object.keys(files).map((f) => join(dir, f))]
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), ...args], { encoding: 'utf8', cwd: dir })
  return { status: r.status, out: r.stdout + r.stderr }
}

describe('generated declarations', () => {
  // One tsc run for both files (tsc start-up dominates): the consumer must be clean, the misuse
  // must fail, which also shows the check can fail.
  it('type a consumer of the module and reject misuse', () => {
    const r = tsc({
      'consumer.mts': [
        "import policies, { evaluate, hash, sources, locate } from './policies.mjs'",
        "const d = evaluate({ principal: { id: 'a' }, action: 'read' })",
        "const e: 'allow' | 'deny' = d.effect",
        'const h: string = hash + policies.hash',
        'const line: number | undefined = sources[0]?.line',
        'const where = d.determining[0] === undefined ? undefined : locate(d.determining[0])',
        'void e, h, line, where',
        '',
      ].join('\n'),
      'misuse.mts': "import { evaluate } from './policies.mjs'\nconst n: number = evaluate({ principal: { id: 'a' }, action: 'read' })\nvoid n\n",
    })
    expect(r.status).not.toBe(0)
    const lines = r.out.trim().split('\n')
    expect(lines.filter((l) => l.includes('consumer.mts'))).toEqual([])
    expect(lines.some((l) => l.includes('misuse.mts') && l.includes('TS2322'))).toBe(true)
  })
})
