/**
 * AuthzRequest → Cedar request and entities (docs/cedar.md, "Request mapping").
 *
 * - principal `{ id, type?, …attrs }` → `<type or Agent>::"id"`, an entity whose attributes are
 *   all the principal's fields (`id` and `type` included, so guards reading them translate);
 * - action `name` → `Action::"name"`, an entity with attribute `name` whose parents are its
 *   groups (from the request and the vocabulary), so `action in Action::"group"` holds;
 * - resource likewise with default type `Resource`; without a resource, the Cedar resource is
 *   `Symbi::NoResource::""`, which is not in the store (so `resource has id` is false);
 * - context → the Cedar context record.
 *
 * Values Cedar cannot hold exactly make the mapping fail, and the gate denies: null, numbers that
 * are not safe integers, strings with lone surrogates, records with Cedar's escape keys
 * (`__entity`, `__extn`, `__expr`), context keys that would shadow request names, explicit action
 * arguments whose first element is not the resource, principal or resource types `Action` and
 * `Symbi::…` (they would collide with the action entities and the absent-resource marker).
 */
import type { CedarValueJson, EntityJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs'
import type { AuthzRequest } from '../../stdlib/decision.js'
import { valueEquals } from '../../stdlib/equality.js'
import { DEFAULT_LIMITS } from '../../stdlib/limits.js'
import { isDuration, isRecord, type Value, type ValueRecord } from '../../stdlib/value.js'
import { hasLoneSurrogate } from '../../compiler/cedar/quote.js'
import { actionNameProblem, asciiFold } from '../../compiler/request.js'

/** Entity type of principals without a `type`. */
export const PRINCIPAL_TYPE = 'Agent'
/** Entity type of resources without a `type`. */
export const RESOURCE_TYPE = 'Resource'
/** The Cedar resource of a request without one (never in the entity store). */
export const NO_RESOURCE: TypeAndId = { type: 'Symbi::NoResource', id: '' }
/** The context key reserved for the obligation probe (compiler/cedar/compile.ts). */
export const PROBE_KEY = 'symbi_obligation_probe'
/**
 * The context key the mapping fills with ASCII-folded names (SEMANTICS.md §7): `{ action,
 * groups, principal, channel? }`. Deny patterns and agent/channel scopes of deny and require
 * rules read it, so `Tool_Call::Shell` meets `deny: "tool_call::shell"` in Cedar as in ours.
 */
export const FOLD_KEY = 'symbi_fold'

/** A request in Cedar's terms. */
export interface CedarRequest {
  /** `<type or Agent>::"id"`. */
  readonly principal: TypeAndId
  /** `Action::"name"`. */
  readonly action: TypeAndId
  /** `<type or Resource>::"id"`, or `NO_RESOURCE`. */
  readonly resource: TypeAndId
  /** The context record. */
  readonly context: Record<string, CedarValueJson>
  /** Action, groups, principal and resource entities. */
  readonly entities: EntityJson[]
}

/** A request that Cedar cannot represent exactly; the gate denies it. */
export class CedarMappingError extends Error {
  override readonly name = 'CedarMappingError'
  constructor(
    /** Dotted path of the offending field. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
  }
}

/** Options of the mapping. */
export interface MappingOptions {
  /** Groups by action name, added to the request's own groups. */
  readonly groupsOf?: ReadonlyMap<string, readonly string[]>
  /**
   * Largest array, record or string accepted (default: our engine's `maxCollectionSize`). Our
   * builtins fail on larger ones and a failing deny denies; Cedar would not fail, so the mapping
   * refuses them instead.
   */
  readonly maxCollectionSize?: number
}

const SHADOWING = new Set(['principal', 'action', 'resource', 'context'])
const ESCAPES = new Set(['__entity', '__extn', '__expr'])
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$/
const MAX_DEPTH = 64

/** Maps a request; throws `CedarMappingError` naming the field Cedar cannot hold. */
export function toCedarRequest(req: AuthzRequest, options: MappingOptions = {}): CedarRequest {
  if (!isRecord(req as unknown)) throw new CedarMappingError('request', 'must be an object')
  // One budget for every value the mapping copies: JS-built data can share sub-objects, and 40
  // levels of `[x, x]` would map to 2^40 values (our engine refuses the same data with maxValueNodes).
  const budget: Budget = { left: DEFAULT_LIMITS.maxValueNodes }
  const limit = options.maxCollectionSize ?? DEFAULT_LIMITS.maxCollectionSize
  const principal = entityOf(req.principal as unknown, 'principal', PRINCIPAL_TYPE, limit, budget)
  if (principal === undefined) throw new CedarMappingError('principal', 'must be an object with a string id')
  const action = req.action as unknown
  let name: string
  let args: readonly Value[] = []
  let groups: readonly string[] = []
  if (typeof action === 'string') name = action
  else if (isRecord(action) && typeof action['name'] === 'string') {
    name = action['name']
    const a = action['args']
    if (a !== undefined) {
      if (!Array.isArray(a)) throw new CedarMappingError('action.args', 'must be an array')
      args = a as readonly Value[]
    }
    const g = action['groups']
    if (g !== undefined) {
      if (!Array.isArray(g) || g.some((x) => typeof x !== 'string')) throw new CedarMappingError('action.groups', 'must be an array of strings')
      groups = g as string[]
    }
  } else throw new CedarMappingError('action', 'must be a string or an object with a string name')
  // The same action-name rule as our engine (SEMANTICS.md §7): a look-alike is refused, not mapped.
  const problem = actionNameProblem(name)
  if (problem !== undefined) throw new CedarMappingError('action.name', problem)
  for (const g of groups) {
    const gp = actionNameProblem(g)
    if (gp !== undefined) throw new CedarMappingError('action.groups', gp.replace('action name', 'group name'))
  }
  let resourceValue = req.resource as unknown
  if (resourceValue !== undefined && !isRecord(resourceValue)) throw new CedarMappingError('resource', 'must be an object')
  if (args.length > 0) {
    // Only argument 0 can be expressed (as the Cedar resource); patterns over later arguments are not translated.
    const first = args[0] as Value
    if (!isRecord(first)) throw new CedarMappingError('action.args[0]', 'must be the resource entity (an object with a string id)')
    if (resourceValue === undefined) throw new CedarMappingError('action.args', 'arguments without a resource cannot be expressed: guards would see `resource` unbound where Cedar sees argument 0')
    if (!valueEquals(first, resourceValue as Value)) throw new CedarMappingError('action.args[0]', 'differs from the resource; Cedar sees one resource')
  }
  const resource = resourceValue === undefined ? undefined : entityOf(resourceValue, 'resource', RESOURCE_TYPE, limit, budget)
  if (resourceValue !== undefined && resource === undefined) throw new CedarMappingError('resource', 'must have a string id')
  const contextValue = (req.context ?? {}) as unknown
  if (!isRecord(contextValue)) throw new CedarMappingError('context', 'must be an object')
  for (const k of Object.keys(contextValue)) {
    if (SHADOWING.has(k)) throw new CedarMappingError(`context.${k}`, `would shadow the request name \`${k}\` in guards; Cedar cannot express that`)
    if (k === PROBE_KEY) throw new CedarMappingError(`context.${k}`, 'is reserved for the obligation probe')
    if (k === FOLD_KEY) throw new CedarMappingError(`context.${k}`, 'is reserved for the folded names the mapping adds')
  }
  // Our engine refuses a malformed approvals list before evaluating anything; so must we.
  const approvals = contextValue['approvals']
  if (approvals !== undefined && (!Array.isArray(approvals) || !approvals.every((a: Value) => typeof a === 'string' || (isRecord(a) && typeof a['approver'] === 'string')))) {
    throw new CedarMappingError('context.approvals', 'must be an array of approver names or { approver } records')
  }
  const max = options.maxCollectionSize ?? DEFAULT_LIMITS.maxCollectionSize
  const context = mapRecord(contextValue, 'context', 0, max, budget)
  context[FOLD_KEY] = foldedNames(name, groups, principal.record, contextValue, options.groupsOf)
  const actionUid: TypeAndId = { type: 'Action', id: name }
  const allGroups = [...new Set([...groups, ...(options.groupsOf?.get(name) ?? [])])].filter((g) => g !== name).sort()
  for (const g of allGroups) checkString(g, 'action.groups')
  const entities: EntityJson[] = [
    { uid: actionUid, attrs: { name }, parents: allGroups.map((id) => ({ type: 'Action', id })) },
    ...allGroups.map((id) => ({ uid: { type: 'Action', id }, attrs: { name: id }, parents: [] })),
    principal.entity,
  ]
  if (resource !== undefined) {
    const same = resource.uid.type === principal.uid.type && resource.uid.id === principal.uid.id
    if (!same) entities.push(resource.entity)
    else if (!valueEquals(resource.record, principal.record)) throw new CedarMappingError('resource', 'has the same type and id as the principal but different attributes')
  }
  return { principal: principal.uid, action: actionUid, resource: resource?.uid ?? NO_RESOURCE, context, entities }
}

/** `context.symbi_fold`: the names deny rules and their scopes compare, ASCII-folded. */
function foldedNames(name: string, groups: readonly string[], principal: Value, context: ValueRecord, groupsOf: ReadonlyMap<string, readonly string[]> | undefined): CedarValueJson {
  const folded = asciiFold(name)
  const all = new Set(groups.map(asciiFold))
  // As the engine does: the vocabulary's groups of every action whose name folds the same.
  for (const [n, gs] of groupsOf ?? []) if (asciiFold(n) === folded) for (const g of gs) all.add(asciiFold(g))
  const out: Record<string, CedarValueJson> = { action: folded, groups: [...all].sort(), principal: asciiFold((principal as ValueRecord)['id'] as string) }
  const channel = Object.hasOwn(context, 'channel') ? context['channel'] : undefined
  if (typeof channel === 'string') out['channel'] = asciiFold(channel)
  return out
}

function entityOf(v: unknown, field: string, defaultType: string, max: number, budget: Budget): { uid: TypeAndId; entity: EntityJson; record: Value } | undefined {
  if (!isRecord(v) || typeof v['id'] !== 'string') return undefined
  const t = v['type']
  let type = defaultType
  if (t !== undefined) {
    if (typeof t !== 'string' || !TYPE_NAME.test(t)) throw new CedarMappingError(`${field}.type`, 'must be a Cedar entity type name such as `Agent` or `Ns::Tool`')
    // An `Action` principal or resource would collide with the action entities and their group parents.
    if (t === 'Action' || t.endsWith('::Action') || t === 'Symbi' || t.startsWith('Symbi::')) throw new CedarMappingError(`${field}.type`, `'${t}' is reserved for actions and for the mapping itself`)
    type = t
  }
  checkString(v['id'], `${field}.id`)
  const uid = { type, id: v['id'] }
  return { uid, entity: { uid, attrs: mapRecord(v, field, 0, max, budget), parents: [] }, record: v }
}

function mapRecord(r: ValueRecord, path: string, depth: number, max: number, budget: Budget): Record<string, CedarValueJson> {
  // A Date, Map or class instance is not a record (SEMANTICS.md §5): mapped as one it would be
  // `{}`, and a deny testing one of its attributes would quietly not fire.
  const proto: unknown = Object.getPrototypeOf(r)
  if (proto !== Object.prototype && proto !== null) throw new CedarMappingError(path, 'is not a policy value (a class instance, not a plain record)')
  const out: Record<string, CedarValueJson> = Object.create(null) as Record<string, CedarValueJson>
  const entries = Object.entries(r)
  if (entries.length > max) throw tooLarge(path, entries.length, max)
  // Our guards see non-enumerable own attributes (`has`, member access); JSON and Cedar would not.
  if (Object.getOwnPropertyNames(r).length !== entries.length) throw new CedarMappingError(path, 'has non-enumerable attributes, which Cedar cannot see')
  for (const [k, v] of entries) {
    if (ESCAPES.has(k)) throw new CedarMappingError(`${path}.${k}`, 'is an escape key of Cedar\'s JSON format')
    checkString(k, `${path}.${k}`)
    out[k] = mapValue(v, `${path}.${k}`, depth + 1, max, budget)
  }
  return out
}

/** Values the mapping may still copy, shared by every part of one request. */
interface Budget {
  left: number
}

function tooManyValues(): CedarMappingError {
  return new CedarMappingError('request', `holds more than ${DEFAULT_LIMITS.maxValueNodes} values in all (maxValueNodes; a part reachable twice counts twice)`)
}

function tooLarge(path: string, size: number, max: number): CedarMappingError {
  return new CedarMappingError(path, `has ${size} elements, more than maxCollectionSize (${max})`)
}

/** Maps one value (exported for tests). */
export function mapValue(v: Value, path: string, depth = 0, max: number = DEFAULT_LIMITS.maxCollectionSize, budget: Budget = { left: DEFAULT_LIMITS.maxValueNodes }): CedarValueJson {
  if (--budget.left < 0) throw tooManyValues()
  if (depth > MAX_DEPTH) throw new CedarMappingError(path, `nests deeper than ${MAX_DEPTH} levels`)
  if (typeof v === 'boolean') return v
  if (typeof v === 'string') {
    if (v.length > max) throw tooLarge(path, v.length, max)
    checkString(v, path)
    return v
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new CedarMappingError(path, `${v} is not an integer Cedar holds exactly`)
    return v
  }
  if (v === undefined) throw new CedarMappingError(path, 'is undefined, not a policy value')
  if (v === null) throw new CedarMappingError(path, 'null has no Cedar counterpart')
  if (Array.isArray(v)) {
    if (v.length > max) throw tooLarge(path, v.length, max)
    return (v as readonly Value[]).map((x, i) => mapValue(x, `${path}[${i}]`, depth + 1, max, budget))
  }
  if (isDuration(v)) {
    if (!Number.isSafeInteger(v.$duration)) throw new CedarMappingError(path, 'a duration must be a whole number of milliseconds')
    return { __extn: { fn: 'duration', arg: `${v.$duration}ms` } }
  }
  if (isRecord(v)) return mapRecord(v, path, depth, max, budget)
  throw new CedarMappingError(path, `is ${typeof v === 'object' ? 'an object' : `a ${typeof v}`}, not a policy value`)
}

function checkString(s: string, path: string): void {
  if (hasLoneSurrogate(s)) throw new CedarMappingError(path, 'holds a lone UTF-16 surrogate')
}
