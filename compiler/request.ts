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
  /** Groups from the request and the vocabulary (exact names: what `allow` patterns match). */
  readonly groups: ReadonlySet<string>
  /** The action name with ASCII letters folded to lower case: what `deny` and `for` patterns match. */
  readonly foldedName: string
  /**
   * Groups for `deny` and `for` patterns: the request's groups and the vocabulary's groups of
   * every action whose name folds to the same name, all folded (SEMANTICS.md §7).
   */
  readonly foldedGroups: ReadonlySet<string>
  readonly resource: ValueRecord | undefined
  readonly context: ValueRecord
  /** `action` as guards see it: `{ name, args, groups }`. */
  readonly actionValue: ValueRecord
  /** `context.approvals` as approver names. */
  readonly approvals: ReadonlySet<string>
  /**
   * Request time (epoch ms) for `now()`: `context.time.now` (or `context.now`) when the request
   * carries one; undefined when it does not, and the evaluator reads its clock instead.
   */
  readonly now: number | undefined
}

/** The longest action name accepted (SEMANTICS.md §7). */
export const MAX_ACTION_NAME = 256

/** Folds ASCII letters to lower case and leaves every other character alone (no locale, no Unicode folding). */
export function asciiFold(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s
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
/** The context of a request that has none: frozen, so no guard or caller can add to it. */
export const EMPTY_CONTEXT: ValueRecord = Object.freeze({})
const NO_STRINGS: ReadonlySet<string> = new Set()
const NAME_CHARS = /^[A-Za-z0-9_.:/-]+$/

/**
 * A malformed action name is refused, never repaired (SEMANTICS.md §7): `shell `, `Shell\u200b`
 * or a Cyrillic `shеll` must not reach the patterns at all, because the deny they dodge was
 * written for `shell`. The message names the first offending character by code point.
 */
export function actionNameProblem(name: string): string | undefined {
  if (name === '') return 'action name must not be empty'
  if (name.length > MAX_ACTION_NAME) return `action name is ${name.length} characters long; at most ${MAX_ACTION_NAME} are allowed`
  if (NAME_CHARS.test(name)) return undefined
  for (let i = 0; i < name.length; ) {
    const cp = name.codePointAt(i) as number
    const ch = String.fromCodePoint(cp)
    if (!NAME_CHARS.test(ch)) return `action name has ${describeChar(cp)} at position ${i}; only ASCII letters, digits and _ . : / - are allowed`
    i += ch.length
  }
  return 'action name is malformed'
}

function describeChar(cp: number): string {
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`
  if (cp === 0x20) return `a space (${hex})`
  if (cp < 0x20 || cp === 0x7f) return `a control character (${hex})`
  if (cp >= 0x21 && cp < 0x7f) return `the character ${JSON.stringify(String.fromCodePoint(cp))} (${hex})`
  if (/[\p{Cf}\p{Zs}\p{Zl}\p{Zp}]/u.test(String.fromCodePoint(cp))) return `an invisible or space character (${hex})`
  return `the non-ASCII character ${JSON.stringify(String.fromCodePoint(cp))} (${hex})`
}

/**
 * What normalisation derives from an action name alone: the same for every request that names
 * the action and no groups of its own, so an evaluator keeps one per name (`normalizeCommon`).
 */
export interface ActionInfo {
  readonly actionName: string
  readonly foldedName: string
  readonly groups: ReadonlySet<string>
  readonly foldedGroups: ReadonlySet<string>
}

/** Builds the `action` value lazily: most guards never read it, and this runs per request. */
export class Normalized implements NormalizedRequest {
  private action?: ValueRecord
  /** The action info this request was built from by `normalizeCommon`, if it was. */
  info: ActionInfo | undefined = undefined
  constructor(
    readonly principal: ValueRecord,
    readonly actionName: string,
    readonly args: readonly Value[],
    readonly groups: ReadonlySet<string>,
    readonly foldedName: string,
    readonly foldedGroups: ReadonlySet<string>,
    readonly resource: ValueRecord | undefined,
    readonly context: ValueRecord,
    readonly approvals: ReadonlySet<string>,
    readonly now: number | undefined,
  ) {}

  get actionValue(): ValueRecord {
    this.action ??= { name: this.actionName, args: this.args as Value[], groups: [...this.groups] }
    return this.action
  }
}

/**
 * The deny reason of a request that could not be normalised: the field and what is wrong, or,
 * when reading the request itself threw (a getter, a Proxy), what it threw.
 */
export function invalidRequestReason(e: unknown): string {
  if (e instanceof RequestError) return `invalid request: ${e.field}: ${e.message}`
  let what = 'a value that cannot be printed'
  try {
    what = e instanceof Error ? e.message : String(e)
  } catch {
    // keep the placeholder
  }
  return `invalid request: reading it threw: ${what}`
}

/**
 * Action names already validated, with their folded form: requests repeat a few names, and the
 * check (a regular expression) and the fold cost more than the rest of normalisation. A `Map`,
 * bounded, cleared when full.
 */
const validNames = new Map<string, string>()
const VALID_NAMES_MAX = 4096

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
      // A hole or an `undefined` argument would make patterns that bind it not match, so a
      // deny on `export(data)` would not apply; it is a malformed request instead.
      for (let i = 0; i < a.length; i++) if (a[i] === undefined) throw new RequestError(`action.args[${i}]`, 'an argument must be a value, not undefined or a hole')
      args = a as readonly Value[]
    }
    const g = action['groups']
    if (g !== undefined) {
      if (!Array.isArray(g)) throw new RequestError('action.groups', 'action.groups must be an array of strings')
      for (let i = 0; i < g.length; i++) {
        const x: unknown = g[i]
        if (typeof x !== 'string') throw new RequestError(`action.groups[${i}]`, 'a group must be a string')
        const problem = actionNameProblem(x)
        if (problem !== undefined) throw new RequestError(`action.groups[${i}]`, problem.replace('action name', 'group name'))
      }
      requestGroups = g as string[]
    }
  } else throw new RequestError('action', 'action must be a string or an object with a name')
  let foldedName = validNames.get(actionName)
  if (foldedName === undefined) {
    const problem = actionNameProblem(actionName)
    if (problem !== undefined) throw new RequestError('action.name', problem)
    foldedName = asciiFold(actionName)
    if (validNames.size >= VALID_NAMES_MAX) validNames.clear()
    validNames.set(actionName, foldedName)
  }
  const known = vocabulary.groupsOf.get(actionName)
  const groups = requestGroups === undefined && known === undefined ? NO_STRINGS : new Set([...(requestGroups ?? []), ...(known ?? [])])
  const foldedKnown = foldedVocabulary(vocabulary).get(foldedName)
  const foldedGroups = requestGroups === undefined && foldedKnown === undefined ? NO_STRINGS : new Set([...(requestGroups ?? []).map(asciiFold), ...(foldedKnown ?? [])])
  const resource = req.resource as unknown
  // isRecord once per object: it reads `$duration`, a lookup that misses on every request object.
  const hasResource = resource !== undefined
  if (hasResource && !isRecord(resource)) throw new RequestError('resource', 'resource must be an object')
  if (hasResource && (resource as ValueRecord)['id'] !== undefined && typeof (resource as ValueRecord)['id'] !== 'string') throw new RequestError('resource.id', 'resource.id must be a string')
  const context = (req.context ?? EMPTY_CONTEXT) as unknown
  if (context !== EMPTY_CONTEXT && !isRecord(context)) throw new RequestError('context', 'context must be an object')
  let approvals = NO_STRINGS
  const ap = (context as ValueRecord)['approvals']
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
  return new Normalized(principal, actionName, args, groups, foldedName, foldedGroups, hasResource ? (resource as ValueRecord) : undefined, context as ValueRecord, approvals, requestTime(context as ValueRecord))
}

/** The action info of a valid action name under a vocabulary (what `normalizeCommon` takes). */
export function actionInfo(actionName: string, vocabulary: ActionVocabulary): ActionInfo {
  const req = normalizeRequest({ principal: { id: '' }, action: actionName }, vocabulary)
  return { actionName, foldedName: req.foldedName, groups: req.groups, foldedGroups: req.foldedGroups }
}

/**
 * `normalizeRequest` for the common request, fused into its first reads: an action named by a
 * string (or `{ name, args }`) whose name `known` holds, no groups of the request's own, no
 * approvals and no request time. Every check of `normalizeRequest` that such a request must pass
 * is made here, read by read, at sites that each see one kind of object (the shared `isRecord`
 * sees them all). Undefined for anything else — including every malformed request — and the
 * caller then runs `normalizeRequest`, which gives the same result or the exact error.
 */
export function normalizeCommon(req: unknown, known: ReadonlyMap<string, ActionInfo>): Normalized | undefined {
  if (typeof req !== 'object' || req === null || Array.isArray(req) || typeof (req as { $duration?: unknown }).$duration === 'number') return undefined
  const r = req as AuthzRequest
  const action = r.action as unknown
  let info: ActionInfo | undefined
  let args: readonly Value[] = EMPTY
  if (typeof action === 'string') info = known.get(action)
  else if (typeof action === 'object' && action !== null && !Array.isArray(action)) {
    const a = action as { name?: unknown; args?: unknown; groups?: unknown; $duration?: unknown }
    const name = a.name
    if (typeof name !== 'string' || a.groups !== undefined || typeof a.$duration === 'number') return undefined
    const xs = a.args
    if (xs !== undefined) {
      if (!Array.isArray(xs)) return undefined
      for (let i = 0; i < xs.length; i++) if (xs[i] === undefined) return undefined
      args = xs as readonly Value[]
    }
    info = known.get(name)
  }
  if (info === undefined) return undefined
  const principal = r.principal as unknown
  if (typeof principal !== 'object' || principal === null || Array.isArray(principal) || typeof (principal as { $duration?: unknown }).$duration === 'number') return undefined
  if (typeof (principal as { id?: unknown }).id !== 'string') return undefined
  const resource = r.resource as unknown
  if (resource !== undefined) {
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource) || typeof (resource as { $duration?: unknown }).$duration === 'number') return undefined
    const id = (resource as { id?: unknown }).id
    if (id !== undefined && typeof id !== 'string') return undefined
  }
  let context = r.context as unknown
  if (context === undefined || context === null) context = EMPTY_CONTEXT
  else {
    if (typeof context !== 'object' || Array.isArray(context) || typeof (context as { $duration?: unknown }).$duration === 'number') return undefined
    // Approvals and a request time are rare: `normalizeRequest` reads them.
    const c = context as { approvals?: unknown; time?: unknown; now?: unknown }
    if (c.approvals !== undefined || c.time !== undefined || c.now !== undefined) return undefined
  }
  const out = new Normalized(principal as ValueRecord, info.actionName, args, info.groups, info.foldedName, info.foldedGroups, resource as ValueRecord | undefined, context as ValueRecord, NO_STRINGS, undefined)
  out.info = info
  return out
}

const foldedCache = new WeakMap<ActionVocabulary, ReadonlyMap<string, readonly string[]>>()

/** The vocabulary by folded action name, groups folded and merged: built once per vocabulary. */
function foldedVocabulary(vocabulary: ActionVocabulary): ReadonlyMap<string, readonly string[]> {
  // One evaluator asks for the same vocabulary on every request: the last answer skips the WeakMap.
  if (vocabulary === lastVocabulary && lastFolded !== undefined) return lastFolded
  let m = foldedCache.get(vocabulary)
  if (m === undefined) {
    const out = new Map<string, string[]>()
    for (const [name, groups] of vocabulary.groupsOf) {
      const key = asciiFold(name)
      const list = out.get(key) ?? []
      for (const g of groups) {
        const f = asciiFold(g)
        if (!list.includes(f)) list.push(f)
      }
      out.set(key, list)
    }
    m = out
    foldedCache.set(vocabulary, m)
  }
  lastVocabulary = vocabulary
  lastFolded = m
  return m
}

let lastVocabulary: ActionVocabulary | undefined
let lastFolded: ReadonlyMap<string, readonly string[]> | undefined

/**
 * The request's own time, if it carries one. A time that is present but not a finite number is
 * a malformed request: quietly falling back to the clock would hide the caller's bug, and 0 (the
 * old fallback) made every `now() > expires_at` deny silently false.
 */
function requestTime(context: ValueRecord): number | undefined {
  const t = context['time']
  if (isRecord(t) && Object.hasOwn(t, 'now')) {
    const n: unknown = t['now']
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new RequestError('context.time.now', 'context.time.now must be a finite number (epoch milliseconds)')
    return n
  }
  // `context.now` is an older spelling, honoured only when it is a time; as any other value it
  // is ordinary data that happens to be called `now`.
  const n: unknown = Object.hasOwn(context, 'now') ? context['now'] : undefined
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined
}
