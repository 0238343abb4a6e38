/**
 * Request normalisation, shared by every evaluator: one validated shape, so that a malformed
 * request is an error decision and never a JavaScript exception or a silent allow.
 */
import type { AuthzRequest } from '../stdlib/decision.js'
import { isRecord, type Value, type ValueRecord } from '../stdlib/value.js'
import type { ActionVocabulary } from './checked.js'

/** A request in the one shape evaluators read. */
export interface NormalizedRequest {
  readonly principal: ValueRecord
  readonly actionName: string
  /** Explicit arguments; argument 0 falls back to the resource when absent. */
  readonly args: readonly Value[]
  /** Groups from the request and the vocabulary. */
  readonly groups: ReadonlySet<string>
  readonly resource: ValueRecord | undefined
  readonly context: ValueRecord
  /** `action` as guards see it: `{ name, args, groups }`. */
  readonly actionValue: ValueRecord
  /** `context.approvals` as approver names. */
  readonly approvals: ReadonlySet<string>
  /** Request time (epoch ms) for `now()`: `context.time.now` / `context.now` when numeric, else 0. */
  readonly now: number
}

/** A request that cannot be evaluated, with the field that is wrong. */
export class RequestError extends Error {
  constructor(
    /** Dotted path of the bad field, e.g. `principal.id`. */
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'RequestError'
  }
}

const EMPTY: readonly Value[] = Object.freeze([])
const NO_STRINGS: ReadonlySet<string> = new Set()

/** Builds the `action` value lazily: most guards never read it, and this runs per request. */
class Normalized implements NormalizedRequest {
  private action?: ValueRecord
  constructor(
    readonly principal: ValueRecord,
    readonly actionName: string,
    readonly args: readonly Value[],
    readonly groups: ReadonlySet<string>,
    readonly resource: ValueRecord | undefined,
    readonly context: ValueRecord,
    readonly approvals: ReadonlySet<string>,
    readonly now: number,
  ) {}

  get actionValue(): ValueRecord {
    this.action ??= { name: this.actionName, args: this.args as Value[], groups: [...this.groups] }
    return this.action
  }
}

/** Validates and normalises a request; throws `RequestError` naming the bad field. */
export function normalizeRequest(req: AuthzRequest, vocabulary: ActionVocabulary): NormalizedRequest {
  if (!isRecord(req as unknown)) throw new RequestError('request', 'request must be an object')
  const principal = req.principal as unknown
  if (!isRecord(principal)) throw new RequestError('principal', 'principal must be an object with an id')
  if (typeof principal['id'] !== 'string') throw new RequestError('principal.id', 'principal.id must be a string')
  let actionName: string
  let args: readonly Value[] = EMPTY
  let requestGroups: readonly string[] | undefined
  const action = req.action as unknown
  if (typeof action === 'string') actionName = action
  else if (isRecord(action)) {
    if (typeof action['name'] !== 'string') throw new RequestError('action.name', 'action.name must be a string')
    actionName = action['name']
    const a = action['args']
    if (a !== undefined) {
      if (!Array.isArray(a)) throw new RequestError('action.args', 'action.args must be an array')
      args = a as readonly Value[]
    }
    const g = action['groups']
    if (g !== undefined) {
      if (!Array.isArray(g) || g.some((x) => typeof x !== 'string')) throw new RequestError('action.groups', 'action.groups must be an array of strings')
      requestGroups = g as string[]
    }
  } else throw new RequestError('action', 'action must be a string or an object with a name')
  if (actionName === '') throw new RequestError('action.name', 'action name must not be empty')
  const known = vocabulary.groupsOf.get(actionName)
  const groups = requestGroups === undefined && known === undefined ? NO_STRINGS : new Set([...(requestGroups ?? []), ...(known ?? [])])
  const resource = req.resource as unknown
  if (resource !== undefined && !isRecord(resource)) throw new RequestError('resource', 'resource must be an object')
  if (isRecord(resource) && resource['id'] !== undefined && typeof resource['id'] !== 'string') throw new RequestError('resource.id', 'resource.id must be a string')
  const context = (req.context ?? {}) as unknown
  if (!isRecord(context)) throw new RequestError('context', 'context must be an object')
  let approvals = NO_STRINGS
  const ap = context['approvals']
  if (ap !== undefined) {
    if (!Array.isArray(ap)) throw new RequestError('context.approvals', 'context.approvals must be an array of approver names or { approver } records')
    const found = new Set<string>()
    ap.forEach((x: Value, i: number) => {
      if (typeof x === 'string') found.add(x)
      else if (isRecord(x) && typeof x['approver'] === 'string') found.add(x['approver'])
      else throw new RequestError(`context.approvals[${i}]`, 'an approval must be an approver name or a record with a string approver')
    })
    approvals = found
  }
  return new Normalized(principal, actionName, args, groups, isRecord(resource) ? resource : undefined, context, approvals, requestTime(context))
}

function requestTime(context: ValueRecord): number {
  const t = context['time']
  if (isRecord(t) && typeof t['now'] === 'number') return t['now']
  const n = context['now']
  return typeof n === 'number' ? n : 0
}
