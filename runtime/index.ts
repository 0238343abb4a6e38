/**
 * `symbi-policy/runtime`: everything an enforcement point needs, without the parser. Compiled
 * modules (`compile --target js`) import `loadCompiledSet` from here, so this entry must never
 * reach grammar/ or chevrotain (test/codegen/no-parser.test.ts). The Docker sandbox is left out
 * on purpose: it would load dockerode into every compiled module; import it from its folder.
 */
export type { Engine, EngineOptions, LoadResult, EvaluateOptions, Compiler } from './engine.js'
export type { PolicyWatcher, WatchOptions } from './watch.js'
export type { CompiledPolicySet, LoadCompiledSetOptions } from './compiled-module.js'
export type { CompiledSetData, RuleLocation } from '../compiler/codegen/format.js'
export type { Evaluator, EvaluatorMode, EvaluatorOptions } from '../compiler/evaluator.js'
export type { AuditSink, AuditInput, AuditEventType } from './audit-sink.js'
export { createEngineCore } from './engine.js'
export { readPolicyDir, watchPolicies } from './watch.js'
export { loadCompiledSet, decodeCompiledSet, CompiledDataError } from './compiled-module.js'
export { createEvaluator } from '../compiler/evaluator.js'
export { isPermitted } from '../stdlib/decision.js'
export * from './approvals/index.js'
export * from './audit/index.js'
export * from './comm-gate/index.js'
export * from './enforce/index.js'
export * from './messaging/index.js'
export * from './network/index.js'
export * from './skills/index.js'
export * from './tools/index.js'
// Both audit and tools export key loaders under the same names; the audit ones keep the plain names.
export { loadPrivateKey, loadPublicKey } from './audit/index.js'
export { loadPrivateKey as loadSchemaPinPrivateKey, loadPublicKey as loadSchemaPinPublicKey } from './tools/index.js'
// Config shares the names SandboxTier and SchemaPinMode with enforce and tools (same meaning); the
// configuration surface is exported by name.
export type { SecurityConfig, SymbiontConfig, TofuConfig, ConfigDiagnostic, LoadConfigOptions, LoadConfigResult } from './config/index.js'
export { loadConfig } from './config/index.js'
export type { MaskOptions, SensitiveKeyMatcher } from './masking.js'
export { maskSensitive, isSensitiveKey, sensitiveKeyMatcher, DEFAULT_SENSITIVE_KEYS } from './masking.js'
// Key management and security events, by name: `keyIdOf` (tools) and `SEVERITIES` (skills)
// already name other things in this entry.
export type { KeyStatus, KeyKind, StoredPrivateKey, Certification, KeyRecord, Revocation, RevocationList, KeyStore, KeyManagerOptions, KeyInfo, VerifyCode, KeyVerdict, SignatureClaim, KeyErrorCode } from './keys/index.js'
export { KeyManager, FileKeyStore, isKeyId, KeyError, keyManagerDirectory, keyIdOf as managedKeyIdOf } from './keys/index.js'
export type { Severity as SecuritySeverity, SecurityCategory, SecurityEvent, SecurityEventInput, SecurityEventSink, Detector, WindowSpec, Suspension, Responder, SecurityMonitorOptions, ResponseAction, ResponseHandlers, WebhookOptions, WebhookSubscriber } from './events/index.js'
export { SEVERITIES as SECURITY_SEVERITIES, repeatedDenies, signatureFailureBurst, resourceAnomaly, detectorsFromConfig, SecurityMonitor, PolicyResponder, RESPONSE_ACTIONS, RESPONSE_LADDERS, webhookSubscriber } from './events/index.js'
export type { KeysConfig, EventsConfig } from './config/schema.js'
