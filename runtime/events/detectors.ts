/**
 * Windowed detectors: each keeps, per key (an agent, or one global key), the times of the
 * events it counts in a queue, drops those older than the window on every event, and fires
 * once when the count reaches the threshold (then waits for the window to empty before firing
 * again for that key). O(1) amortised per event: nothing is rescanned.
 */
import type { SecurityCategory, SecurityEvent, SecurityEventInput, Severity } from './security-event.js'

export interface Detector {
  readonly name: string
  /** Looks at one event; returns the event it raises, if any. */
  observe(event: SecurityEvent): SecurityEventInput | undefined
}

export interface WindowSpec {
  /** Events within the window that fire the detector. */
  readonly threshold: number
  readonly windowMs: number
}

/** Bounds the keys a detector tracks, so a flood of distinct agents cannot grow it without end. */
const MAX_KEYS = 100_000

class SlidingCounter {
  private readonly times = new Map<string, number[]>()
  private readonly fired = new Map<string, number>()

  constructor(private readonly spec: WindowSpec) {}

  /** Records one event for `key` at `t`; true when this event reaches the threshold. */
  hit(key: string, t: number): boolean {
    let q = this.times.get(key)
    if (q === undefined) {
      if (this.times.size >= MAX_KEYS) this.evictOldest()
      q = []
      this.times.set(key, q)
    }
    q.push(t)
    const from = t - this.spec.windowMs
    let drop = 0
    while (drop < q.length && (q[drop] as number) <= from) drop++
    if (drop > 0) q.splice(0, drop)
    const last = this.fired.get(key)
    if (last !== undefined && t - last < this.spec.windowMs) return false
    if (q.length >= this.spec.threshold) {
      this.fired.set(key, t)
      return true
    }
    return false
  }

  private evictOldest(): void {
    const first = this.times.keys().next()
    if (first.done !== true) {
      this.times.delete(first.value)
      this.fired.delete(first.value)
    }
  }
}

function windowDetector(
  name: string,
  counts: ReadonlySet<SecurityCategory>,
  spec: WindowSpec,
  keyOf: (e: SecurityEvent) => string | undefined,
  raise: (e: SecurityEvent, key: string) => SecurityEventInput,
): Detector {
  if (!(spec.threshold >= 1) || !(spec.windowMs > 0)) throw new RangeError(`${name}: threshold must be ≥ 1 and windowMs > 0`)
  const counter = new SlidingCounter(spec)
  return {
    name,
    observe(e) {
      if (!counts.has(e.category)) return undefined
      const key = keyOf(e)
      if (key === undefined) return undefined
      return counter.hit(key, e.time) ? raise(e, key) : undefined
    },
  }
}

/** An agent denied `threshold` times within the window. */
export function repeatedDenies(spec: WindowSpec, severity: Severity = 'error'): Detector {
  return windowDetector('repeated_denies', new Set(['policy_violation']), spec, (e) => e.agent, (e, agent) => ({
    severity,
    category: 'repeated_denies',
    description: `agent '${agent}' was denied ${spec.threshold} times within ${spec.windowMs} ms`,
    agent,
    affected: [agent],
    recommendedActions: ['suspend the agent', 'review its recent requests'],
    evidence: [...e.evidence],
    source: 'detector:repeated_denies',
  }))
}

/** `threshold` signature or TOFU failures within the window, from anyone. */
export function signatureFailureBurst(spec: WindowSpec, severity: Severity = 'critical'): Detector {
  return windowDetector('signature_failure_burst', new Set(['signature_failure', 'tofu_failure']), spec, () => '*', (e) => ({
    severity,
    category: 'signature_failure_burst',
    description: `${spec.threshold} signature failures within ${spec.windowMs} ms`,
    affected: [...e.affected],
    recommendedActions: ['revoke the keys involved', 'check for a compromised signer'],
    evidence: [...e.evidence],
    source: 'detector:signature_failure_burst',
    ...(e.agent === undefined ? {} : { agent: e.agent }),
  }))
}

/** `threshold` sandbox kills (OOM, timeout) of one agent within the window. */
export function resourceAnomaly(spec: WindowSpec, severity: Severity = 'warning'): Detector {
  return windowDetector('resource_anomaly', new Set(['sandbox_kill']), spec, (e) => e.agent, (e, agent) => ({
    severity,
    category: 'resource_anomaly',
    description: `agent '${agent}' had ${spec.threshold} sandbox runs killed within ${spec.windowMs} ms`,
    agent,
    affected: [agent],
    recommendedActions: ['check the agent’s workload', 'lower its resource limits'],
    evidence: [...e.evidence],
    source: 'detector:resource_anomaly',
  }))
}

/** The three detectors with the thresholds of a config's `[security_events]` section (runtime/config). */
export function detectorsFromConfig(events: { readonly repeatedDenies: WindowSpec; readonly signatureFailureBurst: WindowSpec; readonly resourceAnomaly: WindowSpec }): Detector[] {
  return [repeatedDenies(events.repeatedDenies), signatureFailureBurst(events.signatureFailureBurst), resourceAnomaly(events.resourceAnomaly)]
}
