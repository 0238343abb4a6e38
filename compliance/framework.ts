/**
 * Compliance frameworks are data (OPERATIONS.md "Compliance"): a JSON file naming checks over
 * the audit trail and the policy set. The check kinds are few and general, so HIPAA, GDPR, SOX
 * and a team's own framework are all written the same way.
 *
 * - `retention` `{ minDays }`: the configured audit retention is at least this long.
 * - `events_have` `{ where, require }`: every audit record matching `where` has a non-empty
 *   value at each `require` path (e.g. PHI access logged with the principal's identity).
 * - `events_exist` `{ where, min? }`: at least `min` (default 1) records match in the period.
 * - `chain_verifies` `{}`: the audit chain verifies (with signatures when a key is given).
 * - `policy_requires` `{ action, mentions }`: some require or deny rule that applies to `action`
 *   mentions the name (e.g. personal-data processing conditioned on `consent`).
 *
 * `where` maps dotted paths of a record (`type`, `agentId`, `details.action`, …) to the value
 * they must equal (a string, number or boolean) or to a list of allowed values.
 */

export type Scalar = string | number | boolean
export type Where = Readonly<Record<string, Scalar | readonly Scalar[]>>

export type CheckSpec =
  | { readonly id: string; readonly title: string; readonly kind: 'retention'; readonly minDays: number }
  | { readonly id: string; readonly title: string; readonly kind: 'events_have'; readonly where: Where; readonly require: readonly string[] }
  | { readonly id: string; readonly title: string; readonly kind: 'events_exist'; readonly where: Where; readonly min?: number }
  | { readonly id: string; readonly title: string; readonly kind: 'chain_verifies' }
  | { readonly id: string; readonly title: string; readonly kind: 'policy_requires'; readonly action: string; readonly mentions: string }

export interface Framework {
  readonly id: string
  readonly title: string
  readonly checks: readonly CheckSpec[]
}

export class FrameworkError extends Error {
  override readonly name = 'FrameworkError'
}

const KINDS = new Set(['retention', 'events_have', 'events_exist', 'chain_verifies', 'policy_requires'])
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))

function where(v: unknown, path: string): Where {
  if (!isRecord(v)) throw new FrameworkError(`${path}: must be an object of path → value`)
  const out = new Map<string, Scalar | readonly Scalar[]>()
  for (const [k, x] of Object.entries(v)) {
    if (isScalar(x)) out.set(k, x)
    else if (Array.isArray(x) && x.length > 0 && x.every(isScalar)) out.set(k, x)
    else throw new FrameworkError(`${path}.${k}: must be a string, number, boolean or a non-empty list of them`)
  }
  return Object.freeze(Object.fromEntries(out)) as Where
}

function text(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new FrameworkError(`${path}: must be a non-empty string`)
  return v
}

/** Validates a framework's JSON; the error names the JSON path of the first problem. */
export function parseFramework(json: unknown): Framework {
  if (!isRecord(json)) throw new FrameworkError('$: a framework is a JSON object { id, title, checks }')
  const checks = json['checks']
  if (!Array.isArray(checks) || checks.length === 0) throw new FrameworkError('$.checks: must be a non-empty list')
  const ids = new Set<string>()
  const parsed = checks.map((c: unknown, i): CheckSpec => {
    const p = `$.checks[${i}]`
    if (!isRecord(c)) throw new FrameworkError(`${p}: must be an object`)
    const id = text(c['id'], `${p}.id`)
    if (ids.has(id)) throw new FrameworkError(`${p}.id: '${id}' is used twice`)
    ids.add(id)
    const title = text(c['title'], `${p}.title`)
    const kind = c['kind']
    if (typeof kind !== 'string' || !KINDS.has(kind)) throw new FrameworkError(`${p}.kind: must be one of ${[...KINDS].join(', ')}`)
    switch (kind) {
      case 'retention': {
        const minDays = c['minDays']
        if (typeof minDays !== 'number' || !(minDays > 0)) throw new FrameworkError(`${p}.minDays: must be a positive number of days`)
        return { id, title, kind, minDays }
      }
      case 'events_have': {
        const req = c['require']
        if (!Array.isArray(req) || req.length === 0 || !req.every((r) => typeof r === 'string' && r !== '')) throw new FrameworkError(`${p}.require: must be a non-empty list of paths`)
        return { id, title, kind, where: where(c['where'], `${p}.where`), require: req as string[] }
      }
      case 'events_exist': {
        const min = c['min'] ?? 1
        if (typeof min !== 'number' || !Number.isInteger(min) || min < 1) throw new FrameworkError(`${p}.min: must be a positive integer`)
        return { id, title, kind, where: where(c['where'], `${p}.where`), min }
      }
      case 'chain_verifies':
        return { id, title, kind }
      default: {
        const mentions = text(c['mentions'], `${p}.mentions`)
        // A name, so that it cannot be empty or a pattern that matches every rule.
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(mentions)) throw new FrameworkError(`${p}.mentions: must be a name (letters, digits, _)`)
        return { id, title, kind: 'policy_requires', action: text(c['action'], `${p}.action`), mentions }
      }
    }
  })
  return { id: text(json['id'], '$.id'), title: text(json['title'], '$.title'), checks: parsed }
}
