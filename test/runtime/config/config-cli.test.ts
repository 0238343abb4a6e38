import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CliIO } from '../../../cli/io.js'
import { config } from '../../../cli/commands/config.js'
import { main } from '../../../cli/main.js'

const dir = mkdtempSync(join(tmpdir(), 'cfg-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function fakeIO(env: Record<string, string> = {}): CliIO & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t), readStdin: async () => '', env, cwd: dir }
  return io
}

describe('symbi-policy config check', () => {
  it('prints ok and exits 0 for a valid file', async () => {
    writeFileSync(join(dir, 'good.toml'), '[security]\nschemapin_mode = "strict"\nsandbox_tier = "gvisor"\n\n[tofu]\nclosed_world = true\n')
    const io = fakeIO()
    expect(await config(['check', 'good.toml'], io)).toBe(0)
    expect(io.stdout).toBe('ok\n')
  })

  it('prints file:line:col: error[CODE]: message for each error and exits 1', async () => {
    writeFileSync(join(dir, 'bad.toml'), '[security]\nschemapin_mode = "lax"\n  max_payload_bytes = 0\n[tofu]\nkeystore = "x"\n')
    const io = fakeIO()
    expect(await config(['check', 'bad.toml'], io)).toBe(1)
    expect(io.stdout.split('\n').filter(Boolean)).toEqual([
      "bad.toml:2:1: error[CONFIG004]: [security] schemapin_mode has invalid value 'lax'; allowed: strict, permissive, development, disabled",
      'bad.toml:3:3: error[CONFIG005]: [security] max_payload_bytes is 0; must be between 1 and 1073741824',
      "bad.toml:5:1: error[CONFIG002]: unknown key 'keystore' in [tofu]; known keys: key_store_path, closed_world, pin_on_first_use",
    ])
  })

  it('reports TOML syntax errors at the parser position', async () => {
    writeFileSync(join(dir, 'syntax.toml'), '[security\nschemapin_mode = "strict"\n')
    const io = fakeIO()
    expect(await config(['check', 'syntax.toml'], io)).toBe(1)
    expect(io.stdout).toMatch(/^syntax\.toml:1:\d+: error\[CONFIG001\]: TOML syntax error: /)
  })

  it('checks the environment too with --env, and only then', async () => {
    writeFileSync(join(dir, 'dev.toml'), '[security]\nschemapin_mode = "development"\n')
    const prod = { SYMBIONT_ENV: 'production' }
    const a = fakeIO(prod)
    expect(await config(['check', 'dev.toml'], a)).toBe(0)
    const b = fakeIO(prod)
    expect(await config(['check', 'dev.toml', '--env'], b)).toBe(1)
    expect(b.stdout).toContain("dev.toml:2:1: error[CONFIG007]: schemapin_mode 'development' (from [security] schemapin_mode) is refused when SYMBIONT_ENV=production")
    const c = fakeIO({ SYMBIONT_LOGLEVEL: 'x' })
    expect(await config(['check', 'dev.toml', '--env'], c)).toBe(1)
    expect(c.stdout).toContain("env:SYMBIONT_LOGLEVEL: error[CONFIG006]: unknown environment variable SYMBIONT_LOGLEVEL (did you mean 'SYMBIONT_LOG_LEVEL'?)")
  })

  it('exits 2 on usage and I/O problems (through main)', async () => {
    const io = fakeIO()
    expect(await main(['config'], io)).toBe(2)
    expect(await main(['config', 'lint', 'x.toml'], io)).toBe(2)
    expect(await main(['config', 'check'], io)).toBe(2)
    expect(await main(['config', 'check', 'missing.toml'], io)).toBe(2)
    expect(io.stderr).toContain("cannot read 'missing.toml': no such file or directory")
  })
})
