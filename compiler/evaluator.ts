/**
 * The compiled evaluator. Rules are indexed by the verbs their patterns name (CASL's rule
 * index), and runs of rules whose guards start with the same `path == literal` become one hash
 * lookup (OPA's rule indexing), so a request only touches the rules that can apply to it.
 * Decisions equal the interpreter's: the same evaluation order, the same stdlib calls on every
 * error path; the index only skips rules whose outcome is known to be "not applicable" or
 * "guard false without error".
 */
import type { CallContext } from '../stdlib/builtin-types.js'
import type { AuthzRequest, Condition, Decision, DecisionError, DeterminingRule } from '../stdlib/decision.js'
import { getMember } from '../stdlib/access.js'
import type { Limits } from '../stdlib/limits.js'
import { isPlainScalar, readBase, readValue } from '../stdlib/read-value.js'
import { EvalError, type Value } from '../stdlib/value.js'
import { compileRules, deepFreeze, Missing, type CompiledRule, type EqualityKey } from './compile-rules.js'
import { asEvalError, condition, denyErrorReason, denyReason, makeDecision, missingArgumentError, NO_ALLOW_REASON, requirementReason, ruleError } from './decisions.js'
import { lookupName, readClock } from './interpreter.js'
import { argAt } from './patterns.js'
import type { ActionPattern, CheckedPolicy, CheckedRule } from './checked.js'
import type { PolicySet } from './pipeline.js'
import { actionInfo, invalidRequestReason, Normalized, normalizeCommon, normalizeRequest, type ActionInfo, type NormalizedRequest } from './request.js'
import { CHUNK_FIRED_NONE, chunkSources, closureChunk, codeGenerationAvailable, generateChunks, type Chunk, type ChunkFn } from './generate/chunk.js'
import { BAIL } from './generate/helpers.js'
import { literalConstants, planEntry, planFunction, planSource, subFunction, subSource, type BlockDispatch, type FastPlan, type PlanTable, type SubPlan, type UniformShape } from './generate/plan.js'

/** A compiled, ready-to-run policy set. */
export interface Evaluator {
  /** Decides one request. Never throws. */
  evaluate(request: AuthzRequest): Decision
  /** Version stamped on decisions. */
  readonly version: number
  /** Content hash of the set. */
  readonly hash: string
  /**
   * How decisions are computed: `generated` JavaScript (compiler/generate/), or `closures` when
   * asked for or when this process may not generate code from strings.
   */
  readonly mode: EvaluatorMode
  /** Whether some rule calls `now()`: then a decision for a request without its own time holds only for that instant. */
  readonly readsClock: boolean
  /**
   * Runs of rules that generated mode evaluates with closures because their function could not
   * be built (not carried by a compiled module, and code generation from strings disallowed).
   */
  readonly fallbackRuns: number
  /**
   * Allow and deny rules whose guard starts with `path == literal`: the ones that can sit in an
   * equality block, where a request skips every rule whose literal it does not match.
   */
  readonly indexedRules: number
  /**
   * Plan functions made (generated mode): one generated function per action name over the raw
   * request, for plans with no require or audit rules (docs/evaluators.md).
   */
  readonly fastPlans: number
  /**
   * Generated mode: the plan functions by action name, with the full path, for an entry that
   * tries them itself (the engine's, runtime/engine-entry.ts); `evaluate` does the same.
   */
  readonly plans?: PlanTable
}

/** See `Evaluator.mode`. */
export type EvaluatorMode = 'generated' | 'closures'

/** Options of a compiled evaluator. */
export interface EvaluatorOptions {
  /** The engine clock for `now()` when a request carries no time (epoch ms); `Date.now` by default. */
  readonly clock?: () => number
  /**
   * `generated` (the default) compiles deny and allow rules to JavaScript source, falling back
   * to `closures` where code generation from strings is disallowed; `closures` never generates.
   */
  readonly mode?: EvaluatorMode
  /**
   * Generated functions by source, as a compiled module carries them (`preloadedChunks`): used
   * before generating anything, so a module decides with generated code even where code
   * generation from strings is disallowed.
   */
  readonly chunks?: ReadonlyMap<string, ChunkFn>
}

type Step = { readonly rule: CompiledRule } | { readonly block: Block }

interface Block {
  readonly key: EqualityKey
  readonly rules: readonly CompiledRule[]
  /** Rules by the literal of their first conjunct; keyed by the typed value itself, so lookups build no strings. */
  readonly strings: ReadonlyMap<string, readonly CompiledRule[]>
  readonly numbers: ReadonlyMap<number, readonly CompiledRule[]>
  readonly booleans: ReadonlyMap<boolean, readonly CompiledRule[]>
  /**
   * Most arguments a deny pattern of the block names. A request with fewer arguments may make a
   * rule fail closed on a missing argument whatever its guard says, so such a request skips
   * nothing and evaluates every rule of the block.
   */
  readonly arity: number
}

/** An action name's info with its plan: what a request naming it and no groups of its own needs. */
interface ActionEntry extends ActionInfo {
  plan: Plan | undefined
  /** Its plan function (generated mode): undefined until the name's plan is built, null when it has none. */
  fast: FastPlan | null | undefined
}

interface Plan {
  readonly denies: readonly Step[]
  readonly allows: readonly Step[]
  readonly extras: readonly CompiledRule[]
  /** The same steps for generated code (generated mode only). */
  readonly generated?: GenPlan
}

/**
 * A plan's steps for generated code. When no step is a block (the common case at a few rules),
 * the chunks are also kept as one flat list, so a decision walks an array and nothing else.
 */
interface GenPlan {
  readonly denies: readonly GenStep[]
  readonly allows: readonly GenStep[]
  readonly denyChunks: readonly Chunk[] | undefined
  readonly allowChunks: readonly Chunk[] | undefined
}

/** Rules evaluated by generated chunks, built on first use. */
interface GenRun {
  readonly rules: readonly CompiledRule[]
  chunks?: readonly Chunk[]
}

/**
 * Consecutive single rules become one run; a block keeps its lookup, with a run per literal
 * (made on first use: only literals of the block's rules get one, so requests cannot grow
 * them) and one for all of its rules. One shape for both (the unused fields undefined), so the
 * loops over steps stay monomorphic.
 */
interface GenStep {
  readonly run: GenRun | undefined
  readonly block: Block | undefined
  readonly all: GenRun | undefined
  readonly strings: Map<string, GenRun> | undefined
  readonly numbers: Map<number, GenRun> | undefined
  readonly booleans: Map<boolean, GenRun> | undefined
}

function genSteps(steps: readonly Step[]): GenStep[] {
  const out: GenStep[] = []
  let singles: CompiledRule[] = []
  const run = (rules: CompiledRule[]): GenStep => ({ run: { rules }, block: undefined, all: undefined, strings: undefined, numbers: undefined, booleans: undefined })
  for (const st of steps) {
    if ('rule' in st) {
      singles.push(st.rule)
      continue
    }
    if (singles.length > 0) out.push(run(singles))
    singles = []
    out.push({ run: undefined, block: st.block, all: { rules: st.block.rules }, strings: new Map(), numbers: new Map(), booleans: new Map() })
  }
  if (singles.length > 0) out.push(run(singles))
  return out
}

/** The run of a block's rules for one literal, made on first use; `NO_RUN` when no rule has it. */
function runFor<V>(runs: Map<V, GenRun>, lists: ReadonlyMap<V, readonly CompiledRule[]>, v: V): GenRun {
  let r = runs.get(v)
  if (r === undefined) {
    const list = lists.get(v)
    if (list === undefined) return NO_RUN
    runs.set(v, (r = { rules: list }))
  }
  return r
}

const NO_RUN: GenRun = { rules: Object.freeze([]), chunks: Object.freeze([]) }

const NO_VARS: ReadonlyMap<string, Value> = new Map()
const NO_LAMBDAS: readonly (readonly Value[])[] = []
const NO_ERRORS: readonly DecisionError[] = Object.freeze([])
const NO_RULES: readonly CompiledRule[] = Object.freeze([])

/**
 * The rules of a block whose literal is `v` (a value read at the block's path), or undefined
 * when none is: a string, number (0 and -0 alike) or boolean selects its literal's rules; a
 * container never equals a primitive literal, so every first conjunct is false.
 */
function literalRules(block: Block, v: unknown): readonly CompiledRule[] | undefined {
  if (typeof v === 'string') return block.strings.get(v)
  if (typeof v === 'number') return block.numbers.get(v === 0 ? 0 : v)
  if (typeof v === 'boolean') return block.booleans.get(v)
  return undefined
}
const NOT_APPLICABLE = 0
const FIRED = 1
const FALSE = 2
const PLAN_CACHE_SIZE = 4096
const MAX_PLAN_KEY = 1024

class RuleIndex {
  private readonly byVerb = new Map<string, CompiledRule[]>()
  private readonly wild: CompiledRule[] = []

  add(rule: CompiledRule): void {
    if (rule.verbs === undefined) {
      this.wild.push(rule)
      return
    }
    for (const v of rule.verbs) {
      const list = this.byVerb.get(v) ?? []
      list.push(rule)
      this.byVerb.set(v, list)
    }
  }

  /** Rules that may apply to an action with these names (action name and groups), in order. */
  candidates(names: readonly string[]): CompiledRule[] {
    const lists = names.map((n) => this.byVerb.get(n)).filter((l): l is CompiledRule[] => l !== undefined)
    if (this.wild.length > 0) lists.push(this.wild)
    if (lists.length === 1) return lists[0] as CompiledRule[]
    const seen = new Set<CompiledRule>()
    const out: CompiledRule[] = []
    for (const l of lists) for (const r of l) if (!seen.has(r)) { seen.add(r); out.push(r) }
    return out.sort((a, b) => a.order - b.order)
  }
}

function toSteps(rules: readonly CompiledRule[]): Step[] {
  const steps: Step[] = []
  let i = 0
  while (i < rules.length) {
    const r = rules[i] as CompiledRule
    const eq = r.equality
    let j = i + 1
    if (eq) while (j < rules.length && (rules[j] as CompiledRule).equality?.block === eq.block) j++
    // A block pays off only for several rules; a lone rule is simply evaluated.
    // Stryker disable next-line ConditionalExpression,BooleanLiteral,EqualityOperator,ArithmeticOperator,LogicalOperator: how long a run must be to become a block only changes speed: a block selects exactly the rules whose first conjunct can hold (test/compiler/equality-index.test.ts), so any run length decides alike
    if (!eq || j - i < 4) {
      steps.push({ rule: r })
      i++
      continue
    }
    const members = rules.slice(i, j)
    const strings = new Map<string, CompiledRule[]>()
    const numbers = new Map<number, CompiledRule[]>()
    const booleans = new Map<boolean, CompiledRule[]>()
    for (const m of members) {
      const v = (m.equality as EqualityKey).value
      const map = (typeof v === 'string' ? strings : typeof v === 'number' ? numbers : booleans) as Map<unknown, CompiledRule[]>
      const k = typeof v === 'number' && v === 0 ? 0 : v
      const list = map.get(k) ?? []
      list.push(m)
      map.set(k, list)
    }
    let arity = 0
    for (const m of members) if (m.checked.kind === 'deny') for (const p of m.checked.patterns) if (p.kind === 'call') arity = Math.max(arity, p.args.length)
    steps.push({ block: { key: eq, rules: members, strings, numbers, booleans, arity } })
    i = j
  }
  return steps
}

/**
 * The value at an indexed path, or undefined when reading it would error (then no rule is
 * skipped, and each rule's guard meets the error itself). The reads are checked exactly as the
 * guards check them (stdlib/read-value.ts): a NaN or a function at the path must not make the
 * block skip a deny whose guard would have failed closed.
 */
function pathValue(key: EqualityKey, req: NormalizedRequest, limits: Limits): unknown {
  // Inside the try: a getter at the path may throw, and the block then evaluates all its rules,
  // whose guards report the error (it escaped `evaluate` before test/compiler/index-paths.test.ts).
  // Equivalent mutants in this function (marked by kind, line by line): pathValue may always answer
  // undefined — the block then evaluates every rule, which decides the same, only slower — so a
  // variant that only reads less, or fails (inside the try), is equivalent; one that reads a wrong
  // value is not, and test/compiler/index-paths.test.ts and equality-index.test.ts kill those.
  // Stryker disable next-line BlockStatement: an empty try answers undefined
  try {
    // The common key, one attribute of argument 0, read as the chunk readers read it
    // (compiler/generate/expr.ts `readMember`): an own scalar of a plain record.
    // Stryker disable next-line StringLiteral,BlockStatement: no shortcut, the checked read below
    if (key.path.length === 1 && key.root.kind === 'arg' && key.root.index === 0) {
      const root = req.args.length > 0 ? req.args[0] : req.resource
      const prop = key.path[0] as string
      // Stryker disable next-line EqualityOperator,StringLiteral,BlockStatement: a narrower test takes the checked read; a non-object root reaching getPrototypeOf has a prototype other than Object.prototype, or throws inside the try
      if (typeof root === 'object' && root !== null && !Array.isArray(root) && !(prop in Object.prototype)) {
        const proto: unknown = Object.getPrototypeOf(root)
        // Stryker disable next-line LogicalOperator,BlockStatement: no prototype is both, so the checked read below
        if (proto === Object.prototype || proto === null) {
          const v: unknown = (root as Record<string, unknown>)[prop]
          if (isPlainScalar(v)) return v
        }
      }
    }
    const root = key.root.kind === 'arg' ? argAt(req, key.root.index) : lookupName(key.root.name, NO_VARS, req)
    // Stryker disable next-line ConditionalExpression,EqualityOperator: answering undefined is always sound, and reading on from an undefined root throws inside the try
    if (root === undefined) return undefined
    const n = key.path.length
    // Stryker disable next-line StringLiteral: the wording of a read error, which the catch below discards
    let v: Value = n === 0 ? readValue(root, limits, 'indexed path') : readBase(root, 'indexed path')
    // Stryker disable next-line UpdateOperator: counting down reads key.path[-1], undefined, and getMember throws inside the try
    for (let i = 0; i < n; i++) {
      const next = getMember(v, key.path[i] as string)
      // Stryker disable next-line StringLiteral: as above, the wording of a discarded error
      v = i === n - 1 ? readValue(next, limits, 'indexed path') : readBase(next, 'indexed path')
    }
    return v
    // Stryker disable next-line BlockStatement: an empty catch answers undefined as well
  } catch {
    return undefined
  }
}

/**
 * The value a block selects its rules by, or undefined when the request must evaluate all of
 * them: it names fewer arguments than some deny pattern of the block (that rule may fail closed
 * on the missing argument whatever its guard says), or the indexed path cannot be read.
 */
// Stryker disable next-line BlockStatement: answering undefined makes the block evaluate every rule, which decides the same
function blockValue(block: Block, req: NormalizedRequest, limits: Limits): unknown {
  // Stryker disable next-line LogicalOperator: `||` answers undefined for every block with a deny arity, which only evaluates more rules
  if (block.arity > 0 && (req.args.length > 0 ? req.args.length : req.resource === undefined ? 0 : 1) < block.arity) return undefined
  return pathValue(block.key, req, limits)
}

/** Whether any rule of the set calls `now` (the only reader of the clock: see stdlib/builtins.ts). */
export function setReadsClock(set: PolicySet): boolean {
  // An explicit stack (hostile depth) and no spans or strings visited: this runs on every load.
  // Stryker disable next-line ArrayDeclaration: a string on the stack is skipped like any other non-object
  const stack: unknown[] = []
  for (const p of set.checked.policies) for (const r of p.rules) stack.push(r.guard, r.requires, r.audits)
  while (stack.length > 0) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    // Stryker disable next-line BlockStatement: an array then goes through the loop below, which pushes its elements too
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x)
      continue
    }
    const node = v as { kind?: unknown; callee?: { kind?: unknown; name?: unknown } }
    // Stryker disable next-line OptionalChaining: only a Call is asked for its callee, and every Call has one
    if (node.kind === 'Call' && node.callee?.kind === 'Ident' && node.callee.name === 'now') return true
    // Stryker disable next-line StringLiteral: a span holds only numbers, so visiting it finds no call
    for (const key in v) if (key !== 'span') stack.push((v as Record<string, unknown>)[key])
  }
  return false
}

interface Indexes {
  readonly denies: RuleIndex
  readonly allows: RuleIndex
  readonly extras: RuleIndex
}

function indexesOf(rules: readonly CompiledRule[]): Indexes {
  const out = { denies: new RuleIndex(), allows: new RuleIndex(), extras: new RuleIndex() }
  for (const r of rules) (r.checked.kind === 'deny' ? out.denies : r.checked.kind === 'allow' ? out.allows : out.extras).add(r)
  return out
}

/** What a request's plan evaluates, in order. */
function stepsFor(indexes: Indexes, req: NormalizedRequest): { denies: Step[]; allows: Step[]; extras: CompiledRule[] } {
  const names = [req.actionName, ...req.groups]
  // Deny, require and audit rules are indexed under folded names (SEMANTICS.md §7).
  const folded = [req.foldedName, ...req.foldedGroups]
  return { denies: toSteps(indexes.denies.candidates(folded)), allows: toSteps(indexes.allows.candidates(names)), extras: indexes.extras.candidates(folded) }
}

/** An action name no pattern names: its plan holds only the rules for any action. */
const UNNAMED_ACTION = 'symbi-policy.unnamed-action'

/**
 * The sources of the generated functions this set's evaluator builds for a request naming any
 * action the set names (with the groups the vocabulary gives it) or none of them: what
 * `compile --target js` puts into a module, so that it decides with generated code even where
 * code generation from strings is disallowed. A request with groups of its own may need others;
 * those are generated at run time where allowed, or run as closures.
 */
export function generatedChunkBodies(set: PolicySet, rules: readonly CompiledRule[] = compileSet(set)): string[] {
  const indexes = indexesOf(rules)
  const env = { functions: set.functions, ladders: set.ladders }
  const actions = new Set<string>([UNNAMED_ACTION, ...set.checked.vocabulary.groupsOf.keys()])
  const addVerb = (p: ActionPattern): void => {
    const v = p.kind === 'call' ? p.verb : p
    if (v.kind === 'name') actions.add(v.name)
  }
  for (const r of rules) for (const p of [...r.checked.patterns, ...(r.checked.scope ?? [])]) addVerb(p)
  const bodies = new Set<string>()
  const addRun = (list: readonly CompiledRule[]): void => {
    for (const c of chunkSources(list, env)) bodies.add(c.body)
  }
  for (const action of actions) {
    let req: NormalizedRequest
    try {
      req = normalizeRequest({ principal: { id: UNNAMED_ACTION }, action }, set.checked.vocabulary)
    } catch {
      continue // a name no request can carry
    }
    const steps = stepsFor(indexes, req)
    for (const list of [steps.denies, steps.allows]) {
      for (const g of genSteps(list)) {
        if (g.run !== undefined) addRun(g.run.rules)
        else {
          const block = g.block as Block
          addRun(block.rules)
          for (const map of [block.strings, block.numbers, block.booleans] as ReadonlyMap<unknown, readonly CompiledRule[]>[]) for (const l of map.values()) addRun(l)
        }
      }
    }
  }
  return [...bodies].sort()
}

/** Compiled rules of one set, for `compileSet` to take unchanged rules from (see `compileRules`). */
export type RuleReuse = ReadonlyMap<CheckedRule, { readonly rule: CompiledRule; readonly scope: CheckedPolicy['scope'] }>

/** Indexes a set's compiled rules by their checked rule, for reuse by later compiles. */
// Stryker disable next-line BlockStatement,ArrayDeclaration: without entries (or without a table) nothing is reused and every rule is compiled afresh, which decides the same (test/compiler/rule-reuse.test.ts)
export function ruleReuse(set: PolicySet, rules: readonly CompiledRule[]): RuleReuse {
  const scopes = new Map<CheckedRule, CheckedPolicy['scope']>()
  for (const p of set.checked.policies) for (const r of p.rules) scopes.set(r, p.scope)
  // Stryker disable next-line ArrayDeclaration: as above
  return new Map(rules.map((r) => [r.checked, { rule: r, scope: scopes.get(r.checked) }]))
}

/**
 * Compiles a policy set's rules (the cacheable, version-independent part). `reuse`: compiled
 * rules of an earlier set in the same environment (mutation testing changes one rule at a time).
 */
export function compileSet(set: PolicySet, reuse?: RuleReuse): readonly CompiledRule[] {
  return compileRules(set.checked.policies, set.functions, set.ladders, reuse)
}

/**
 * Builds an evaluator stamped with `version`. `rules` may come from a compile cache; the
 * decisions every rule can return without errors are built here once and shared (frozen), so
 * the common outcomes allocate nothing per request.
 */
export function createEvaluator(set: PolicySet, version: number, rules: readonly CompiledRule[] = compileSet(set), options: EvaluatorOptions = {}): Evaluator {
  const clock = options.clock
  // A set that never calls `now()` does not read the clock per decision.
  const readsClock = setReadsClock(set)
  const preloaded = options.chunks !== undefined && options.chunks.size > 0 ? options.chunks : undefined
  const mode: EvaluatorMode = options.mode !== 'closures' && (codeGenerationAvailable() || preloaded !== undefined) ? 'generated' : 'closures'
  // Stryker disable next-line ArrayDeclaration: indexed by rule order and read only at the order of a deny rule, which every deny rule sets below
  const denied: Decision[] = []
  // Stryker disable next-line ArrayDeclaration: as denied, for allow rules
  const allowed: Decision[] = []
  for (const r of rules) {
    // Stryker disable next-line ConditionalExpression: a decision built for a rule of another kind is never read (orders are unique, and only a deny rule's order is read from denied); building none leaves every fired deny without a decision, which any test notices
    if (r.checked.kind === 'deny') denied[r.order] = deepFreeze(makeDecision({ effect: 'deny', reason: denyReason(r.checked) }, [r.checked.ref], [], version, undefined))
    // Stryker disable next-line ConditionalExpression: as above, for allowed
    if (r.checked.kind === 'allow') allowed[r.order] = deepFreeze(makeDecision({ effect: 'allow' }, [r.checked.ref], [], version, undefined))
  }
  const indexes = indexesOf(rules)
  // Two maps so that keys cannot collide: names and groups may hold any character (a NUL-joined
  // key let the action `read\u0000stats` poison the plan of `read` in group `stats`).
  const plainPlans = new Map<string, Plan>()
  const groupPlans = new Map<string, Plan>()
  // Set below, with the generated-code machinery; plans are only built once evaluation starts.
  let genPlan: (denies: readonly GenStep[], allows: readonly GenStep[]) => GenPlan = () => {
    throw new Error('generated plans are built only in generated mode')
  }
  // Valid action names seen in requests, each with its info and plan: a request that names one
  // (and no groups of its own) is normalised in one pass and finds its plan without a key.
  const actions = new Map<string, ActionEntry>()
  const remember = (req: NormalizedRequest): void => {
    // Stryker disable next-line ConditionalExpression: an entry never kept, or made again, only makes its plan and plan function again: the same decisions
    if (actions.has(req.actionName)) return
    // Stryker disable next-line ConditionalExpression,EqualityOperator: when the table is emptied bounds memory only
    if (actions.size >= PLAN_CACHE_SIZE) actions.clear()
    try {
      actions.set(req.actionName, { ...actionInfo(req.actionName, checked.vocabulary), plan: undefined, fast: undefined })
    } catch {
      // Not reachable for a name that was just accepted; without an entry the request takes the full path.
    }
  }
  // A request of the common shape keeps its plan on its action's entry; the entry takes the plan
  // the keyed caches hold (the name's first request took the full path and planned there), so a
  // name is planned once.
  const planFor = (req: NormalizedRequest): Plan => {
    const entry = (req as Normalized).info as ActionEntry | undefined
    // Stryker disable next-line ConditionalExpression: the entry only remembers the plan the keyed caches give for the same name (and without an entry the other branch throws at once)
    return entry === undefined ? keyedPlan(req) : (entry.plan ??= keyedPlan(req))
  }
  const keyedPlan = (req: NormalizedRequest): Plan => {
    const grouped = req.groups.size > 0
    const plans = grouped ? groupPlans : plainPlans
    // Stryker disable next-line MethodExpression: unsorted groups only make two orders of the same groups two keys of the same plan
    const key = grouped ? JSON.stringify([req.actionName, ...[...req.groups].sort()]) : req.actionName
    let plan = plans.get(key)
    // Stryker disable next-line ConditionalExpression: building the plan again builds the same plan
    if (plan === undefined) {
      plan = buildPlan(req)
      // Huge names or group lists are planned but not kept, so requests cannot pin memory here.
      // Stryker disable next-line all: which plans are kept bounds memory only; a plan not kept is built again, the same
      if (key.length <= MAX_PLAN_KEY) {
        // Stryker disable next-line all: as above
        if (plans.size >= PLAN_CACHE_SIZE) plans.clear()
        plans.set(key, plan)
      }
    }
    return plan
  }
  const buildPlan = (req: NormalizedRequest): Plan => {
    const { denies: d, allows: a, extras: x } = stepsFor(indexes, req)
    return mode === 'generated' ? { denies: d, allows: a, extras: x, generated: genPlan(genSteps(d), genSteps(a)) } : { denies: d, allows: a, extras: x }
  }
  const noAllow = deepFreeze(makeDecision({ effect: 'deny', reason: NO_ALLOW_REASON }, [], [], version, undefined))
  const memos: FinishMemos = new WeakMap()
  const { ladders, limits, checked } = set
  // Stryker disable next-line ObjectLiteral: prepare() replaces any first context that is not { now: NaN, … } before a rule reads it
  let lastCall: CallContext = { now: NaN, ladders, limits }

  /** NOT_APPLICABLE, FIRED, FALSE, or the error of the guard. */
  const run = (rule: CompiledRule, req: NormalizedRequest, c: CallContext): number | EvalError => {
    const slots = rule.match(req)
    if (slots === undefined) return NOT_APPLICABLE
    // Only deny matchers report a missing argument here (allow matchers do not fold).
    if (slots instanceof Missing) return missingArgumentError(slots.index)
    if (rule.guard === undefined) return FIRED
    let v: Value
    try {
      v = rule.guard({ r: req, b: slots, l: NO_LAMBDAS, c, k: rule.k })
    } catch (e) {
      return asEvalError(e)
    }
    if (v === true) return FIRED
    if (v === false) return FALSE
    return new EvalError('EVAL102', `the guard of ${rule.checked.ref.policy}[${rule.checked.ref.rule}] is not a boolean`)
  }

  /** Rules of a block that must be evaluated, in order. */
  const rulesOf = (block: Block, req: NormalizedRequest): readonly CompiledRule[] => {
    const v = blockValue(block, req, limits)
    if (v === undefined) return block.rules
    return literalRules(block, v) ?? NO_RULES
  }

  /** The normalised request (and `lastCall` set for it), or the deny of a malformed one. */
  const prepare = (request: AuthzRequest): NormalizedRequest | Decision => {
    let req: NormalizedRequest
    try {
      const common = normalizeCommon(request, actions)
      // Stryker disable next-line ConditionalExpression: normalizeRequest gives the request normalizeCommon gives (test/compiler/fast-paths.test.ts), only slower
      if (common !== undefined) req = common
      else {
        req = normalizeRequest(request, checked.vocabulary)
        remember(req)
      }
    } catch (e) {
      return makeDecision({ effect: 'deny', reason: invalidRequestReason(e) }, [], [], version, undefined)
    }
    const now = req.now ?? (readsClock ? readClock(clock) : NaN)
    // NaN (no clock read) equals the last NaN: no new context per request.
    if (now !== lastCall.now && (now === now || lastCall.now === lastCall.now)) lastCall = { now, ladders, limits }
    return req
  }

  const evaluate = (request: AuthzRequest): Decision => {
    const req = prepare(request)
    if (!(req instanceof Normalized)) return req as Decision
    const c = lastCall
    const plan = planFor(req)
    // Index loops: for-of over the steps measured ~25 % slower at 1,000 rules (generated mode).
    const denies = plan.denies
    for (let s = 0; s < denies.length; s++) {
      const step = denies[s] as Step
      // Single rules are the common step; they are handled without building a list.
      const list = 'rule' in step ? undefined : rulesOf(step.block, req)
      const n = list === undefined ? 1 : list.length
      for (let i = 0; i < n; i++) {
        const rule = list === undefined ? (step as { rule: CompiledRule }).rule : (list[i] as CompiledRule)
        const r = run(rule, req, c)
        if (r === FIRED) return denied[rule.order] as Decision
        if (r instanceof EvalError) return makeDecision({ effect: 'deny', reason: denyErrorReason(rule.checked, r) }, [rule.checked.ref], [ruleError(rule.checked, r)], version, undefined)
      }
    }
    let errors: DecisionError[] | undefined
    let allow: CompiledRule | undefined
    const allows = plan.allows
    outer: for (let s = 0; s < allows.length; s++) {
      const step = allows[s] as Step
      const list = 'rule' in step ? undefined : rulesOf(step.block, req)
      const n = list === undefined ? 1 : list.length
      for (let i = 0; i < n; i++) {
        const rule = list === undefined ? (step as { rule: CompiledRule }).rule : (list[i] as CompiledRule)
        const r = run(rule, req, c)
        if (r === FIRED) {
          allow = rule
          break outer
        }
        if (r instanceof EvalError) (errors ??= []).push(ruleError(rule.checked, r))
      }
    }
    if (allow === undefined) return errors === undefined ? noAllow : makeDecision({ effect: 'deny', reason: NO_ALLOW_REASON }, [], errors, version, undefined)
    if (plan.extras.length === 0 && errors === undefined) return allowed[allow.order] as Decision
    return finish(allow, plan.extras, req, c, errors ?? [], version, memos)
  }
  let indexedRules = 0
  for (const r of rules) if (r.equality !== undefined) indexedRules++
  if (mode === 'closures') return { evaluate, version, hash: set.hash, mode, readsClock, fallbackRuns: 0, indexedRules, fastPlans: 0 }

  const env = preloaded === undefined ? { functions: set.functions, ladders } : { functions: set.functions, ladders, preloaded }
  let fallbackRuns = 0
  const chunksOf = (run: GenRun): readonly Chunk[] => {
    // Stryker disable next-line ConditionalExpression: generating a run's chunks again gives the same functions (cached by source)
    if (run.chunks === undefined) {
      try {
        run.chunks = generateChunks(run.rules, env)
      } catch {
        // A generator fault must cost speed, not a decision: these rules run as closures.
        run.chunks = [closureChunk(run.rules)]
        fallbackRuns++
      }
    }
    return run.chunks
  }
  /** The run a step evaluates for this request (as `rulesOf` picks a block's rules). */
  const runOf = (step: GenStep, req: NormalizedRequest): GenRun => {
    if (step.run !== undefined) return step.run
    const block = step.block as Block
    const v = blockValue(block, req, limits)
    if (v === undefined) return step.all as GenRun
    if (typeof v === 'string') return runFor(step.strings as Map<string, GenRun>, block.strings, v)
    if (typeof v === 'number') return runFor(step.numbers as Map<number, GenRun>, block.numbers, v === 0 ? 0 : v)
    if (typeof v === 'boolean') return runFor(step.booleans as Map<boolean, GenRun>, block.booleans, v)
    return NO_RUN
  }
  // Stryker disable next-line ArrowFunction,ConditionalExpression: without a flat list a plan walks its steps, which run the same chunks in the same order
  const flatChunks = (steps: readonly GenStep[]): readonly Chunk[] | undefined => (steps.every((st) => st.run !== undefined) ? steps.flatMap((st) => chunksOf(st.run as GenRun)) : undefined)
  genPlan = (denies: readonly GenStep[], allows: readonly GenStep[]): GenPlan => ({ denies, allows, denyChunks: flatChunks(denies), allowChunks: flatChunks(allows) })
  // Rule failures reported by chunks; one array reused unless an evaluation is re-entered
  // (a host function that evaluates another request).
  // Stryker disable next-line ArrayDeclaration: the scratch array is emptied before each use
  const scratch: unknown[] = []
  let depth = 0

  /** A deny chunk's outcome: the decision, or undefined when none of its rules fired or failed. */
  const denyChunk = (chunk: Chunk, req: NormalizedRequest, c: CallContext, E: unknown[]): Decision | undefined => {
    const r = chunk.fn(req, c, chunk.K, E)
    if (r === CHUNK_FIRED_NONE) return undefined
    if (r >= 0) return denied[(chunk.rules[r] as CompiledRule).order] as Decision
    const rule = chunk.rules[E[0] as number] as CompiledRule
    const err = failure(rule, E[1])
    return makeDecision({ effect: 'deny', reason: denyErrorReason(rule.checked, err) }, [rule.checked.ref], [ruleError(rule.checked, err)], version, undefined)
  }
  /** The failures an allow chunk reported, added to `errors` (and `E` emptied). */
  const collect = (chunk: Chunk, E: unknown[], errors: DecisionError[] | undefined): DecisionError[] => {
    const out = errors ?? []
    for (let i = 0; i < E.length; i += 2) {
      const rule = chunk.rules[E[i] as number] as CompiledRule
      out.push(ruleError(rule.checked, failure(rule, E[i + 1])))
    }
    E.length = 0
    return out
  }

  const decide = (req: NormalizedRequest, c: CallContext, plan: Plan, E: unknown[]): Decision => {
    const g = plan.generated as GenPlan
    const dc = g.denyChunks
    // Stryker disable next-line ConditionalExpression: the steps hold the same chunks in the same order as the flat list
    if (dc !== undefined) {
      for (let i = 0; i < dc.length; i++) {
        const d = denyChunk(dc[i] as Chunk, req, c, E)
        if (d !== undefined) return d
      }
    } else {
      const steps = g.denies
      for (let i = 0; i < steps.length; i++) {
        const chunks = chunksOf(runOf(steps[i] as GenStep, req))
        for (let j = 0; j < chunks.length; j++) {
          const d = denyChunk(chunks[j] as Chunk, req, c, E)
          if (d !== undefined) return d
        }
      }
    }
    let errs: DecisionError[] | undefined
    let allow: CompiledRule | undefined
    const ac = g.allowChunks
    // Stryker disable next-line ConditionalExpression: as above
    if (ac !== undefined) {
      for (let i = 0; i < ac.length; i++) {
        const chunk = ac[i] as Chunk
        const r = chunk.fn(req, c, chunk.K, E)
        if (E.length !== 0) errs = collect(chunk, E, errs)
        if (r >= 0) {
          allow = chunk.rules[r]
          break
        }
      }
    } else {
      const steps = g.allows
      outer: for (let i = 0; i < steps.length; i++) {
        const chunks = chunksOf(runOf(steps[i] as GenStep, req))
        for (let j = 0; j < chunks.length; j++) {
          const chunk = chunks[j] as Chunk
          const r = chunk.fn(req, c, chunk.K, E)
          if (E.length !== 0) errs = collect(chunk, E, errs)
          if (r >= 0) {
            allow = chunk.rules[r]
            break outer
          }
        }
      }
    }
    if (allow === undefined) return errs === undefined ? noAllow : makeDecision({ effect: 'deny', reason: NO_ALLOW_REASON }, [], errs, version, undefined)
    if (plan.extras.length === 0 && errs === undefined) return allowed[allow.order] as Decision
    return finish(allow, plan.extras, req, c, errs ?? [], version, memos)
  }

  // The call context of plan functions: they run only in sets that never read the clock, and
  // only for requests without a time of their own.
  const fastCall: CallContext = { now: NaN, ladders, limits }
  let fastPlans = 0
  /** The plan function of an action name's plan, or null when it cannot have one. */
  const fastPlanOf = (info: ActionInfo, plan: Plan): FastPlan | null => {
    if (readsClock || plan.extras.length > 0) return null
    const steps: readonly Step[] = [...plan.denies, ...plan.allows]
    try {
      const src = planSource(steps, info, env)
      if (src === undefined) return null
      const fn = planFunction(src.body)
      const D = steps.map((st) => ('rule' in st ? decisionOf(st.rule) : undefined))
      D.push(noAllow)
      const blocks = steps.flatMap((st) => ('block' in st ? [st.block] : []))
      const B = blocks.map((block, j) => blockDispatch(block, info, src.shapes[j]))
      fastPlans++
      return { fn, K: src.K, D, B }
    } catch {
      // Code generation disallowed, or a generator fault: the name keeps the full path.
      return null
    }
  }
  const decisionOf = (r: CompiledRule): Decision => (r.checked.kind === 'deny' ? denied[r.order] : allowed[r.order]) as Decision
  /**
   * What serves a block step per literal — its sub-plan, or a uniform block's constants and
   * decision — made on first use and kept by the literal itself (one lookup per request): only
   * literals of the block's rules get an entry, so requests cannot grow the tables.
   */
  const blockDispatch = (block: Block, info: ActionInfo, shape: UniformShape | undefined): BlockDispatch => {
    /** A table by literal of what `make` gives (null: it could not, and the plan function bails on that literal each time). */
    const perLiteral = <T extends object>(make: (rules: readonly CompiledRule[]) => T | null) => {
      // A Map tells "1" from 1 and true from "true", and 0 from -0 not at all (SameValueZero), as the block's maps.
      const table = new Map<unknown, T | null>()
      const get = (v: unknown): T | undefined => {
        let t = table.get(v)
        if (t === undefined) {
          const rules = literalRules(block, v)
          if (rules === undefined) return undefined
          table.set(v, (t = make(rules)))
        }
        if (t === null) throw BAIL
        return t
      }
      return { table, get }
    }
    const subs = perLiteral((rules): SubPlan | null => {
      try {
        const src = subSource(rules, info, env)
        return src === undefined ? null : { fn: subFunction(src.body), K: src.K, D: rules.map(decisionOf) }
      } catch {
        return null
      }
    })
    const ones = perLiteral((rules) => {
      const rule = rules[0] as CompiledRule
      const k = shape !== undefined && rules.length === 1 ? literalConstants(rule, shape, info, env) : undefined
      return k === undefined ? null : { k, d: decisionOf(rule) }
    })
    return { sub: subs.get, one: ones.get, ones: ones.table }
  }

  const evaluateGenerated = (request: AuthzRequest): Decision => {
    const req = prepare(request)
    if (!(req instanceof Normalized)) return req as Decision
    const E = depth === 0 ? scratch : []
    if (E.length !== 0) E.length = 0
    // Stryker disable next-line UpdateOperator: depth only chooses between the scratch array and a fresh one; a count that never returns to 0 only allocates a fresh one every time
    depth++
    try {
      const plan = planFor(req)
      const entry = req.info as ActionEntry | undefined
      if (entry !== undefined && entry.fast === undefined) entry.fast = fastPlanOf(entry, plan)
      return decide(req, lastCall, plan, E)
    } finally {
      // Stryker disable next-line UpdateOperator: as above
      depth--
    }
  }
  const table: PlanTable = { entries: actions, c: fastCall, full: evaluateGenerated }
  const entry = planEntry(table)
  return {
    evaluate: entry ?? evaluateGenerated,
    ...(entry === undefined ? {} : { plans: table }),
    version,
    hash: set.hash,
    mode,
    readsClock,
    get fallbackRuns() {
      return fallbackRuns
    },
    indexedRules,
    get fastPlans() {
      return fastPlans
    },
  }
}

/** The error a chunk reported for a rule (see compiler/generate/chunk.ts), as closures build it. */
function failure(rule: CompiledRule, what: unknown): EvalError {
  if (what instanceof EvalError) return what
  if (what instanceof Missing) return missingArgumentError(what.index)
  return new EvalError('EVAL102', `the guard of ${rule.checked.ref.policy}[${rule.checked.ref.rule}] is not a boolean`)
}

/**
 * Shared outcomes of the third phase, per plan (its `extras`): key = the allow rule's order and
 * the set of extras that took part. Only outcomes that are the same for every request reaching
 * them are kept: no errors, no approval asked, every condition value a literal.
 */
type FinishMemos = WeakMap<readonly CompiledRule[], Map<number, Decision>>

/** Outcomes kept per plan at most; past it they are built per request as before. */
const FINISH_MEMO_MAX = 1024

/** Require and audit rules, exactly as the interpreter's third phase. */
function finish(allow: CompiledRule, extras: readonly CompiledRule[], req: NormalizedRequest, c: CallContext, errors: DecisionError[], version: number, memos: FinishMemos): Decision {
  const determining: DeterminingRule[] = [allow.checked.ref]
  const conditions: Condition[] = []
  const approvers: string[] = []
  const approvalRules: DeterminingRule[] = []
  // Which extras took part (bit i: extras[i]), while the outcome stays the same for any request.
  let shared = extras.length <= 30 && errors.length === 0
  let took = 0
  for (let i = 0; i < extras.length; i++) {
    const rule = extras[i] as CompiledRule
    const slots = rule.match(req)
    if (slots === undefined) continue
    const checked = rule.checked
    if (slots instanceof Missing) {
      if (checked.kind === 'audit') continue
      const err = missingArgumentError(slots.index)
      errors.push(ruleError(checked, err))
      return makeDecision({ effect: 'deny', reason: requirementReason(`${checked.source} (${err.message})`) }, [checked.ref], errors, version, undefined)
    }
    const s = { r: req, b: slots, l: NO_LAMBDAS, c, k: rule.k }
    if (rule.guard !== undefined) {
      let g: Value | EvalError
      try {
        g = rule.guard(s)
        if (typeof g !== 'boolean') g = new EvalError('EVAL102', `the guard of ${checked.ref.policy}[${checked.ref.rule}] is not a boolean`)
      } catch (e) {
        g = asEvalError(e)
      }
      if (g instanceof EvalError) {
        errors.push(ruleError(checked, g))
        if (checked.kind === 'require') return makeDecision({ effect: 'deny', reason: requirementReason(`${checked.source} (${g.message})`) }, [checked.ref], errors, version, undefined)
      } else if (g !== true) continue
    }
    let unmetHere = false
    for (const item of rule.items) {
      if (item.kind === 'precondition') {
        let v: Value | undefined
        try {
          v = item.fn(s)
          if (typeof v !== 'boolean') errors.push(ruleError(checked, new EvalError('EVAL102', `requirement \`${item.source}\` is not a boolean`)))
        } catch (e) {
          errors.push(ruleError(checked, asEvalError(e)))
        }
        if (v !== true) return makeDecision({ effect: 'deny', reason: requirementReason(item.source) }, [checked.ref], errors, version, undefined)
      } else if (item.kind === 'approval') {
        shared = false
        if (!req.approvals.has(item.approver)) {
          if (!approvers.includes(item.approver)) approvers.push(item.approver)
          unmetHere = true
        }
      } else {
        let value: Value | undefined
        if (item.fn !== undefined) {
          if (item.constant !== true) shared = false
          try {
            value = item.fn(s)
          } catch (e) {
            const err = asEvalError(e)
            errors.push(ruleError(checked, err))
            if (item.kind === 'obligation') return makeDecision({ effect: 'deny', reason: requirementReason(`${item.name} (${err.message})`) }, [checked.ref], errors, version, undefined)
          }
        }
        conditions.push(condition(item.kind === 'obligation' ? 'obligation' : 'audit', item.name, value, checked.modifiers))
      }
    }
    if (unmetHere) approvalRules.push(checked.ref)
    determining.push(checked.ref)
    took |= 1 << i
  }
  const errs = errors.length === 0 ? (NO_ERRORS as DecisionError[]) : errors
  if (approvers.length > 0) return makeDecision({ effect: 'require_approval', approvers }, approvalRules, errs, version, undefined)
  let memo: Map<number, Decision> | undefined
  // Stryker disable next-line ArithmeticOperator: `took` is below 2^30 (at most 30 extras), so order·2^30 − took and order/2^30 + took are as unique per (order, took) as the sum
  const key = allow.order * 2 ** 30 + took
  if (shared && errors.length === 0) {
    memo = memos.get(extras)
    if (memo === undefined) memos.set(extras, (memo = new Map()))
    const kept = memo.get(key)
    if (kept !== undefined) return kept
  }
  const decision = conditions.length > 0 ? makeDecision({ effect: 'allow_with_conditions', conditions }, determining, errs, version, undefined) : makeDecision({ effect: 'allow' }, determining, errs, version, undefined)
  if (memo === undefined || memo.size >= FINISH_MEMO_MAX) return decision
  memo.set(key, deepFreeze(decision))
  return decision
}
