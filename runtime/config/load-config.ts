import { parse, TomlError } from 'smol-toml'
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js'
import type { ConfigSource, KeySpec, SymbiontConfig } from './schema.js'
import { diagnostic } from '../../diagnostics/diagnostic.js'
import { DEFAULTS, KEYS, META_ENV, SECTIONS } from './schema.js'
import { formatDuration, parseDuration } from './duration.js'
import { readRegularFileSync } from '../regular-file.js'
import { locateKey, locateTable } from './toml-locate.js'

/** A configuration diagnostic: where it came from and which key it is about. */
export type ConfigDiagnostic = Diagnostic & {
  /** `env` (span is empty) or `file` (span points into the TOML text). */
  readonly source: 'env' | 'file'
  /** The variable or `section.key` concerned. */
  readonly key: string
}

/** Inputs of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment variables (only `SYMBIONT_*` ones are read). */
  readonly env: Readonly<Record<string, string | undefined>>
  /** TOML text; read from `path` (or `SYMBIONT_CONFIG`) when omitted. */
  readonly tomlText?: string
  /** File the TOML comes from, for reading and for messages. */
  readonly path?: string
}

/** Result of {@link loadConfig}: the config only when there is no error. */
export interface LoadConfigResult {
  /** The validated configuration, present when `diagnostics` holds no error. */
  readonly config?: SymbiontConfig
  /** Every error and warning. */
  readonly diagnostics: readonly ConfigDiagnostic[]
  /** The TOML text that was read, for turning spans into line/column. */
  readonly text?: string
}

type Raw = string | number | boolean | undefined
const NO_SPAN: Span = { start: 0, end: 0 }

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] as number
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length] as number
}

function suggest(word: string, known: readonly string[]): string {
  const best = known.map((k) => [k, editDistance(word, k)] as const).sort((x, y) => x[1] - y[1])[0]
  if (best !== undefined && best[1] <= 2) return ` (did you mean '${best[0]}'?)`
  // A truncated name (`SYMBIONT_SCHEMAPIN` for `SYMBIONT_SCHEMAPIN_MODE`) is far in edit distance.
  const prefix = known.find((k) => word.length >= 4 && k.startsWith(word))
  return prefix !== undefined ? ` (did you mean '${prefix}'?)` : ''
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'array'
  if (v instanceof Date || (typeof v === 'object' && v !== null && v.constructor?.name === 'TomlDate')) return 'date'
  if (typeof v === 'object' && v !== null) return 'table'
  if (typeof v === 'bigint') return 'integer'
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float'
  return typeof v
}

/** Converts and checks one value; returns the value or an error message naming the key. */
function convert(spec: KeySpec, value: unknown, from: 'env' | 'file', label: string): { value: Raw } | { code: string; message: string } {
  const t = spec.type
  switch (t.kind) {
    case 'enum': {
      if (typeof value !== 'string') return { code: 'CONFIG003', message: `${label} must be a string, one of ${t.values.join(', ')}; got ${typeName(value)}` }
      if (!t.values.includes(value)) return { code: 'CONFIG004', message: `${label} has invalid value '${value}'; allowed: ${t.values.join(', ')}` }
      return { value: t.aliases?.[value] ?? value }
    }
    case 'bool': {
      if (from === 'env' && typeof value === 'string') {
        if (value === 'true' || value === '1') return { value: true }
        if (value === 'false' || value === '0') return { value: false }
        return { code: 'CONFIG004', message: `${label} has invalid value '${value}'; allowed: true, false, 1, 0` }
      }
      if (typeof value !== 'boolean') return { code: 'CONFIG003', message: `${label} must be a boolean (true or false); got ${typeName(value)}` }
      return { value }
    }
    case 'int': {
      let n: number
      if (from === 'env' && typeof value === 'string') {
        if (!/^\d{1,16}$/.test(value)) return { code: 'CONFIG003', message: `${label} must be a whole number; got '${value}'` }
        n = Number(value)
      } else if (typeof value === 'number' && Number.isInteger(value)) n = value
      else if (typeof value === 'bigint') n = Number(value)
      else return { code: 'CONFIG003', message: `${label} must be an integer; got ${typeName(value)}` }
      if (n < t.min || n > t.max) return { code: 'CONFIG005', message: `${label} is ${n}; must be between ${t.min} and ${t.max}` }
      return { value: n }
    }
    case 'duration': {
      if (typeof value !== 'string') return { code: 'CONFIG003', message: `${label} must be a duration string with a unit, like '120s' or '500ms'; got ${typeName(value)}` }
      const ms = parseDuration(value)
      if (ms === undefined) return { code: 'CONFIG005', message: `${label} has invalid duration '${value}'; write a number with a unit (ms, s, m, h), like '120s' or '1m30s'` }
      if (ms < t.minMs || ms > t.maxMs) return { code: 'CONFIG005', message: `${label} is ${value}; must be between ${formatDuration(t.minMs)} and ${formatDuration(t.maxMs)}` }
      return { value: ms }
    }
    case 'path': {
      if (typeof value !== 'string') return { code: 'CONFIG003', message: `${label} must be a path string; got ${typeName(value)}` }
      if (value.length === 0 || value.includes('\0')) return { code: 'CONFIG005', message: `${label} must be a non-empty path without NUL characters` }
      return { value }
    }
  }
}

/**
 * Reads and validates configuration. Precedence: environment variable > `[security]`/`[tofu]`
 * in the TOML file > defaults. Unknown `SYMBIONT_*` variables and unknown keys in the two
 * sections are errors naming the key; other top-level tables belong to other components and
 * are ignored (with a warning, or an error when the name looks like a typo of ours).
 */
export function loadConfig(options: LoadConfigOptions): LoadConfigResult {
  const diags: ConfigDiagnostic[] = []
  const err = (source: 'env' | 'file', key: string, code: string, message: string, span: Span = NO_SPAN, severity: 'error' | 'warning' = 'error'): void => {
    diags.push({ ...diagnostic(code, severity, message, span), source, key })
  }
  const env = options.env
  let text = options.tomlText
  const path = options.path ?? env['SYMBIONT_CONFIG']
  if (text === undefined && path !== undefined) {
    try {
      text = readRegularFileSync(path)
    } catch (e) {
      err('file', path, 'CONFIG009', `cannot read config file '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
  }
  const spanOf = (section: string, key?: string): Span => {
    if (text === undefined) return NO_SPAN
    const at = key === undefined ? locateTable(text, section) : (locateKey(text, section, key) ?? locateTable(text, section))
    return at === undefined ? NO_SPAN : { start: at, end: at + (key ?? section).length }
  }

  const fileValues = new Map<string, unknown>()
  if (text !== undefined) {
    let doc: Record<string, unknown> | undefined
    try {
      doc = parse(text) as Record<string, unknown>
    } catch (e) {
      if (e instanceof TomlError) {
        const lines = text.split('\n')
        const offset = lines.slice(0, e.line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, e.column - 1)
        err('file', '', 'CONFIG001', `TOML syntax error: ${e.message.split('\n')[0] ?? 'invalid TOML'}`, { start: offset, end: offset + 1 })
      } else err('file', '', 'CONFIG001', `TOML syntax error: ${(e as Error).message}`)
    }
    for (const [section, body] of Object.entries(doc ?? {})) {
      if (!(SECTIONS as readonly string[]).includes(section)) {
        const hint = suggest(section, SECTIONS)
        if (hint !== '' && typeof body === 'object') err('file', section, 'CONFIG012', `unknown table [${section}]${hint}`, spanOf(section))
        else err('file', section, 'CONFIG012', `table or key '${section}' is not read by the security configuration and is ignored`, spanOf(section), 'warning')
        continue
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        err('file', section, 'CONFIG013', `'${section}' must be a table ([${section}]); got ${typeName(body)}`, spanOf(section))
        continue
      }
      const known = KEYS.filter((k) => k.name.startsWith(`${section}.`) && k.toml !== undefined).map((k) => k.toml as string)
      for (const [key, value] of Object.entries(body)) {
        if (!known.includes(key)) {
          err('file', `${section}.${key}`, 'CONFIG002', `unknown key '${key}' in [${section}]${suggest(key, known)}; known keys: ${known.join(', ')}`, spanOf(section, key))
          continue
        }
        fileValues.set(`${section}.${key}`, value)
      }
    }
  }

  const knownEnv = new Set<string>([...KEYS.flatMap((k) => (k.env ? [k.env] : [])), ...META_ENV])
  for (const name of Object.keys(env)) {
    if (name.startsWith('SYMBIONT_') && !knownEnv.has(name) && env[name] !== undefined) {
      err('env', name, 'CONFIG006', `unknown environment variable ${name}${suggest(name, [...knownEnv])}`)
    }
  }

  const values: Record<string, Raw> = {}
  const sources: Record<string, ConfigSource> = {}
  for (const spec of KEYS) {
    const envValue = spec.env !== undefined ? env[spec.env] : undefined
    const section = spec.name.split('.')[0] as string
    let chosen: { value: Raw } | undefined
    if (envValue !== undefined) {
      const r = convert(spec, envValue, 'env', spec.env as string)
      if ('code' in r) err('env', spec.env as string, r.code, r.message)
      else {
        chosen = r
        sources[spec.name] = 'env'
      }
    }
    if (chosen === undefined && spec.toml !== undefined && fileValues.has(spec.name)) {
      const r = convert(spec, fileValues.get(spec.name), 'file', `[${section}] ${spec.toml}`)
      if ('code' in r) err('file', spec.name, r.code, r.message, spanOf(section, spec.toml))
      else {
        chosen = r
        sources[spec.name] = 'file'
      }
    }
    if (chosen === undefined) {
      chosen = { value: DEFAULTS[spec.name] }
      sources[spec.name] ??= 'default'
    }
    values[spec.name] = chosen.value
  }

  const where = (name: string): string => {
    const spec = KEYS.find((k) => k.name === name) as KeySpec
    return sources[name] === 'env' ? `${spec.env}` : sources[name] === 'file' ? `[${name.split('.')[0]}] ${spec.toml}` : 'the default'
  }
  const locOf = (name: string): { source: 'env' | 'file'; key: string; span: Span } => {
    const spec = KEYS.find((k) => k.name === name) as KeySpec
    if (sources[name] === 'file') return { source: 'file', key: name, span: spanOf(name.split('.')[0] as string, spec.toml) }
    return { source: 'env', key: spec.env ?? name, span: NO_SPAN }
  }

  const environment = values['security.environment'] as string
  const mode = values['security.schemapin_mode'] as string
  const devMode = mode === 'development' || mode === 'disabled'
  let allowDev = values['security.allow_development_modes'] as boolean | undefined
  if (sources['security.allow_development_modes'] === 'default') allowDev = environment === 'development'
  if (environment === 'production') {
    if (devMode) {
      const l = locOf('security.schemapin_mode')
      err(l.source, l.key, 'CONFIG007', `schemapin_mode '${mode}' (from ${where('security.schemapin_mode')}) is refused when SYMBIONT_ENV=production; use strict or permissive`, l.span)
    }
    if (allowDev === true && sources['security.allow_development_modes'] !== 'default') {
      const l = locOf('security.allow_development_modes')
      err(l.source, l.key, 'CONFIG007', `allow_development_modes = true (from ${where('security.allow_development_modes')}) is refused when SYMBIONT_ENV=production`, l.span)
    }
    if (values['security.network_default_action'] === 'allow') {
      const l = locOf('security.network_default_action')
      err(l.source, l.key, 'CONFIG011', `network_default_action 'allow' in production lets agents reach any destination a policy does not list`, l.span, 'warning')
    }
  } else if (devMode && allowDev !== true) {
    const l = locOf('security.schemapin_mode')
    err(l.source, l.key, 'CONFIG008', `schemapin_mode '${mode}' (from ${where('security.schemapin_mode')}) needs allow_development_modes = true outside the development environment`, l.span)
  }
  const closedWorld = values['tofu.closed_world'] === true
  if (closedWorld && values['tofu.pin_on_first_use'] === true && sources['tofu.pin_on_first_use'] !== 'default') {
    const l = locOf('tofu.pin_on_first_use')
    err(l.source, l.key, 'CONFIG010', `pin_on_first_use = true (from ${where('tofu.pin_on_first_use')}) contradicts closed_world = true (from ${where('tofu.closed_world')})`, l.span)
  }

  const result: { -readonly [K in keyof LoadConfigResult]: LoadConfigResult[K] } = { diagnostics: diags }
  if (text !== undefined) result.text = text
  if (diags.some((d) => d.severity === 'error')) return result
  const security = {
    environment: environment as SymbiontConfig['security']['environment'],
    schemapinMode: mode as SymbiontConfig['security']['schemapinMode'],
    sandboxTier: values['security.sandbox_tier'] as SymbiontConfig['security']['sandboxTier'],
    allowDevelopmentModes: environment !== 'production' && allowDev === true,
    maxPayloadBytes: values['security.max_payload_bytes'] as number,
    auditSigning: values['security.audit_signing'] as SymbiontConfig['security']['auditSigning'],
    checkpointEvery: values['security.checkpoint_every'] as number,
    checkpointIntervalMs: values['security.checkpoint_interval'] as number,
    approvalTimeoutMs: values['security.approval_timeout'] as number,
    networkDefaultAction: values['security.network_default_action'] as 'deny' | 'allow',
    logLevel: values['security.log_level'] as SymbiontConfig['security']['logLevel'],
  }
  const auditLog = values['security.audit_log']
  result.config = {
    security: typeof auditLog === 'string' ? { ...security, auditLog } : security,
    tofu: {
      keyStorePath: values['tofu.key_store_path'] as string,
      closedWorld,
      pinOnFirstUse: !closedWorld && values['tofu.pin_on_first_use'] === true,
    },
    keys: { storePath: values['keys.store'] as string, rotationOverlapMs: values['keys.rotation_overlap'] as number, rotateAfterMs: values['keys.rotate_after'] as number },
    events: {
      repeatedDenies: { threshold: values['security_events.repeated_denies_threshold'] as number, windowMs: values['security_events.repeated_denies_window'] as number },
      signatureFailureBurst: { threshold: values['security_events.signature_burst_threshold'] as number, windowMs: values['security_events.signature_burst_window'] as number },
      resourceAnomaly: { threshold: values['security_events.resource_anomaly_threshold'] as number, windowMs: values['security_events.resource_anomaly_window'] as number },
    },
    sources,
  }
  return result
}
