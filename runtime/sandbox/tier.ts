import type { SandboxTier } from '../enforce/index.js'
import { resolveSandboxTier } from '../enforce/index.js'
import { SandboxConfigError } from './errors.js'

/** The OCI runtime each tier requires the engine to have registered. */
export const TIER_RUNTIME: Readonly<Record<SandboxTier, string>> = { tier1: 'runc', tier2: 'runsc' }

/** What the seed's risk assessment looks at. */
export interface RiskFactors {
  /** How sensitive the data the agent handles is, 0 (public) … 1 (most sensitive). */
  readonly data_sensitivity: number
  /** How far the agent's code is trusted, 0 (untrusted) … 1 (fully trusted). */
  readonly code_trust_level: number
  /** The agent needs network access. */
  readonly network_access: boolean
  /** The agent needs file-system access. */
  readonly filesystem_access: boolean
  /** The agent calls external APIs. */
  readonly external_apis: boolean
}

/** Risk levels; `low` runs in tier 1, `medium` and `high` in tier 2. */
export type RiskLevel = 'low' | 'medium' | 'high'

/** Lower bounds of the medium and high levels; a score below `medium` is low. */
export interface RiskThresholds {
  /** Scores at or above this are medium (or high). */
  readonly medium: number
  /** Scores at or above this are high. */
  readonly high: number
}

/** Default thresholds: Symbiont's "score < 0.5 → Tier1", with a high band from 0.8. */
export const DEFAULT_RISK_THRESHOLDS: RiskThresholds = Object.freeze({ medium: 0.5, high: 0.8 })

function unitInterval(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new SandboxConfigError(field, `must be a number in [0, 1], got ${JSON.stringify(v) ?? String(v)}`)
  }
  return v
}

function flag(v: unknown, field: string): boolean {
  if (typeof v !== 'boolean') throw new SandboxConfigError(field, `must be a boolean, got ${JSON.stringify(v) ?? String(v)}`)
  return v
}

/**
 * The seed's risk score:
 * `min(1, sensitivity*0.4 + (1-trust)*0.3 + 0.1*[network] + 0.1*[filesystem] + 0.1*[external])`.
 * Inputs outside [0, 1] or of the wrong type are rejected, never clamped.
 */
export function riskScore(factors: RiskFactors): number {
  const sensitivity = unitInterval(factors.data_sensitivity, 'data_sensitivity')
  const trust = unitInterval(factors.code_trust_level, 'code_trust_level')
  const base = sensitivity * 0.4 + (1 - trust) * 0.3
  const extra =
    (flag(factors.network_access, 'network_access') ? 0.1 : 0) +
    (flag(factors.filesystem_access, 'filesystem_access') ? 0.1 : 0) +
    (flag(factors.external_apis, 'external_apis') ? 0.1 : 0)
  // Rounded so that binary-float noise (0.1+0.1+0.1 = 0.30000000000000004) cannot move a score
  // across a threshold that the same decimal arithmetic on paper would meet exactly.
  return Math.min(1, Math.round((base + extra) * 1e12) / 1e12)
}

/** Checks thresholds: both in [0, 1] and `medium ≤ high`. */
export function validateThresholds(t: RiskThresholds): RiskThresholds {
  const medium = unitInterval(t.medium, 'thresholds.medium')
  const high = unitInterval(t.high, 'thresholds.high')
  if (medium > high) throw new SandboxConfigError('thresholds', `medium (${medium}) must not exceed high (${high})`)
  return { medium, high }
}

/** The level of a score under the given thresholds. */
export function riskLevel(score: number, thresholds: RiskThresholds = DEFAULT_RISK_THRESHOLDS): RiskLevel {
  const s = unitInterval(score, 'risk score')
  const t = validateThresholds(thresholds)
  if (s >= t.high) return 'high'
  if (s >= t.medium) return 'medium'
  return 'low'
}

/** The tier for a level. */
export function tierForLevel(level: RiskLevel): SandboxTier {
  return level === 'low' ? 'tier1' : 'tier2'
}

/** How a tier was chosen, for audit and explanation. */
export interface TierSelection {
  /** The chosen tier. */
  readonly tier: SandboxTier
  /** `attribute` when the agent named its tier, `risk` when the score decided. */
  readonly source: 'attribute' | 'risk'
  /** The score, when the risk assessment decided. */
  readonly score?: number
  /** The level, when the risk assessment decided. */
  readonly level?: RiskLevel
}

/**
 * Chooses the tier: an explicit `with sandbox` attribute wins (and must be a known spelling, else
 * an `AgentLoadError` naming the value), otherwise the risk score decides. Neither given → a
 * configuration error, since guessing would be a silent default.
 */
export function selectTier(input: {
  /** The agent whose tier is chosen (named in load errors). */
  readonly agent: string
  /** The agent's `with sandbox = …` value, if any. */
  readonly attribute?: unknown
  /** Risk factors, used when no attribute is given. */
  readonly risk?: RiskFactors
  /** Thresholds for the risk levels. */
  readonly thresholds?: RiskThresholds
}): TierSelection {
  if (input.attribute !== undefined) return { tier: resolveSandboxTier(input.agent, input.attribute), source: 'attribute' }
  if (input.risk === undefined) throw new SandboxConfigError('sandbox', 'neither a `with sandbox` attribute nor risk factors were given')
  const score = riskScore(input.risk)
  const level = riskLevel(score, input.thresholds ?? DEFAULT_RISK_THRESHOLDS)
  return { tier: tierForLevel(level), source: 'risk', score, level }
}
