import { describe, expect, it } from 'vitest'
import { fileURLToPath } from 'node:url'
import type { CliIO } from '../../../cli/io.js'
import { main } from '../../../cli/main.js'

const CORPUS = fileURLToPath(new URL('../../corpus/skills/', import.meta.url))

function fakeIO(cwd = CORPUS): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    readStdin: async () => '',
    env: {},
    cwd,
  }
  return io
}

describe('symbi-policy scan', () => {
  it('exits 1 and prints file:line findings for a refused skill', async () => {
    const io = fakeIO()
    expect(await main(['scan', 'malicious/m04-debug-console.sh'], io)).toBe(1)
    expect(io.stdout).toContain('malicious/m04-debug-console.sh:5: critical reverse-shell-bash:')
    expect(io.stdout).toContain('BLOCKED: 2 findings in 1 file')
  })

  it('exits 0 for a passing skill directory', async () => {
    const io = fakeIO()
    expect(await main(['scan', 'benign/b01-weather.md'], io)).toBe(0)
    expect(io.stdout).toBe('passed: 0 findings in 1 file\n')
  })

  it('prints exactly the documented JSON shape', async () => {
    const io = fakeIO()
    expect(await main(['scan', 'malicious/m10-updater.sh', '--format', 'json'], io)).toBe(1)
    expect(JSON.parse(io.stdout)).toEqual({
      passed: false,
      files: [{ path: 'malicious/m10-updater.sh', findings: [{ rule: 'base64-decode-exec', severity: 'critical', line: 4, message: 'base64-decoded content piped into a shell' }] }],
    })
  })

  it('scans a directory with --allow-exec', async () => {
    const io = fakeIO()
    expect(await main(['scan', 'benign', '--format=json', '--allow-exec', 'git', '--allow-exec', 'head'], io)).toBe(1)
    const out = JSON.parse(io.stdout) as { files: { path: string; findings: { rule: string }[] }[] }
    expect(out.files.length).toBe(18)
    expect(out.files.find((f) => f.path === 'benign/b02-git-helper.sh')?.findings).toEqual([])
    expect(out.files.find((f) => f.path === 'benign/b13-network-diag.sh')?.findings.map((f) => f.rule)).toContain('allowed-executables-only')
  })

  it('exits 2 on usage and I/O problems', async () => {
    const io = fakeIO()
    expect(await main(['scan'], io)).toBe(2)
    expect(await main(['scan', 'a', 'b'], io)).toBe(2)
    expect(await main(['scan', 'benign', '--format', 'xml'], io)).toBe(2)
    expect(await main(['scan', 'no-such-dir'], io)).toBe(2)
    expect(io.stderr).toContain("cannot read 'no-such-dir': ENOENT")
  })
})
