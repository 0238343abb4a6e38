/** Where a configuration value came from; precedence is env > file > default. */
export type ConfigSource = 'env' | 'file' | 'default'

/** Deployment environment. */
export type SymbiontEnvironment = 'development' | 'staging' | 'production'
/** SchemaPin enforcement mode (RUNTIME.md "Tools"). */
export type SchemaPinMode = 'strict' | 'permissive' | 'development' | 'disabled'
/** Sandbox tier, with `docker`/`gvisor` normalised to `tier1`/`tier2`. */
export type SandboxTier = 'tier1' | 'tier2'
/** Audit signing mode (RUNTIME.md "Audit trail"). */
export type AuditSigning = 'every_event' | 'checkpoint'
/** Log verbosity. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace'

/** The `[security]` settings plus the environment-only ones. */
export interface SecurityConfig {
  /** SYMBIONT_ENV. */
  readonly environment: SymbiontEnvironment
  /** How tool schemas are verified. */
  readonly schemapinMode: SchemaPinMode
  /** Default sandbox tier for agents that do not name one. */
  readonly sandboxTier: SandboxTier
  /** Whether `development`/`disabled` SchemaPin modes may be used (never in production). */
  readonly allowDevelopmentModes: boolean
  /** Largest message or tool payload accepted, in bytes. */
  readonly maxPayloadBytes: number
  /** Path of the audit log file, when one is configured. */
  readonly auditLog?: string
  /** Sign every event, or signed checkpoints. */
  readonly auditSigning: AuditSigning
  /** Events between signed checkpoints. */
  readonly checkpointEvery: number
  /** Longest time between signed checkpoints, in ms. */
  readonly checkpointIntervalMs: number
  /** How long an approval request waits before it is denied, in ms. */
  readonly approvalTimeoutMs: number
  /** `default_action` of network policies that do not set one. */
  readonly networkDefaultAction: 'deny' | 'allow'
  /** Log verbosity. */
  readonly logLevel: LogLevel
}

/** The `[tofu]` settings (trust on first use of tool-provider keys). */
export interface TofuConfig {
  /** Path of the pinned-key store. */
  readonly keyStorePath: string
  /** Only already-pinned providers are trusted; unknown providers are refused, never pinned. */
  readonly closedWorld: boolean
  /** Pin a provider's key on first contact (always false in a closed world). */
  readonly pinOnFirstUse: boolean
}

/** The `[keys]` settings (key management, OPERATIONS.md). */
export interface KeysConfig {
  /** Directory of the key store. */
  readonly storePath: string
  /** How long a rotated key keeps verifying new signatures, in ms. */
  readonly rotationOverlapMs: number
  /** Age (ms) at which scheduled rotation (`keys rotate --due`) replaces an agent key; 0: never. */
  readonly rotateAfterMs: number
}

/** The `[security_events]` settings: thresholds of the windowed detectors (runtime/events). */
export interface EventsConfig {
  readonly repeatedDenies: { readonly threshold: number; readonly windowMs: number }
  readonly signatureFailureBurst: { readonly threshold: number; readonly windowMs: number }
  readonly resourceAnomaly: { readonly threshold: number; readonly windowMs: number }
}

/** The validated configuration. */
export interface SymbiontConfig {
  /** Security settings. */
  readonly security: SecurityConfig
  /** Trust-on-first-use settings. */
  readonly tofu: TofuConfig
  /** Key management settings. */
  readonly keys: KeysConfig
  /** Security-event detector thresholds. */
  readonly events: EventsConfig
  /** Where each setting (by its TOML-style name, e.g. `security.schemapin_mode`) came from. */
  readonly sources: Readonly<Record<string, ConfigSource>>
}

/** The value type of one key. */
export type KeyType =
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly aliases?: Readonly<Record<string, string>> }
  | { readonly kind: 'bool' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'duration'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'path' }

/** One configuration key, readable from the environment, the TOML file, or both. */
export interface KeySpec {
  /** Section and field, e.g. `security.schemapin_mode`. */
  readonly name: string
  /** Key within `[section]`, when the file may set it. */
  readonly toml?: string
  /** Environment variable, when the environment may set it. */
  readonly env?: string
  /** Value type. */
  readonly type: KeyType
  /** What it does, for docs and messages. */
  readonly doc: string
}

const ENUM = (values: readonly string[], aliases?: Record<string, string>): KeyType => (aliases ? { kind: 'enum', values, aliases } : { kind: 'enum', values })
const HOUR = 3_600_000

/** Every key (docs/config.md is generated from the same list by hand; keep them in step). */
export const KEYS: readonly KeySpec[] = [
  { name: 'security.environment', env: 'SYMBIONT_ENV', type: ENUM(['development', 'staging', 'production']), doc: 'deployment environment' },
  { name: 'security.schemapin_mode', toml: 'schemapin_mode', env: 'SYMBIONT_SCHEMAPIN_MODE', type: ENUM(['strict', 'permissive', 'development', 'disabled']), doc: 'SchemaPin enforcement mode' },
  { name: 'security.sandbox_tier', toml: 'sandbox_tier', env: 'SYMBIONT_SANDBOX_TIER', type: ENUM(['tier1', 'tier2', 'docker', 'gvisor'], { docker: 'tier1', gvisor: 'tier2' }), doc: 'default sandbox tier' },
  { name: 'security.allow_development_modes', toml: 'allow_development_modes', env: 'SYMBIONT_ALLOW_DEVELOPMENT_MODES', type: { kind: 'bool' }, doc: 'permit development/disabled SchemaPin modes outside production' },
  { name: 'security.max_payload_bytes', toml: 'max_payload_bytes', env: 'SYMBIONT_MAX_PAYLOAD_BYTES', type: { kind: 'int', min: 1, max: 1 << 30 }, doc: 'largest accepted payload in bytes' },
  { name: 'security.audit_log', toml: 'audit_log', env: 'SYMBIONT_AUDIT_LOG', type: { kind: 'path' }, doc: 'audit log file' },
  { name: 'security.audit_signing', toml: 'audit_signing', env: 'SYMBIONT_AUDIT_SIGNING', type: ENUM(['every_event', 'checkpoint']), doc: 'audit signing mode' },
  { name: 'security.checkpoint_every', toml: 'checkpoint_every', env: 'SYMBIONT_AUDIT_CHECKPOINT_EVERY', type: { kind: 'int', min: 1, max: 1_000_000 }, doc: 'events between signed checkpoints' },
  { name: 'security.checkpoint_interval', toml: 'checkpoint_interval', env: 'SYMBIONT_AUDIT_CHECKPOINT_INTERVAL', type: { kind: 'duration', minMs: 10, maxMs: 24 * HOUR }, doc: 'longest time between signed checkpoints' },
  { name: 'security.approval_timeout', toml: 'approval_timeout', env: 'SYMBIONT_APPROVAL_TIMEOUT', type: { kind: 'duration', minMs: 1000, maxMs: 7 * 24 * HOUR }, doc: 'approval wait before deny' },
  { name: 'security.network_default_action', toml: 'network_default_action', env: 'SYMBIONT_NETWORK_DEFAULT_ACTION', type: ENUM(['deny', 'allow']), doc: 'default_action of network policies that omit it' },
  { name: 'security.log_level', env: 'SYMBIONT_LOG_LEVEL', type: ENUM(['error', 'warn', 'info', 'debug', 'trace']), doc: 'log verbosity' },
  { name: 'tofu.key_store_path', toml: 'key_store_path', env: 'SYMBIONT_TOFU_KEY_STORE', type: { kind: 'path' }, doc: 'pinned-key store file' },
  { name: 'tofu.closed_world', toml: 'closed_world', env: 'SYMBIONT_TOFU_CLOSED_WORLD', type: { kind: 'bool' }, doc: 'trust only already-pinned providers' },
  { name: 'tofu.pin_on_first_use', toml: 'pin_on_first_use', env: 'SYMBIONT_TOFU_PIN_ON_FIRST_USE', type: { kind: 'bool' }, doc: 'pin unknown providers on first contact' },
  { name: 'keys.store', toml: 'store', env: 'SYMBIONT_KEY_STORE', type: { kind: 'path' }, doc: 'key store directory' },
  { name: 'security_events.repeated_denies_threshold', toml: 'repeated_denies_threshold', env: 'SYMBIONT_EVENTS_REPEATED_DENIES_THRESHOLD', type: { kind: 'int', min: 1, max: 1_000_000 }, doc: 'denies of one agent within the window that raise repeated_denies' },
  { name: 'security_events.repeated_denies_window', toml: 'repeated_denies_window', env: 'SYMBIONT_EVENTS_REPEATED_DENIES_WINDOW', type: { kind: 'duration', minMs: 1, maxMs: 24 * HOUR }, doc: 'window of the repeated-denies detector' },
  { name: 'security_events.signature_burst_threshold', toml: 'signature_burst_threshold', env: 'SYMBIONT_EVENTS_SIGNATURE_BURST_THRESHOLD', type: { kind: 'int', min: 1, max: 1_000_000 }, doc: 'signature/TOFU failures within the window that raise signature_failure_burst' },
  { name: 'security_events.signature_burst_window', toml: 'signature_burst_window', env: 'SYMBIONT_EVENTS_SIGNATURE_BURST_WINDOW', type: { kind: 'duration', minMs: 1, maxMs: 24 * HOUR }, doc: 'window of the signature-burst detector' },
  { name: 'security_events.resource_anomaly_threshold', toml: 'resource_anomaly_threshold', env: 'SYMBIONT_EVENTS_RESOURCE_ANOMALY_THRESHOLD', type: { kind: 'int', min: 1, max: 1_000_000 }, doc: 'sandbox kills of one agent within the window that raise resource_anomaly' },
  { name: 'security_events.resource_anomaly_window', toml: 'resource_anomaly_window', env: 'SYMBIONT_EVENTS_RESOURCE_ANOMALY_WINDOW', type: { kind: 'duration', minMs: 1, maxMs: 24 * HOUR }, doc: 'window of the resource-anomaly detector' },
  { name: 'keys.rotation_overlap', toml: 'rotation_overlap', env: 'SYMBIONT_KEY_ROTATION_OVERLAP', type: { kind: 'duration', minMs: 0, maxMs: 365 * 24 * HOUR }, doc: 'how long a rotated key keeps verifying' },
  { name: 'keys.rotate_after', toml: 'rotate_after', env: 'SYMBIONT_KEY_ROTATE_AFTER', type: { kind: 'duration', minMs: 0, maxMs: 10 * 365 * 24 * HOUR }, doc: 'age at which `keys rotate --due` rotates an agent key (0: never)' },
]

/** Environment variables that are not settings but are still ours (not "unknown"). */
export const META_ENV = ['SYMBIONT_CONFIG'] as const

/** The sections the file may contain; any other top-level table is ignored with a warning. */
export const SECTIONS = ['security', 'tofu', 'keys', 'security_events'] as const

/** Defaults, by key name; `allow_development_modes` defaults to true only in development. */
export const DEFAULTS: Readonly<Record<string, string | number | boolean | undefined>> = {
  'security.environment': 'development',
  'security.schemapin_mode': 'strict',
  'security.sandbox_tier': 'tier1',
  'security.max_payload_bytes': 1024 * 1024,
  'security.audit_log': undefined,
  'security.audit_signing': 'every_event',
  'security.checkpoint_every': 100,
  'security.checkpoint_interval': 5000,
  'security.approval_timeout': 120_000,
  'security.network_default_action': 'deny',
  'security.log_level': 'info',
  'tofu.key_store_path': '.symbiont/tofu-keys.json',
  'tofu.closed_world': false,
  'tofu.pin_on_first_use': true,
  'keys.store': '.symbiont/keys',
  'keys.rotation_overlap': 7 * 24 * HOUR,
  'keys.rotate_after': 0,
  'security_events.repeated_denies_threshold': 5,
  'security_events.repeated_denies_window': 60_000,
  'security_events.signature_burst_threshold': 3,
  'security_events.signature_burst_window': 10_000,
  'security_events.resource_anomaly_threshold': 3,
  'security_events.resource_anomaly_window': 10 * 60_000,
}
