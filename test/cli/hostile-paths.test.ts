/**
 * Issue 9 item 11 (CLI): a FIFO given as a policy, request, schema or key file blocked
 * `symbi-policy check` forever; a symlink loop was reported as "no such file"; `--` before the
 * paths was refused. Run as child processes with a time bound, so the baseline fails by
 * timing out instead of hanging the suite.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'

const CLI = resolve(import.meta.dirname, '../../dist/cli/main.js')
let dir = ''

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'symbi-hostile-'))
  writeFileSync(join(dir, 'ok.policy'), 'policy ok { allow: read }\n')
  writeFileSync(join(dir, '-dash.policy'), 'policy dash { allow: write }\n')
  writeFileSync(join(dir, 'req.json'), JSON.stringify({ principal: { id: 'a' }, action: 'read' }))
})

afterEach(() => rmSync(dir, { recursive: true, force: true }))

function cli(...args: string[]): { status: number | null; out: string; err: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 15_000 })
  return { status: r.status, out: r.stdout, err: r.stderr, timedOut: r.error !== undefined || r.signal !== null }
}

function mkfifo(name: string): void {
  const r = spawnSync('mkfifo', [join(dir, name)])
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`)
}

describe('hostile paths on the command line', () => {
  it('check refuses a FIFO (named, or inside a directory) instead of blocking', () => {
    mkfifo('pipe.policy')
    for (const target of ['pipe.policy', '.']) {
      const r = cli('check', target)
      expect(r.timedOut, target).toBe(false)
      expect(r.status, target).toBe(2)
      expect(r.err, target).toMatch(/cannot read '.*pipe\.policy': a FIFO, not a regular file/)
    }
  })

  it('eval refuses a FIFO as the request and as the schema', () => {
    mkfifo('req.fifo')
    const r = cli('eval', 'ok.policy', '--request', 'req.fifo')
    expect(r.timedOut).toBe(false)
    expect(r.status).toBe(2)
    expect(r.err).toMatch(/req\.fifo'?: a FIFO, not a regular file/)
    const s = cli('check', '--schema', 'req.fifo', 'ok.policy')
    expect(s.timedOut).toBe(false)
    expect(s.status).toBe(2)
  })

  it('a symlink loop is reported as a loop, not as a missing file', () => {
    symlinkSync('loop-b.policy', join(dir, 'loop-a.policy'))
    symlinkSync('loop-a.policy', join(dir, 'loop-b.policy'))
    const r = cli('check', 'loop-a.policy')
    expect(r.status).toBe(2)
    expect(r.err).toMatch(/cannot read 'loop-a\.policy': too many levels of symbolic links \(a symlink loop\)/)
    expect(r.err).not.toMatch(/no such file/)
  })

  it('`--` ends the options: paths after it are paths, even one starting with -', () => {
    const r = cli('check', '--', 'ok.policy', '-dash.policy')
    expect(r.err).toBe('')
    expect(r.status).toBe(0)
    expect(r.out).toMatch(/checked 2 files/)
    const e = cli('eval', '--request', 'req.json', '--', 'ok.policy')
    expect(e.status).toBe(0)
    expect(JSON.parse(e.out)).toMatchObject({ effect: 'allow' })
  })

  it('a command named like an Object.prototype member is an unknown command (exit 2), not an internal error', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = cli(name)
      expect(r.status, name).toBe(2)
      expect(r.err, name).toMatch(new RegExp(`unknown command '${name}'`))
    }
  })
})
