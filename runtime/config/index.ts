export type {
  AuditSigning,
  ConfigSource,
  KeySpec,
  KeyType,
  LogLevel,
  SandboxTier,
  SchemaPinMode,
  SecurityConfig,
  SymbiontConfig,
  SymbiontEnvironment,
  TofuConfig,
} from './schema.js'
export type { ConfigDiagnostic, LoadConfigOptions, LoadConfigResult } from './load-config.js'
export { DEFAULTS, KEYS, META_ENV, SECTIONS } from './schema.js'
export { loadConfig } from './load-config.js'
export { formatDuration, parseDuration } from './duration.js'
export { locateKey, locateTable } from './toml-locate.js'
