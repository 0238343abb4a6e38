/**
 * Prometheus metrics of the service (SERVICE.md "Observability"), on a registry of their own so
 * that several services in one process (tests) and the host's own metrics do not collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The service's metrics. */
export interface ServiceMetrics {
  readonly registry: Registry
  /** Decisions by effect. */
  readonly decisions: Counter<'effect'>
  /** Time to decide one request (seconds), audit excluded. */
  readonly decisionSeconds: Histogram
  /** Bundle and policy loads by result (`ok`, `error`). */
  readonly loads: Counter<'result'>
  /** Time for one audit append to be acknowledged (seconds). */
  readonly auditSeconds: Histogram
  /** Audit appends that failed (the decision became a deny). */
  readonly auditFailures: Counter
  /** Requests refused for a missing or wrong token. */
  readonly authFailures: Counter
  /** Counts one decision by effect and observes its time (the per-decision path: one labels child per effect, made once). */
  decided(effect: string, seconds: number): void
}

/** Creates the metrics; `pending` is read at scrape time for the approvals gauge. */
export function createMetrics(
  pending: () => number | Promise<number>,
  version: () => number,
  loadCounts: () => { readonly ok: number; readonly error: number } = () => ({ ok: 0, error: 0 }),
  options: { defaultMetrics?: boolean } = {},
): ServiceMetrics {
  const registry = new Registry()
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'symbi_process_' })
  const decisions = new Counter({ name: 'symbi_decisions_total', help: 'Decisions made, by effect', labelNames: ['effect'] as const, registers: [registry] })
  const decisionSeconds = new Histogram({
    name: 'symbi_decision_duration_seconds',
    help: 'Time to decide one request, audit excluded',
    buckets: [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 5e-3, 0.01, 0.05],
    registers: [registry],
  })
  // Loads are counted by the serving set (they start before the service exists); read at scrape time.
  const loads = new Counter({
    name: 'symbi_bundle_loads_total',
    help: 'Policy set and bundle loads, by result',
    labelNames: ['result'] as const,
    registers: [registry],
    collect() {
      const c = loadCounts()
      this.reset()
      this.inc({ result: 'ok' }, c.ok)
      this.inc({ result: 'error' }, c.error)
    },
  })
  const auditSeconds = new Histogram({
    name: 'symbi_audit_append_duration_seconds',
    help: 'Time until an audit append is acknowledged',
    buckets: [1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  })
  const auditFailures = new Counter({ name: 'symbi_audit_append_failures_total', help: 'Audit appends that failed; the decision was a deny', registers: [registry] })
  const authFailures = new Counter({ name: 'symbi_auth_failures_total', help: 'Requests refused for a missing or wrong token', registers: [registry] })
  new Gauge({
    name: 'symbi_approvals_pending',
    help: 'Requests parked for approval',
    registers: [registry],
    async collect() {
      this.set(await pending())
    },
  })
  new Gauge({
    name: 'symbi_policy_version',
    help: 'Policy loads served so far (0 before the first)',
    registers: [registry],
    collect() {
      this.set(version())
    },
  })
  // One child per effect, made once: no labels object per decision.
  const byEffect = new Map<string, { inc(): void }>()
  const decided = (effect: string, seconds: number): void => {
    let child = byEffect.get(effect)
    if (child === undefined) byEffect.set(effect, (child = decisions.labels(effect)))
    child.inc()
    decisionSeconds.observe(seconds)
  }
  return { registry, decisions, decisionSeconds, loads, auditSeconds, auditFailures, authFailures, decided }
}
