/**
 * A native Cedar policy text, split and indexed: each policy's id (its `@id` annotation, else
 * Cedar's `policyN`), effect, and the obligations and audits it carries. Loading either
 * succeeds completely or throws; nothing is half-loaded.
 */
import { policySetTextToParts, policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs'

/** Why a policy text was refused. */
export class CedarPolicyError extends Error {
  override readonly name = 'CedarPolicyError'
}

/** One policy of the set. */
export interface CedarPolicyInfo {
  /** Id as reasons name it: `@id(…)`, else `policy<N>`. */
  readonly id: string
  /** Position in the text, 0-based. */
  readonly index: number
  /** `permit` or `forbid`. */
  readonly effect: 'permit' | 'forbid'
  /** Obligation names (`@obligation`, `@obligation_2`, …). */
  readonly obligations: readonly string[]
  /** Audit names (`@audit`, `@audit_2`, …). */
  readonly audits: readonly string[]
  /** `@modifiers("a,b")`. */
  readonly modifiers: readonly string[]
}

/** A split, indexed policy set ready to preparse. */
export interface IndexedPolicySet {
  /** Policy text by id, in text order. */
  readonly byId: Readonly<Record<string, string>>
  /** Per-policy facts by id. */
  readonly info: ReadonlyMap<string, CedarPolicyInfo>
  /** True when some policy carries obligations or audits (the gate then probes for them). */
  readonly hasCarriers: boolean
}

const MAX_TEXT = 4 * 1024 * 1024

/** Splits and indexes a Cedar policy text; throws `CedarPolicyError` with Cedar's messages. */
export function indexPolicySet(text: string): IndexedPolicySet {
  if (typeof text !== 'string') throw new CedarPolicyError('Cedar policies must be given as text')
  if (text.length > MAX_TEXT) throw new CedarPolicyError(`Cedar policy text is larger than ${MAX_TEXT} characters`)
  const parts = policySetTextToParts(text)
  if (parts.type !== 'success') throw new CedarPolicyError(`Cedar policies do not parse: ${parts.errors.map((e) => e.message).join('; ')}`)
  if (parts.policy_templates.length > 0) throw new CedarPolicyError('Cedar templates are not supported by the gate')
  // Ids come from `@id` annotations: a null prototype keeps `@id("__proto__")` an ordinary key
  // (with `{}` the assignment set the prototype and the policy, often a forbid, vanished).
  const byId: Record<string, string> = Object.create(null) as Record<string, string>
  const info = new Map<string, CedarPolicyInfo>()
  let hasCarriers = false
  parts.policies.forEach((p, index) => {
    const json = policyToJson(p)
    if (json.type !== 'success') throw new CedarPolicyError(`Cedar policy ${index} does not parse: ${json.errors.map((e) => e.message).join('; ')}`)
    const ann = json.json.annotations ?? {}
    const id = (Object.hasOwn(ann, 'id') ? ann['id'] : undefined) ?? `policy${index}`
    if (Object.hasOwn(byId, id)) throw new CedarPolicyError(`two Cedar policies have the id '${id}'`)
    const obligations = numbered(ann, 'obligation')
    const audits = numbered(ann, 'audit')
    if (obligations.length > 0 || audits.length > 0) hasCarriers = true
    const modifiers = ((Object.hasOwn(ann, 'modifiers') ? ann['modifiers'] : undefined) ?? '').split(',').filter((m) => m !== '')
    byId[id] = p
    info.set(id, { id, index, effect: (json.json as PolicyJson).effect, obligations, audits, modifiers })
  })
  return { byId, info, hasCarriers }
}

function numbered(ann: Readonly<Record<string, string>>, key: string): string[] {
  const out: string[] = []
  const first = Object.hasOwn(ann, key) ? ann[key] : undefined
  if (first === undefined) return out
  out.push(first)
  for (let i = 2; ; i++) {
    const v = Object.hasOwn(ann, `${key}_${i}`) ? ann[`${key}_${i}`] : undefined
    if (v === undefined) return out
    out.push(v)
  }
}
