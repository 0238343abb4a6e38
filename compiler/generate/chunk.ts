/**
 * A run of deny or allow rules → one generated JavaScript function (a chunk), the way Ajv turns
 * a schema into source: the rules' matchers, guards and strict-boolean checks become
 * straight-line code over the request, reads shared by the rules are done once, and the
 * function returns which rule decided instead of building anything.
 *
 * A chunk `fn(req, c, K, E)` evaluates its rules in order (`K[i]` is rule i's constant array:
 * its matcher, then its literals) and returns:
 * - `i ≥ 0`: rule i fired;
 * - `-1`: none fired;
 * - `-2` (deny chunks): rule `E[0]` failed with `E[1]`, and evaluation stops there.
 * An allow chunk records each failing rule as the pair `i, what` in `E` and goes on. `what` is
 * an `EvalError`, a `Missing` (deny matchers only) or the non-boolean value a guard returned;
 * the evaluator turns it into the decision's error exactly as it does for closures.
 *
 * Chunks are kept small (V8 does not optimise very large functions) and cached by source, so
 * rules that differ only in literals share one function and are optimised once.
 */
import { LRUCache } from 'lru-cache'
import type { Builtin, CallContext } from '../../stdlib/builtin-types.js'
import type { Ladders } from '../../stdlib/ladders.js'
import type { Value } from '../../stdlib/value.js'
import { Missing, type CompiledRule } from '../compile-rules.js'
import { asEvalError } from '../decisions.js'
import { asciiFold, type NormalizedRequest } from '../request.js'
import { quote } from '../codegen/quote.js'
import { ReadSlots, valueSource, type ExprContext } from './expr.js'
import { helpers, type Helpers } from './helpers.js'

/** A generated chunk function (see the module comment). */
export type ChunkFn = (req: NormalizedRequest, c: CallContext, K: readonly (readonly unknown[])[], E: unknown[]) => number

/** A run of rules and the function that evaluates them. */
export interface Chunk {
  readonly rules: readonly CompiledRule[]
  readonly fn: ChunkFn
  readonly K: readonly (readonly unknown[])[]
}

/** What generating code for a set needs besides its rules. */
export interface GenerateEnv {
  readonly functions: ReadonlyMap<string, Builtin>
  readonly ladders: Ladders
  /** Chunk functions by source, carried by a compiled module (used before generating any). */
  readonly preloaded?: ReadonlyMap<string, ChunkFn>
}

export const CHUNK_FIRED_NONE = -1
export const CHUNK_FAILED = -2

/** Most rules per chunk, and the source size after which a chunk is closed. */
const MAX_RULES = 64
const MAX_SOURCE = 24_000

/**
 * What a compiled module carries per chunk: `function ($, U) { "use strict"; <body> }`, where the
 * body defines the chunk's reader functions and returns `function chunk(req, c, K, E) { … }`.
 */
export type ChunkFactory = ($: Helpers, U: symbol) => ChunkFn

/** Generated functions (chunks, plan functions) by source, shared by every evaluator (the source carries no set data). */
const functions = new LRUCache<string, NonNullable<unknown>>({ maxSize: 32 * 1024 * 1024, sizeCalculation: (_f, source) => source.length + 1 })

let available: boolean | undefined

/**
 * Whether this process may generate code from strings (not under
 * `--disallow-code-generation-from-strings`, a CSP without 'unsafe-eval', or a frozen realm).
 */
export function codeGenerationAvailable(): boolean {
  if (available === undefined) {
    try {
      available = (new Function('return 1') as () => unknown)() === 1
    } catch {
      available = false
    }
  }
  return available
}

/**
 * The match of a rule as a condition on the request; undefined when the rule's matcher must be
 * called (a glob, a policy scope, or a binder some patterns do not bind, which needs the
 * matcher's slot array). Several patterns are alternatives, as in compile-rules.ts `firstMatch`.
 * `verb`, when given, decides each verb name now (a plan function knows its action): an
 * alternative whose verb does not match is dropped, and `false` stands for none left.
 */
export function inlineMatch(rule: CompiledRule, cx: ExprContext, verb?: (name: string) => boolean): string | undefined {
  const kind = rule.checked.kind
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator,StringLiteral: chunks hold allow and deny rules only (the evaluator's plans and generatedChunkBodies pass no others)
  if (kind !== 'allow' && kind !== 'deny') return undefined
  if (rule.scoped || rule.binders.size > 0 || rule.checked.patterns.length === 0) return undefined
  const alternatives: string[] = []
  for (const p of rule.checked.patterns) {
    const v = p.kind === 'call' ? p.verb : p
    const conds: string[] = []
    if (v.kind === 'name') {
      if (verb !== undefined) {
        if (!verb(v.name)) continue
      } else {
        // As compile-rules.ts `verbTest`: deny rules match folded names, allow rules exact ones. The
        // outcome is cached per chunk: the rules of a chunk mostly name the same verbs.
        const n = quote(kind === 'deny' ? asciiFold(v.name) : v.name)
        // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral: the rules of a chunk are all deny or all allow, so a folded and an exact test of one name never share a chunk's cache; the prefix only keeps the keys apart
        const m = cx.reads.slot(`m${kind === 'deny' ? 'f' : 'x'}${n}`)
        const test = kind === 'deny' ? `req.foldedName === ${n} || (req.foldedGroups.size > 0 && req.foldedGroups.has(${n}))` : `req.actionName === ${n} || (req.groups.size > 0 && req.groups.has(${n}))`
        conds.push(`(${m} !== U ? ${m} : (${m} = ${test}))`)
      }
      // Stryker disable next-line StringLiteral: an `any` verb left to the matcher is matched by it the same way, only through a call
    } else if (v.kind !== 'any') return undefined
    if (p.kind === 'call') {
      p.args.forEach((a, i) => {
        const arg = cx.reads.arg(i)
        conds.push(a.kind === 'literal' ? `$.literalArg(${arg}, k[${cx.k.push(a.value) - 1}])` : `${arg} !== undefined`)
      })
    }
    alternatives.push(conds.length === 0 ? 'true' : conds.join(' && '))
  }
  if (alternatives.length === 0) return 'false'
  return alternatives.length === 1 ? alternatives[0] : alternatives.map((a) => `(${a})`).join(' || ')
}

function ruleSource(rule: CompiledRule, index: number, cx: ExprContext): string {
  const deny = rule.checked.kind === 'deny'
  cx.reads.nextRule()
  const inline = inlineMatch(rule, cx)
  const lines = [`k = K[${index}]`]
  if (inline === undefined) {
    lines.push('S = k[0](req)', 'if (S !== undefined) {')
    // Only folding (deny) matchers report an argument the request lacks; a deny then fails closed.
    if (deny) lines.push(`  if (S instanceof $.Missing) { E.push(${index}, S); return -2 }`)
  } else lines.push('S = $.NO_SLOTS', `if (${inline}) {`)
  if (rule.checked.guard === undefined) lines.push(`  return ${index}`)
  else {
    lines.push(`  try { g = ${valueSource(rule.checked.guard, cx)} } catch (e) { g = $.err(e) }`)
    lines.push(`  if (g === true) return ${index}`)
    lines.push(deny ? `  if (g !== false) { E.push(${index}, g); return -2 }` : `  if (g !== false) E.push(${index}, g)`)
  }
  // A deny whose inline match failed may still name an argument the request lacks: its matcher says.
  if (inline !== undefined && deny) lines.push(`} else if ((S = k[0](req)) instanceof $.Missing) { E.push(${index}, S); return -2 }`)
  else lines.push('}')
  return lines.join('\n')
}

/**
 * The function a factory body (`function ($, U) { "use strict"; <body> }`) returns, generated
 * once per source and cached by it. Throws where code generation from strings is disallowed.
 */
export function fromSource<F>(body: string): F {
  let fn = functions.get(body)
  if (fn === undefined) {
    const factory = new Function('$', 'U', `"use strict";\n${body}`) as ($: Helpers, U: symbol) => NonNullable<unknown>
    fn = factory(helpers, helpers.U)
    functions.set(body, fn)
  }
  return fn as F
}

function instantiate(body: string, preloaded: ReadonlyMap<string, ChunkFn> | undefined): ChunkFn {
  return preloaded?.get(body) ?? fromSource<ChunkFn>(body)
}

/**
 * The source of one chunk over `rules` (exported for review and tests): the body of its factory,
 * which defines the chunk's readers and returns the chunk function.
 */
export function chunkSource(rules: readonly CompiledRule[], env: GenerateEnv): { body: string; K: unknown[][] } {
  const reads = new ReadSlots()
  const K: unknown[][] = []
  const parts: string[] = []
  rules.forEach((rule, i) => {
    const k: unknown[] = [rule.match]
    parts.push(ruleSource(rule, i, { binders: rule.binders, fixedBinders: rule.fixedBinders, functions: env.functions, ladders: env.ladders, k, reads }))
    K.push(k)
  })
  const locals = ['k', 'S', 'g', reads.declarations()].filter((s) => s !== '').join(', ')
  const prelude = reads.prelude()
  return { body: `${prelude === '' ? '' : `${prelude}\n`}return function chunk(req, c, K, E) {\nlet ${locals}\n${parts.join('\n')}\nreturn -1\n}`, K }
}

/** How `rules` split into chunks, with each chunk's source and constants (nothing instantiated). */
export function chunkSources(rules: readonly CompiledRule[], env: GenerateEnv): { rules: readonly CompiledRule[]; body: string; K: unknown[][] }[] {
  const out: { rules: readonly CompiledRule[]; body: string; K: unknown[][] }[] = []
  let start = 0
  while (start < rules.length) {
    // At most MAX_RULES rules; halved while the source is over MAX_SOURCE.
    let end = Math.min(rules.length, start + MAX_RULES)
    let src = chunkSource(rules.slice(start, end), env)
    while (end - start > 1 && src.body.length > MAX_SOURCE) {
      end = start + Math.max(1, Math.floor((end - start) / 2))
      src = chunkSource(rules.slice(start, end), env)
    }
    out.push({ rules: rules.slice(start, end), body: src.body, K: src.K })
    start = end
  }
  return out
}

/**
 * Generates the chunks that evaluate `rules` in order (all deny or all allow rules). Throws when
 * a chunk's function is neither preloaded nor can be generated here.
 */
export function generateChunks(rules: readonly CompiledRule[], env: GenerateEnv): Chunk[] {
  return chunkSources(rules, env).map((c) => ({ rules: c.rules, fn: instantiate(c.body, env.preloaded), K: c.K }))
}

/** Instantiates the chunk functions a compiled module carries: its sources with their factories. */
export function preloadedChunks(entries: readonly (readonly [string, ChunkFactory])[]): ReadonlyMap<string, ChunkFn> {
  return new Map(entries.map(([body, factory]) => [body, factory(helpers, helpers.U)]))
}

const NO_FRAMES: readonly (readonly Value[])[] = Object.freeze([])

/**
 * The same protocol over the rules' closures: used for a run whose source could not be
 * generated, so a fault in the generator costs speed, never a decision.
 */
export function closureChunk(rules: readonly CompiledRule[]): Chunk {
  const fn: ChunkFn = (req, c, _K, E) => {
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i] as CompiledRule
      const S = rule.match(req)
      if (S === undefined) continue
      const deny = rule.checked.kind === 'deny'
      if (S instanceof Missing) {
        E.push(i, S)
        return CHUNK_FAILED
      }
      if (rule.guard === undefined) return i
      let g: unknown
      try {
        g = rule.guard({ r: req, b: S, l: NO_FRAMES, c, k: rule.k })
      } catch (e) {
        g = asEvalError(e)
      }
      if (g === true) return i
      if (g !== false) {
        E.push(i, g)
        if (deny) return CHUNK_FAILED
      }
    }
    return CHUNK_FIRED_NONE
  }
  return { rules, fn, K: [] }
}
