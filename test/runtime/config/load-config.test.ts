import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KEYS, loadConfig, locateKey, parseDuration } from '../../../runtime/config/index.js'
import type { ConfigDiagnostic } from '../../../runtime/config/index.js'
import { LineIndex } from '../../../diagnostics/source-map.js'

const codes = (d: readonly ConfigDiagnostic[]): string[] => d.filter((x) => x.severity === 'error').map((x) => x.code)
const where = (text: string, d: ConfigDiagnostic | undefined): string => {
  const p = new LineIndex(text).position(d?.span.start ?? -1)
  return `${p.line}:${p.column}`
}

describe('defaults', () => {
  it('yields documented defaults with no env and no file', () => {
    const r = loadConfig({ env: {} })
    expect(r.diagnostics).toEqual([])
    expect(r.config?.security).toEqual({
      environment: 'development', schemapinMode: 'strict', sandboxTier: 'tier1', allowDevelopmentModes: true,
      maxPayloadBytes: 1048576, auditSigning: 'every_event', checkpointEvery: 100, checkpointIntervalMs: 5000,
      approvalTimeoutMs: 120000, networkDefaultAction: 'deny', logLevel: 'info',
    })
    expect(r.config?.tofu).toEqual({ keyStorePath: '.symbiont/tofu-keys.json', closedWorld: false, pinOnFirstUse: true })
    expect(r.config?.sources['security.schemapin_mode']).toBe('default')
  })
})

describe('precedence env > file > default', () => {
  const toml = '[security]\nschemapin_mode = "permissive"\napproval_timeout = "30s"\n[tofu]\nclosed_world = true\n'
  it('takes file values over defaults and env values over file values', () => {
    const r = loadConfig({ env: { SYMBIONT_APPROVAL_TIMEOUT: '2m' }, tomlText: toml })
    expect(r.config?.security.schemapinMode).toBe('permissive')
    expect(r.config?.security.approvalTimeoutMs).toBe(120_000)
    expect(r.config?.sources['security.approval_timeout']).toBe('env')
    expect(r.config?.sources['security.schemapin_mode']).toBe('file')
    expect(r.config?.sources['security.sandbox_tier']).toBe('default')
    expect(r.config?.tofu).toMatchObject({ closedWorld: true, pinOnFirstUse: false })
  })
  it('env also overrides a file value for every key that has both', () => {
    for (const spec of KEYS.filter((k) => k.env && k.toml)) {
      expect(spec.name.split('.')[0]).toMatch(/^(security|tofu|keys|security_events)$/)
    }
    const k = loadConfig({ env: { SYMBIONT_KEY_STORE: '/srv/keys' }, tomlText: '[keys]\nstore = "/etc/keys"\nrotation_overlap = "2h"\nrotate_after = "90d"\n' })
    expect(k.config?.keys).toEqual({ storePath: '/srv/keys', rotationOverlapMs: 7_200_000, rotateAfterMs: 90 * 86_400_000 })
    expect(loadConfig({ env: {} }).config?.keys).toEqual({ storePath: '.symbiont/keys', rotationOverlapMs: 7 * 86_400_000, rotateAfterMs: 0 })
    const ev = loadConfig({ env: { SYMBIONT_EVENTS_REPEATED_DENIES_THRESHOLD: '9' }, tomlText: '[security_events]\nrepeated_denies_window = "2m"\nsignature_burst_threshold = 2\n' }).config?.events
    expect(ev).toEqual({ repeatedDenies: { threshold: 9, windowMs: 120_000 }, signatureFailureBurst: { threshold: 2, windowMs: 10_000 }, resourceAnomaly: { threshold: 3, windowMs: 600_000 } })
    const r = loadConfig({ env: { SYMBIONT_SANDBOX_TIER: 'gvisor' }, tomlText: '[security]\nsandbox_tier = "docker"\n' })
    expect(r.config?.security.sandboxTier).toBe('tier2')
  })
  it('reads the file from path or SYMBIONT_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'))
    const file = join(dir, 'symbiont.toml')
    writeFileSync(file, '[security]\nlog_levels = 1\n')
    expect(codes(loadConfig({ env: {}, path: file }).diagnostics)).toEqual(['CONFIG002'])
    expect(codes(loadConfig({ env: { SYMBIONT_CONFIG: file } }).diagnostics)).toEqual(['CONFIG002'])
    expect(codes(loadConfig({ env: {}, path: join(dir, 'missing.toml') }).diagnostics)).toEqual(['CONFIG009'])
  })
})

describe('environment variables', () => {
  it.each([
    ['SYMBIONT_ENV', 'prod', 'CONFIG004', /SYMBIONT_ENV has invalid value 'prod'; allowed: development, staging, production/],
    ['SYMBIONT_SCHEMAPIN_MODE', 'lax', 'CONFIG004', /allowed: strict, permissive, development, disabled/],
    ['SYMBIONT_SANDBOX_TIER', 'tier3', 'CONFIG004', /allowed: tier1, tier2, docker, gvisor/],
    ['SYMBIONT_ALLOW_DEVELOPMENT_MODES', 'yes', 'CONFIG004', /allowed: true, false, 1, 0/],
    ['SYMBIONT_MAX_PAYLOAD_BYTES', '10MB', 'CONFIG003', /whole number/],
    ['SYMBIONT_MAX_PAYLOAD_BYTES', '0', 'CONFIG005', /between 1 and 1073741824/],
    ['SYMBIONT_AUDIT_LOG', '', 'CONFIG005', /non-empty path/],
    ['SYMBIONT_AUDIT_SIGNING', 'sometimes', 'CONFIG004', /every_event, checkpoint/],
    ['SYMBIONT_AUDIT_CHECKPOINT_EVERY', '-1', 'CONFIG003', /whole number/],
    ['SYMBIONT_AUDIT_CHECKPOINT_INTERVAL', '5', 'CONFIG005', /with a unit/],
    ['SYMBIONT_APPROVAL_TIMEOUT', '120', 'CONFIG005', /with a unit/],
    ['SYMBIONT_APPROVAL_TIMEOUT', '500ms', 'CONFIG005', /between 1s and 168h/],
    ['SYMBIONT_NETWORK_DEFAULT_ACTION', 'permit', 'CONFIG004', /deny, allow/],
    ['SYMBIONT_LOG_LEVEL', 'verbose', 'CONFIG004', /error, warn, info, debug, trace/],
    ['SYMBIONT_TOFU_CLOSED_WORLD', 'TRUE', 'CONFIG004', /SYMBIONT_TOFU_CLOSED_WORLD/],
    ['SYMBIONT_TOFU_PIN_ON_FIRST_USE', 'maybe', 'CONFIG004', /SYMBIONT_TOFU_PIN_ON_FIRST_USE/],
    ['SYMBIONT_TOFU_KEY_STORE', 'a\0b', 'CONFIG005', /NUL/],
    ['SYMBIONT_SCHEMAPIN', 'strict', 'CONFIG006', /unknown environment variable SYMBIONT_SCHEMAPIN \(did you mean 'SYMBIONT_SCHEMAPIN_MODE'\?\)/],
  ])('%s=%j is %s', (name, value, code, message) => {
    const r = loadConfig({ env: { [name]: value } })
    expect(r.config).toBeUndefined()
    expect(r.diagnostics).toHaveLength(1)
    expect(r.diagnostics[0]).toMatchObject({ code, source: 'env', key: name, severity: 'error' })
    expect(r.diagnostics[0]?.message).toMatch(message)
  })

  it.each([
    ['SYMBIONT_ENV', 'staging', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.security.environment === 'staging'],
    ['SYMBIONT_ALLOW_DEVELOPMENT_MODES', '0', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.security.allowDevelopmentModes === false],
    ['SYMBIONT_MAX_PAYLOAD_BYTES', '4096', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.security.maxPayloadBytes === 4096],
    ['SYMBIONT_AUDIT_LOG', '/var/log/a.log', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.security.auditLog === '/var/log/a.log'],
    ['SYMBIONT_AUDIT_SIGNING', 'checkpoint', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.security.auditSigning === 'checkpoint'],
    ['SYMBIONT_AUDIT_CHECKPOINT_EVERY', '7', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.security.checkpointEvery === 7],
    ['SYMBIONT_AUDIT_CHECKPOINT_INTERVAL', '1m30s', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.security.checkpointIntervalMs === 90_000],
    ['SYMBIONT_LOG_LEVEL', 'debug', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.security.logLevel === 'debug'],
    ['SYMBIONT_NETWORK_DEFAULT_ACTION', 'allow', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.security.networkDefaultAction === 'allow'],
    ['SYMBIONT_TOFU_KEY_STORE', '/etc/symbiont/keys.json', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.tofu.keyStorePath === '/etc/symbiont/keys.json'],
    ['SYMBIONT_TOFU_PIN_ON_FIRST_USE', 'false', (c: NonNullable<ReturnType<typeof loadConfig>['config']>) => c.tofu.pinOnFirstUse === false],
  ])('%s=%s is accepted', (name, value, check) => {
    const r = loadConfig({ env: { [name]: value } })
    expect(r.diagnostics).toEqual([])
    expect(check(r.config as NonNullable<typeof r.config>)).toBe(true)
  })

  it('ignores variables outside the SYMBIONT_ prefix', () => {
    expect(loadConfig({ env: { PATH: '/bin', SYMBIONTX: '1' } }).diagnostics).toEqual([])
  })
})

describe('TOML sections', () => {
  it.each([
    ['schemapin_mode = "off"', 'CONFIG004', /\[security\] schemapin_mode has invalid value 'off'; allowed: strict/],
    ['schemapin_mode = 1', 'CONFIG003', /must be a string/],
    ['sandbox_tier = "firecracker"', 'CONFIG004', /allowed: tier1, tier2, docker, gvisor/],
    ['allow_development_modes = "yes"', 'CONFIG003', /must be a boolean/],
    ['max_payload_bytes = 1.5', 'CONFIG003', /must be an integer; got float/],
    ['max_payload_bytes = 2147483648', 'CONFIG005', /between 1 and/],
    ['audit_log = 42', 'CONFIG003', /must be a path string/],
    ['audit_signing = "never"', 'CONFIG004', /every_event, checkpoint/],
    ['checkpoint_every = 0', 'CONFIG005', /between 1 and 1000000/],
    ['checkpoint_interval = 5', 'CONFIG003', /duration string with a unit/],
    ['approval_timeout = "2 minutes"', 'CONFIG005', /invalid duration '2 minutes'/],
    ['network_default_action = true', 'CONFIG003', /must be a string/],
    ['log_level = "debug"', 'CONFIG002', /unknown key 'log_level' in \[security\]/],
    ['schemapin_mod = "strict"', 'CONFIG002', /did you mean 'schemapin_mode'\?/],
  ])('[security] %s is %s, positioned on the key', (line, code, message) => {
    const text = `# config\n[security]\n${line}\n`
    const r = loadConfig({ env: {}, tomlText: text })
    expect(codes(r.diagnostics)).toEqual([code])
    expect(r.diagnostics[0]?.message).toMatch(message)
    expect(r.diagnostics[0]?.source).toBe('file')
    expect(where(text, r.diagnostics[0])).toBe('3:1')
  })

  it.each([
    ['key_store_path = ""', 'CONFIG005'],
    ['closed_world = "true"', 'CONFIG003'],
    ['pin_on_first_use = 1', 'CONFIG003'],
    ['trust_all = true', 'CONFIG002'],
  ])('[tofu] %s is %s', (line, code) => {
    const r = loadConfig({ env: {}, tomlText: `[tofu]\n${line}\n` })
    expect(codes(r.diagnostics)).toEqual([code])
  })

  it('positions syntax errors from the parser', () => {
    const text = '[security]\nschemapin_mode = = "x"\n'
    const r = loadConfig({ env: {}, tomlText: text })
    expect(codes(r.diagnostics)).toEqual(['CONFIG001'])
    expect(where(text, r.diagnostics[0])).toBe('2:18')
  })

  it('positions keys written as dotted keys or with indentation', () => {
    const text = 'security.sandbox_tier = "tier9"\n'
    expect(where(text, loadConfig({ env: {}, tomlText: text }).diagnostics[0])).toBe('1:1')
    const text2 = '[tofu]\n  closed_world   =   "no"\n'
    expect(where(text2, loadConfig({ env: {}, tomlText: text2 }).diagnostics[0])).toBe('2:3')
    expect(locateKey('[a]\nx=1\n[b]\nx=2\n', 'b', 'x')).toBe(12)
  })

  it('ignores other tables with a warning, but treats near-miss names as typos', () => {
    const ok = loadConfig({ env: {}, tomlText: '[agents]\nname = "x"\n[security]\nsandbox_tier = "docker"\n' })
    expect(ok.config?.security.sandboxTier).toBe('tier1')
    expect(ok.diagnostics.map((d) => [d.code, d.severity])).toEqual([['CONFIG012', 'warning']])
    const typo = loadConfig({ env: {}, tomlText: '[securty]\nschemapin_mode = "strict"\n' })
    expect(codes(typo.diagnostics)).toEqual(['CONFIG012'])
    expect(typo.diagnostics[0]?.message).toMatch(/did you mean 'security'/)
    expect(codes(loadConfig({ env: {}, tomlText: 'security = 3\n' }).diagnostics)).toEqual(['CONFIG013'])
  })
})

describe('cross-key rules', () => {
  it('refuses development and disabled SchemaPin modes in production, from env or file', () => {
    for (const mode of ['development', 'disabled']) {
      const fromEnv = loadConfig({ env: { SYMBIONT_ENV: 'production', SYMBIONT_SCHEMAPIN_MODE: mode } })
      expect(codes(fromEnv.diagnostics)).toEqual(['CONFIG007'])
      expect(fromEnv.diagnostics[0]?.message).toMatch(new RegExp(`schemapin_mode '${mode}' \\(from SYMBIONT_SCHEMAPIN_MODE\\) is refused when SYMBIONT_ENV=production`))
      const text = `[security]\nschemapin_mode = "${mode}"\n`
      const fromFile = loadConfig({ env: { SYMBIONT_ENV: 'production' }, tomlText: text })
      expect(codes(fromFile.diagnostics)).toEqual(['CONFIG007'])
      expect(where(text, fromFile.diagnostics[0])).toBe('2:1')
    }
    expect(loadConfig({ env: { SYMBIONT_ENV: 'production', SYMBIONT_SCHEMAPIN_MODE: 'permissive' } }).config?.security.schemapinMode).toBe('permissive')
  })

  it('refuses allow_development_modes = true in production', () => {
    expect(codes(loadConfig({ env: { SYMBIONT_ENV: 'production' }, tomlText: '[security]\nallow_development_modes = true\n' }).diagnostics)).toEqual(['CONFIG007'])
    expect(loadConfig({ env: { SYMBIONT_ENV: 'production' } }).config?.security.allowDevelopmentModes).toBe(false)
  })

  it('needs allow_development_modes for development modes outside development', () => {
    expect(codes(loadConfig({ env: { SYMBIONT_ENV: 'staging', SYMBIONT_SCHEMAPIN_MODE: 'disabled' } }).diagnostics)).toEqual(['CONFIG008'])
    expect(loadConfig({ env: { SYMBIONT_ENV: 'staging', SYMBIONT_SCHEMAPIN_MODE: 'disabled', SYMBIONT_ALLOW_DEVELOPMENT_MODES: 'true' } }).config?.security.schemapinMode).toBe('disabled')
    expect(loadConfig({ env: { SYMBIONT_SCHEMAPIN_MODE: 'development' } }).config?.security.schemapinMode).toBe('development')
    expect(codes(loadConfig({ env: { SYMBIONT_SCHEMAPIN_MODE: 'development', SYMBIONT_ALLOW_DEVELOPMENT_MODES: 'false' } }).diagnostics)).toEqual(['CONFIG008'])
  })

  it('rejects an explicit pin_on_first_use = true in a closed world', () => {
    expect(codes(loadConfig({ env: {}, tomlText: '[tofu]\nclosed_world = true\npin_on_first_use = true\n' }).diagnostics)).toEqual(['CONFIG010'])
  })

  it('warns about network_default_action allow in production', () => {
    const r = loadConfig({ env: { SYMBIONT_ENV: 'production', SYMBIONT_NETWORK_DEFAULT_ACTION: 'allow' } })
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['CONFIG011', 'warning']])
    expect(r.config?.security.networkDefaultAction).toBe('allow')
  })
})

describe('parseDuration', () => {
  it.each([['120s', 120000], ['500ms', 500], ['2m', 120000], ['1h30m', 5400000], ['1m30s', 90000], ['90d', 7776000000], ['1d12h', 129600000]])('%s', (t, ms) => expect(parseDuration(t)).toBe(ms))
  it.each(['', '120', 's', '1.5s', '1 s', '-1s', '1w', '10sms', 'x'.repeat(40)])('rejects %j', (t) => expect(parseDuration(t)).toBeUndefined())
})
