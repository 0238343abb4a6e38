/**
 * The CLI contract of `check` and `fmt`, exercised in-process through `main(argv, io)` with a
 * fake CliIO and temporary directories.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'

interface Run {
  readonly code: number
  readonly out: string
  readonly err: string
}

let dir = ''

async function run(...argv: string[]): Promise<Run> {
  let out = ''
  let err = ''
  const io: CliIO = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readStdin: async () => '',
    env: {},
    cwd: dir,
  }
  const code = await main(argv, io)
  return { code, out, err }
}

function write(name: string, text: string): string {
  const path = join(dir, name)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
  return path
}

const CLEAN = 'policy p {\n    allow: read(doc) if doc.public\n}\n'
const UNFORMATTED = 'policy p { allow: read(doc)   if doc.public }\n'
const BROKEN = 'policy p {\n    allow: a and b\n}\n'
const SEED = 'policy p {\n    require: dp for stats\n}\n'

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-cli-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('symbi-policy check', () => {
  it('exits 0 on clean files and summarises', async () => {
    write('a.policy', CLEAN)
    write('sub/b.symbi', 'agent x {\n    capabilities = []\n}\n')
    const r = await run('check', '.')
    expect(r.code).toBe(0)
    expect(r.out).toBe('checked 2 files: 0 errors, 0 warnings\n')
  })

  it('exits 1 on errors and prints path:line:col: error[CODE]: message, the source line and a caret', async () => {
    write('bad.policy', BROKEN)
    const r = await run('check', 'bad.policy')
    expect(r.code).toBe(1)
    const lines = r.out.split('\n')
    expect(lines[0]).toMatch(/^bad\.policy:2:14: error\[PARSE005\]: \S/)
    expect(lines[1]).toBe('  |')
    expect(lines[2]).toBe('2 |     allow: a and b')
    expect(lines[3]).toBe('  |              ^^^')
    expect(lines[4]).toMatch(/^ {2}= help: /)
    expect(r.out).toContain('checked 1 file: 1 error, 0 warnings')
  })

  it('reports every file and every error, not just the first', async () => {
    write('a.policy', BROKEN)
    write('b.policy', "policy q {\n    allow: x if y == 'z'\n    deny: t < 500ms\n}\n")
    const r = await run('check', 'a.policy', 'b.policy')
    expect(r.code).toBe(1)
    expect(r.out.match(/^[ab]\.policy:\d+:\d+: error\[[A-Z]+\d{3}\]/gm)).toEqual([
      'a.policy:2:14: error[PARSE005]',
      'b.policy:2:22: error[LEX004]',
      'b.policy:3:15: error[LEX006]',
    ])
  })

  it('--strict turns seed extensions into errors; the default accepts them', async () => {
    write('seed.policy', SEED)
    expect((await run('check', 'seed.policy')).code).toBe(0)
    const r = await run('check', '--strict', 'seed.policy')
    expect(r.code).toBe(1)
    expect(r.out).toContain('seed.policy:2:17: error[PARSE102]')
  })

  it('--format json has the documented shape', async () => {
    write('a.policy', CLEAN)
    write('bad.policy', BROKEN)
    const r = await run('check', '--format', 'json', 'a.policy', 'bad.policy')
    expect(r.code).toBe(1)
    const json = JSON.parse(r.out) as unknown
    expect(json).toEqual({
      files: [
        { path: 'a.policy', diagnostics: [] },
        {
          path: 'bad.policy',
          diagnostics: [{ code: 'PARSE005', severity: 'error', message: expect.any(String), line: 2, column: 14, endLine: 2, endColumn: 17, hint: expect.any(String) }],
        },
      ],
    })
  })

  it('--format json omits the hint when there is none, and --format=json works too', async () => {
    write('c.policy', 'policy p { allow: a @ }')
    const r = await run('check', '--format=json', 'c.policy')
    const json = JSON.parse(r.out) as { files: { diagnostics: Record<string, unknown>[] }[] }
    const lex = json.files[0]?.diagnostics.find((d) => d['code'] === 'LEX001')
    expect(lex).toBeDefined()
    expect(Object.keys(lex ?? {}).sort()).toEqual(['code', 'column', 'endColumn', 'endLine', 'line', 'message', 'severity'])
  })

  it('exits 2 on usage problems: no files, missing file, unknown option, bad format', async () => {
    for (const argv of [['check'], ['check', 'missing.policy'], ['check', '--bogus', 'x'], ['check', '--format', 'xml', '.']]) {
      const r = await run(...argv)
      expect(r.code).toBe(2)
      expect(r.err).toMatch(/^symbi-policy check: /)
    }
  })

  it('--help prints usage and exits 0', async () => {
    const r = await run('check', '--help')
    expect(r.code).toBe(0)
    expect(r.out).toContain('Usage: symbi-policy check')
  })
})

describe('symbi-policy fmt', () => {
  it('prints the canonical form without touching the file', async () => {
    const path = write('u.policy', UNFORMATTED)
    const r = await run('fmt', 'u.policy')
    expect(r.code).toBe(0)
    expect(r.out).toBe(CLEAN)
    expect(readFileSync(path, 'utf8')).toBe(UNFORMATTED)
  })

  it('--write rewrites unformatted files in place and leaves formatted ones alone', async () => {
    const u = write('u.policy', UNFORMATTED)
    const c = write('c.policy', CLEAN)
    const r = await run('fmt', '--write', '.')
    expect(r.code).toBe(0)
    expect(r.out).toBe('')
    expect(readFileSync(u, 'utf8')).toBe(CLEAN)
    expect(readFileSync(c, 'utf8')).toBe(CLEAN)
  })

  it('--check exits 1 and names unformatted files; 0 when all are formatted', async () => {
    write('c.policy', CLEAN)
    expect(await run('fmt', '--check', 'c.policy')).toEqual({ code: 0, out: '', err: '' })
    const u = write('u.policy', UNFORMATTED)
    const r = await run('fmt', '--check', '.')
    expect(r.code).toBe(1)
    expect(r.out).toBe('u.policy: not formatted\n')
    expect(readFileSync(u, 'utf8')).toBe(UNFORMATTED)
  })

  it('refuses files with errors: exit 1, diagnostics on stderr, file unchanged', async () => {
    const b = write('b.policy', BROKEN)
    for (const flag of [[], ['--write'], ['--check']]) {
      const r = await run('fmt', ...flag, 'b.policy')
      expect(r.code).toBe(1)
      expect(r.out).toBe('')
      expect(r.err).toContain('b.policy: not formatted because it has errors')
      expect(r.err).toContain('b.policy:2:14: error[PARSE005]')
      expect(readFileSync(b, 'utf8')).toBe(BROKEN)
    }
  })

  it('keeps comments', async () => {
    write('k.policy', '# head\npolicy p { // brace\n  allow: a   // tail\n}\n')
    const r = await run('fmt', 'k.policy')
    expect(r.code).toBe(0)
    expect(r.out).toBe('# head\npolicy p {\n    // brace\n    allow: a // tail\n}\n')
  })

  it('exits 2 when --write and --check are combined or no files are given', async () => {
    expect((await run('fmt', '--write', '--check', '.')).code).toBe(2)
    expect((await run('fmt')).code).toBe(2)
  })
})
