/**
 * The engine: versioned policy sets with atomic, validating swaps, rollback, an optional
 * decision cache, and evaluation that never throws (any failure is a deny).
 *
 * The runtime does not parse: `createEngineCore` takes the compile function, so that embedders
 * who load precompiled sets never load the grammar. The package root wires in the compiler
 * (`createEngine` in index.ts).
 */
import { LRUCache } from 'lru-cache'
import { CompileCache } from '../compiler/cache.js'
import { makeDecision } from '../compiler/decisions.js'
import { createEvaluator, type Evaluator, type EvaluatorMode } from '../compiler/evaluator.js'
import { interpret } from '../compiler/interpreter.js'
import type { CompileOptions, CompileResult, PolicySet, PolicySource, SourceDiagnostics } from '../compiler/pipeline.js'
import type { AuthzRequest, Decision, DeterminingRule, PolicyDecider } from '../stdlib/decision.js'
import { engineEntry, type EntryTarget } from './engine-entry.js'
import { stableKey } from './stable-key.js'
import { watchPolicies, type PolicyWatcher, type WatchOptions } from './watch.js'

/** Options of an engine. */
export interface EngineOptions extends CompileOptions {
  /** Cache decisions: `true` for 10,000 entries, or a size. Cleared on every swap. */
  readonly decisionCache?: boolean | { readonly max: number }
  /** How many superseded versions `rollback` can go back through. */
  readonly history?: number
  /**
   * The clock `now()` reads when a request carries no `context.time.now` (epoch ms), read once
   * per decision. `Date.now` by default; tests and replays pass their own.
   */
  readonly clock?: () => number
  /**
   * `generated` (default): rules compile to JavaScript source, or to closures where this process
   * may not generate code from strings (`stats.evaluator` says which); `closures`: never generate.
   */
  readonly evaluator?: EvaluatorMode
  /**
   * Version numbers continue after this one (default 0: the first set is version 1). A host that
   * replaces one engine with another — a service whose new bundle brings a new schema — passes
   * the old engine's `version`, so `decision.version` never goes backwards.
   */
  readonly versionsAfter?: number
}

/** The answer of `load`, `rollback` and a watcher's reload. */
export interface LoadResult {
  /** True when the new set is now serving. */
  readonly ok: boolean
  /** The version serving after the call. */
  readonly version: number
  /** Diagnostics per source (empty for rollback). */
  readonly files: readonly SourceDiagnostics[]
}

/** Per-call evaluation options. */
export interface EvaluateOptions {
  /** Add a trace of every rule considered (evaluated by the reference interpreter). */
  readonly explain?: boolean
}

/** A policy engine. */
export interface Engine extends PolicyDecider {
  /** Compiles and atomically swaps in a new set; on any error nothing changes. */
  load(sources: readonly PolicySource[]): LoadResult
  /** Decides one request, synchronously. Never throws. */
  evaluate(request: AuthzRequest, options?: EvaluateOptions): Decision
  /** Decides many requests against one consistent version. */
  evaluateBatch(requests: readonly AuthzRequest[], options?: EvaluateOptions): Decision[]
  /** Serves the previous set again, under a new version number. */
  rollback(): LoadResult
  /** Version serving now (0 before the first load). */
  readonly version: number
  /** The set serving now. */
  readonly policySet: PolicySet | undefined
  /** Watches a directory and hot-reloads it (validate, then swap; the old set serves on error). */
  watch(dir: string, options?: WatchOptions): PolicyWatcher
  /** Compile-cache statistics. */
  readonly stats: {
    readonly compileHits: number
    readonly compileMisses: number
    readonly cachedDecisions: number
    /** How the serving set decides (`closures` also when code generation from strings is disallowed); undefined before a load. */
    readonly evaluator: EvaluatorMode | undefined
    /** Runs of rules of the serving set that generated mode could not build and decides with closures. */
    readonly fallbackRuns: number
    /** Allow and deny rules of the serving set that can be skipped by an equality index (`path == literal` first). */
    readonly indexedRules: number
    /** Plan functions the serving set's evaluator has made: one generated function per action name (docs/evaluators.md). */
    readonly fastPlans: number
  }
}

/** The compile function an engine core uses. */
export type Compiler = (sources: readonly PolicySource[], options: CompileOptions) => CompileResult

interface Active {
  readonly set: PolicySet
  readonly evaluator: Evaluator
  readonly version: number
  /** Whether some rule calls `now()`: then a request without its own time has no cacheable answer. */
  readonly readsClock: boolean
}

/** Whether a request carries its own time (then `now()` does not read the clock). */
function carriesTime(request: AuthzRequest): boolean {
  const c = (request as { context?: unknown }).context
  if (c === null || typeof c !== 'object') return false
  const t = (c as { time?: unknown }).time
  return (t !== null && typeof t === 'object' && typeof (t as { now?: unknown }).now === 'number') || typeof (c as { now?: unknown }).now === 'number'
}

/** Average key characters per cached decision that the decision cache budgets for. */
const KEY_BUDGET = 1024

/**
 * Freezes a decision's own structure (not condition values, which may be the caller's request
 * data: freezing those would change objects the caller still owns).
 */
function freezeDecision(d: Decision): Decision {
  if (Object.isFrozen(d)) return d
  const freezeRef = (r: DeterminingRule): void => void Object.freeze(Object.freeze(r).span)
  for (const r of d.determining) freezeRef(r)
  for (const e of d.errors) freezeRef(Object.freeze(e).rule)
  if (d.effect === 'allow_with_conditions') {
    for (const c of d.conditions) {
      if (c.modifiers) Object.freeze(c.modifiers)
      Object.freeze(c)
    }
  }
  for (const list of [d.determining, d.errors, d.effect === 'allow_with_conditions' ? d.conditions : [], d.effect === 'require_approval' ? d.approvers : []]) Object.freeze(list)
  return Object.freeze(d)
}

/** Evaluators do not throw; if one ever does, the request is denied, not let through. */
function internalError(e: unknown, version: number): Decision {
  return makeDecision({ effect: 'deny', reason: `internal engine error: ${e instanceof Error ? e.message : String(e)}` }, [], [], version, undefined)
}

/** Builds an engine around a compiler. */
export function createEngineCore(compile: Compiler, options: EngineOptions = {}): Engine {
  const compileCache = new CompileCache()
  const historySize = options.history ?? 8
  const clock = options.clock
  const mode = options.evaluator ?? 'generated'
  const cacheMax = options.decisionCache === true ? 10_000 : typeof options.decisionCache === 'object' ? options.decisionCache.max : 0
  // Bounded by total key length as well as by count, so that large requests cannot pin memory:
  // an entry whose key is larger than the whole budget is simply not stored.
  const decisions = cacheMax > 0 ? new LRUCache<string, Decision>({ max: cacheMax, maxSize: cacheMax * KEY_BUDGET, sizeCalculation: (_d, key) => key.length + 1 }) : undefined
  let active: Active | undefined
  const after = options.versionsAfter ?? 0
  if (!Number.isSafeInteger(after) || after < 0) throw new TypeError(`versionsAfter must be a non-negative integer, got ${String(after)}`)
  let lastVersion = after
  const previous: PolicySet[] = []

  const direct: EntryTarget = { evaluator: undefined, plans: undefined }
  const swap = (set: PolicySet): number => {
    const rules = compileCache.rulesFor(set)
    const version = ++lastVersion
    const evaluator = createEvaluator(set, version, rules, clock === undefined ? { mode } : { clock, mode })
    active = { set, evaluator, version, readsClock: evaluator.readsClock }
    // With a decision cache every call takes `evaluateWith`.
    if (decisions === undefined) {
      direct.evaluator = evaluator
      direct.plans = evaluator.plans
    }
    decisions?.clear()
    return version
  }

  const noPolicies = (): Decision => makeDecision({ effect: 'deny', reason: 'no policy set is loaded' }, [], [], 0, undefined)

  const evaluateWith = (a: Active | undefined, request: AuthzRequest, opts: EvaluateOptions | undefined): Decision => {
    if (a === undefined) return noPolicies()
    try {
      if (opts?.explain) {
        return interpret(a.set.checked, request, { functions: a.set.functions, ladders: a.set.ladders, limits: a.set.limits, version: a.version, explain: true, ...(clock === undefined ? {} : { clock }) })
      }
      // A decision that read the clock holds only for that instant: it is never cached.
      if (decisions === undefined || (a.readsClock && !carriesTime(request))) return a.evaluator.evaluate(request)
      let key: string | undefined
      try {
        key = stableKey(request)
      } catch {
        // A request that throws when read has no key; the evaluator denies it with the reason.
        key = undefined
      }
      if (key === undefined) return a.evaluator.evaluate(request)
      const hit = decisions.get(key)
      if (hit !== undefined) return hit
      // A cached decision is shared by every later caller, so nobody may change it.
      const d = freezeDecision(a.evaluator.evaluate(request))
      if (key.length <= cacheMax * KEY_BUDGET) decisions.set(key, d)
      return d
    } catch (e) {
      return internalError(e, a.version)
    }
  }
  const shared = (request: AuthzRequest, opts?: EvaluateOptions): Decision => evaluateWith(active, request, opts)
  const evaluate = engineEntry(direct, shared, internalError) ?? shared

  return {
    load(sources) {
      let result: CompileResult
      try {
        // An engine decides: a declared host function without an implementation is a load error.
        result = compile(sources, { ...options, requireHostImplementations: true })
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e)
        return { ok: false, version: active?.version ?? 0, files: [{ name: '<engine>', diagnostics: [{ code: 'CHECK050', severity: 'error', message, span: { start: 0, end: 0 } }] }] }
      }
      if (!result.value) return { ok: false, version: active?.version ?? 0, files: result.files }
      if (active) {
        previous.push(active.set)
        if (previous.length > historySize) previous.shift()
      }
      return { ok: true, version: swap(result.value), files: result.files }
    },
    evaluate,
    evaluateBatch(requests, opts) {
      if (!Array.isArray(requests)) throw new TypeError('evaluateBatch expects an array of requests')
      const a = active
      return requests.map((r) => evaluateWith(a, r, opts))
    },
    rollback() {
      const set = previous.pop()
      if (set === undefined) return { ok: false, version: active?.version ?? 0, files: [] }
      return { ok: true, version: swap(set), files: [] }
    },
    get version() {
      return active?.version ?? 0
    },
    watch(dir, watchOptions) {
      return watchPolicies(this, dir, watchOptions)
    },
    get policySet() {
      return active?.set
    },
    get stats() {
      return { compileHits: compileCache.hits, compileMisses: compileCache.misses, cachedDecisions: decisions?.size ?? 0, evaluator: active?.evaluator.mode, fallbackRuns: active?.evaluator.fallbackRuns ?? 0, indexedRules: active?.evaluator.indexedRules ?? 0, fastPlans: active?.evaluator.fastPlans ?? 0 }
    },
  }
}
