/**
 * Runs a framework's checks over an audit trail (and a policy set) for a period and says, per
 * check, passed or failed and why — the evidence. One pass over the records: every
 * `events_*` check and the time series of the charts are updated per record.
 */
import type { CheckedSet } from '../compiler/checked.js'
import type { CheckSpec, Framework, Scalar, Where } from './framework.js'

export interface CheckResult {
  readonly id: string
  readonly title: string
  readonly passed: boolean
  /** What the verdict rests on: counts, the first offending records, the setting read. */
  readonly evidence: readonly string[]
}

/** Per-day counts for the charts. */
export interface DayCounts {
  readonly day: string
  readonly allow: number
  readonly deny: number
  readonly other: number
  readonly security: Readonly<Record<string, number>>
}

export interface ComplianceReport {
  readonly framework: string
  readonly title: string
  readonly period: { readonly from: string | null; readonly to: string | null }
  readonly generatedAt: string
  readonly records: number
  readonly checks: readonly CheckResult[]
  readonly days: readonly DayCounts[]
}

export interface ReportInput {
  readonly framework: Framework
  /** Audit records in chain order (all of them: the chain is verified over the whole log). */
  readonly records: Iterable<unknown>
  /** Result of verifying the chain, computed by the caller (file or PostgreSQL). */
  readonly chain: { readonly ok: boolean; readonly message: string }
  readonly retentionDays?: number
  readonly policies?: CheckedSet
  /** Epoch ms bounds of the period (inclusive); absent = open. */
  readonly from?: number
  readonly to?: number
  readonly now?: number
}

const MAX_EXAMPLES = 10

/** The value at a dotted path of a record; only own properties are followed. */
export function pathValue(record: unknown, path: string): unknown {
  return valueAt(record, path.split('.'))
}

/** A `where` with its paths split once, not per record. */
type CompiledWhere = readonly { readonly path: readonly string[]; readonly want: Scalar | readonly Scalar[] }[]

function compileWhere(where: Where): CompiledWhere {
  return Object.entries(where).map(([path, want]) => ({ path: path.split('.'), want }))
}

function valueAt(record: unknown, path: readonly string[]): unknown {
  let v: unknown = record
  for (const part of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, part)) return undefined
    v = (v as Record<string, unknown>)[part]
  }
  return v
}

function matches(record: unknown, where: CompiledWhere): boolean {
  for (const { path, want } of where) {
    const got = valueAt(record, path)
    if (Array.isArray(want) ? !(want as readonly Scalar[]).includes(got as Scalar) : got !== want) return false
  }
  return true
}

/** The trail writes `YYYY-MM-DDTHH:MM:SS.sssZ`; such stamps order as strings, so no Date per record. */
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

const present = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0)

interface Tally {
  matched: number
  failing: string[]
  failed: number
}

/** The inputs of a report other than the records, which are added one by one. */
export type ReportOptions = Omit<ReportInput, 'records'>

/**
 * A report built record by record (a log of millions of records is streamed, never held):
 * `add` each record in chain order, then `finish`.
 */
export class ReportBuilder {
  private readonly eventChecks: { spec: CheckSpec & { kind: 'events_have' | 'events_exist' }; where: CompiledWhere; require: readonly (readonly string[])[]; tally: Tally }[] = []
  private readonly tallies = new Map<string, Tally>()
  private readonly fromIso: string | undefined
  private readonly toIso: string | undefined
  private readonly days = new Map<string, { allow: number; deny: number; other: number; security: Record<string, number> }>()
  private inPeriod = 0

  constructor(private input: ReportOptions) {
    for (const c of input.framework.checks) {
      if (c.kind !== 'events_have' && c.kind !== 'events_exist') continue
      const tally: Tally = { matched: 0, failing: [], failed: 0 }
      this.tallies.set(c.id, tally)
      this.eventChecks.push({ spec: c, where: compileWhere(c.where), require: c.kind === 'events_have' ? c.require.map((p) => p.split('.')) : [], tally })
    }
    this.fromIso = input.from === undefined ? undefined : new Date(input.from).toISOString()
    this.toIso = input.to === undefined ? undefined : new Date(input.to).toISOString()
  }

  add(r: unknown): void {
    const ts = typeof r === 'object' && r !== null ? (r as { timestamp?: unknown }).timestamp : undefined
    if (typeof ts !== 'string') return
    let stamp = ts
    if (!ISO.test(ts)) {
      const t = Date.parse(ts)
      if (!Number.isFinite(t)) return
      stamp = new Date(t).toISOString()
    }
    if ((this.fromIso !== undefined && stamp < this.fromIso) || (this.toIso !== undefined && stamp > this.toIso)) return
    this.inPeriod++
    const day = stamp.slice(0, 10)
    let d = this.days.get(day)
    if (d === undefined) this.days.set(day, (d = { allow: 0, deny: 0, other: 0, security: Object.create(null) as Record<string, number> }))
    const type = pathValue(r, 'type')
    if (type === 'policy_decision' || type === 'tool_invocation' || type === 'message' || type === 'resource_allocation' || type === 'sandbox_execution' || type === 'agent_lifecycle') {
      const effect = pathValue(r, 'details.effect')
      if (effect === 'allow' || effect === 'allow_with_conditions') d.allow++
      else if (effect === 'deny') d.deny++
      else d.other++
    } else if (type === 'security_event') {
      const sev = String(pathValue(r, 'details.severity') ?? 'info')
      d.security[sev] = (d.security[sev] ?? 0) + 1
    }
    for (const { spec, where, require, tally } of this.eventChecks) {
      if (!matches(r, where)) continue
      tally.matched++
      if (spec.kind === 'events_have') {
        let missing: string[] | undefined
        require.forEach((p, i) => {
          if (!present(valueAt(r, p))) (missing ??= []).push(spec.require[i] as string)
        })
        if (missing !== undefined) {
          tally.failed++
          if (tally.failing.length < MAX_EXAMPLES) tally.failing.push(`record ${String(pathValue(r, 'id'))} at ${ts} lacks ${missing.join(', ')}`)
        }
      }
    }
  }

  /** The same builder with the chain's verdict, known only after the last record. */
  withChain(chain: ReportOptions['chain']): ReportBuilder {
    this.input = { ...this.input, chain }
    return this
  }

  finish(): ComplianceReport {
    const input = this.input
    const checks = input.framework.checks.map((c) => check(c, input, this.tallies.get(c.id)))
    const period = { from: input.from === undefined ? null : new Date(input.from).toISOString(), to: input.to === undefined ? null : new Date(input.to).toISOString() }
    return {
      framework: input.framework.id,
      title: input.framework.title,
      period,
      generatedAt: new Date(input.now ?? Date.now()).toISOString(),
      records: this.inPeriod,
      checks,
      days: [...this.days].sort((a, b) => a[0].localeCompare(b[0])).map(([day, c]) => ({ day, allow: c.allow, deny: c.deny, other: c.other, security: { ...c.security } })),
    }
  }
}

/** A report over records in memory. */
export function runReport(input: ReportInput): ComplianceReport {
  const b = new ReportBuilder(input)
  for (const r of input.records) b.add(r)
  return b.finish()
}

function check(c: CheckSpec, input: ReportOptions, tally: Tally | undefined): CheckResult {
  const base = { id: c.id, title: c.title }
  switch (c.kind) {
    case 'retention': {
      const days = input.retentionDays
      if (days === undefined) return { ...base, passed: false, evidence: ['no audit retention is configured ([compliance] retention_days or --retention-days)'] }
      return { ...base, passed: days >= c.minDays, evidence: [`retention configured: ${days} days; required: at least ${c.minDays}`] }
    }
    case 'events_have': {
      const t = tally as Tally
      if (t.failed > 0) return { ...base, passed: false, evidence: [`${t.failed} of ${t.matched} matching records lack a required field`, ...t.failing] }
      return { ...base, passed: true, evidence: [`${t.matched} matching records, each with ${c.require.join(', ')}`] }
    }
    case 'events_exist': {
      const t = tally as Tally
      const min = c.min ?? 1
      return { ...base, passed: t.matched >= min, evidence: [`${t.matched} matching records in the period; required: at least ${min}`] }
    }
    case 'chain_verifies':
      return { ...base, passed: input.chain.ok, evidence: [input.chain.message] }
    case 'policy_requires': {
      if (input.policies === undefined) return { ...base, passed: false, evidence: ['no policy set was given (--policies)'] }
      const found: string[] = []
      for (const p of input.policies.policies) {
        for (const r of p.rules) {
          if (r.kind !== 'require' && r.kind !== 'deny') continue
          // A name that starts with the mention: `consent`, `consent_given`, `user.consent_id`.
          if (!new RegExp(`(?<![A-Za-z0-9_])${c.mentions}`).test(r.source)) continue
          const patterns = r.kind === 'deny' ? r.patterns : r.scope ?? p.targets.flatMap((t) => t.patterns)
          const names = patterns.map((x) => (x.kind === 'call' ? x.verb : x)).map((x) => (x.kind === 'name' ? x.name : x.kind === 'glob' ? x.pattern : '*'))
          if (names.some((n) => n === c.action || n === '*' || n === 'any')) found.push(`${p.name}[${r.ref.rule}] (${p.file ?? '?'}): ${r.source}`)
        }
      }
      return found.length > 0 ? { ...base, passed: true, evidence: found.slice(0, MAX_EXAMPLES) } : { ...base, passed: false, evidence: [`no require or deny rule for '${c.action}' mentions '${c.mentions}'`] }
    }
  }
}
