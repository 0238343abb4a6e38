/**
 * IR expressions → JavaScript expression source, for the generated evaluator (chunk.ts).
 *
 * The source mirrors compile-expr.ts closure for closure (evaluation order, strict booleans,
 * read checks), calling the helpers of helpers.ts where a closure calls the stdlib. Two things
 * differ, and neither changes a result:
 *
 * - Reads rooted in the request (`principal.level`, a binder every pattern binds at one
 *   argument position) are cached in locals of the generated function, so a chunk of rules
 *   reads each path once per request. Reads are pure; a read that fails leaves its slot empty,
 *   so every rule that reaches it fails with the same error, as with closures.
 * - Forms that are rare in guards (calls, lambdas, `if`, literals of arrays and records) are
 *   not generated: the closure compile-expr.ts builds for that sub-expression is called.
 *
 * Nothing from a policy reaches the source except through `quote` (property and variable
 * names); literal values are read from the rule's constant array `k`, so rules that differ
 * only in literals produce the same source and share one generated function.
 */
import type { Expr } from '../../grammar/ir.js'
import type { Builtin } from '../../stdlib/builtin-types.js'
import { durationFromLiteral } from '../../stdlib/durations.js'
import type { Ladders } from '../../stdlib/ladders.js'
import type { Value } from '../../stdlib/value.js'
import { quote } from '../codegen/quote.js'
import { compileExpr, singleLadderRanks, type Scope } from '../compile-expr.js'
import { INDEX_WHAT, memberWhat, nameWhat } from '../interpreter.js'

/** Reads cached in one generated function: cache key → local variable. */
export class ReadSlots {
  private readonly slots = new Map<string, string>()

  /**
   * `fast`: the reads of a plan function (plan.ts), which reads the raw request's `principal`,
   * `resource` and `context` as `P`, `R` and `C` — no normalised request exists there.
   */
  constructor(readonly fast = false) {}

  /** The local for a cache key, allocated on first use. */
  slot(key: string): string {
    let v = this.slots.get(key)
    if (v === undefined) {
      v = `r${this.slots.size}`
      this.slots.set(key, v)
    }
    return v
  }

  private readonly args = new Set<number>()

  /** The local holding argument `i` of the action (compiler/patterns.ts `argAt`), read once per call. */
  arg(i: number): string {
    this.args.add(i)
    return `a${i}`
  }

  private temps = 0
  private maxTemps = 0

  /** A fresh temporary for one rule's expressions. */
  temp(): string {
    const t = `t${this.temps++}`
    if (this.temps > this.maxTemps) this.maxTemps = this.temps
    return t
  }

  /** Temporaries are reused by the next rule. */
  nextRule(): void {
    this.temps = 0
  }

  private readonly readers = new Map<string, { name: string; source: string }>()

  /**
   * The reader function for `key` (one per chunk, defined outside the chunk function by
   * `prelude`): each has its own inline caches, so a read of `type` stays a monomorphic load
   * where a shared helper sees every object of every request.
   */
  reader(key: string, define: (name: string) => string): string {
    let r = this.readers.get(key)
    if (r === undefined) {
      const name = `$r${this.readers.size}`
      r = { name, source: define(name) }
      this.readers.set(key, r)
    }
    return r.name
  }

  /** The reader functions' definitions, for the scope around the chunk function. */
  prelude(): string {
    return [...this.readers.values()].map((r) => r.source).join('\n')
  }

  /** Declarations of every local allocated, the read slots starting unread. */
  declarations(): string {
    const temps = Array.from({ length: this.maxTemps }, (_, i) => `t${i}`)
    // A plan function decides only actions named by a string: no arguments, so argument 0 is the resource.
    const arg = this.fast ? (i: number) => (i === 0 ? 'a0 = R' : `a${i} = undefined`) : (i: number) => (i === 0 ? 'a0 = req.args.length > 0 ? req.args[0] : req.resource' : `a${i} = req.args[${i}]`)
    const args = [...this.args].sort((a, b) => a - b).map(arg)
    return [...args, ...[...this.slots.values()].map((v) => `${v} = U`), ...temps].join(', ')
  }
}

/** Thrown while generating a plan function for a form it does not decide (plan.ts then makes none). */
export class NotFast extends Error {}

/** What generating one rule's expressions needs. */
export interface ExprContext {
  readonly binders: ReadonlyMap<string, number>
  readonly fixedBinders: ReadonlyMap<string, number>
  readonly functions: ReadonlyMap<string, Builtin>
  readonly ladders: Ladders
  /** The rule's constant array, read by the source as `k[i]`; slot 0 holds its matcher. */
  readonly k: unknown[]
  readonly reads: ReadSlots
}

/**
 * Generated source; `key`: the read's cache key (absent when it depends on the rule);
 * `type`: the JavaScript type the code certainly yields, which spares the checks of that type.
 */
type Source = { readonly code: string; readonly key?: string; readonly type?: 'boolean' | 'number' | 'string' }

function constant(v: unknown, cx: ExprContext): string {
  return `k[${cx.k.push(v) - 1}]`
}

function cached(key: string | undefined, code: string, cx: ExprContext): Source {
  if (key === undefined) return { code }
  const v = cx.reads.slot(key)
  return { code: `(${v} !== U ? ${v} : (${v} = ${code}))`, key }
}

/** A name: where its value comes from, and the cache key of that origin when it has one. */
function nameSource(name: string, cx: ExprContext): Source {
  const fixed = cx.fixedBinders.get(name)
  // The pattern matched, so the argument exists and is the binder's value (compile-expr.ts resolveName).
  if (fixed !== undefined) return { code: cx.reads.arg(fixed), key: `#${fixed}` }
  const slot = cx.binders.get(name)
  if (slot === undefined) return { code: cx.reads.fast ? fastName(name, cx) : `$.name(req, ${quote(name)})`, key: `@${name}` }
  // A plan function has no slot array (it takes only rules whose matches bind nothing variable).
  if (cx.reads.fast) throw new NotFast()
  // A rule with several patterns may match through one that does not bind this name.
  return { code: `(S[${slot}] !== undefined ? S[${slot}] : $.name(req, ${quote(name)}))` }
}

/**
 * helpers.ts `name` over a plan function's `P`, `R` and `C`: a context attribute, else the
 * built-in name. What a plan function does not hold — an absent resource, an unbound name —
 * bails out (`$.bail` throws, the plan function returns undefined, and the evaluator's
 * full path gives the value or the error).
 */
function fastName(name: string, cx: ExprContext): string {
  // `action` would bail on every request (its value is built by the normalised request): no plan function.
  if (name === 'action') throw new NotFast()
  const n = quote(name)
  // An absent resource is `R === undefined`, which every read of a name's value refuses (`$.value`,
  // the base readers): the plan function bails there, and the full path reports the unbound name.
  const builtin = name === 'principal' ? 'P' : name === 'context' ? 'C' : name === 'resource' ? 'R' : '$.bail()'
  // `Object.hasOwn` without its call (a builtin call per read): the prologue saw that `C` is a
  // plain record, so a defined value not also on Object.prototype is `C`'s own, and an undefined
  // one not `in C` is no attribute at all. Anything else (an own `undefined`, a polluted
  // Object.prototype) bails.
  const t = cx.reads.temp()
  return `((${t} = C[${n}]) === undefined ? (${n} in C ? $.bail() : ${builtin}) : ${n} in $.OP ? $.bail() : ${t})`
}

/** Source of `e` used as a value. */
export function valueSource(e: Expr, cx: ExprContext): string {
  return value(e, cx).code
}

function value(e: Expr, cx: ExprContext): Source {
  switch (e.kind) {
    case 'String':
      return { code: constant(e.value, cx), type: 'string' }
    case 'Number':
      return { code: constant(e.value, cx), type: 'number' }
    case 'Bool':
      return { code: constant(e.value, cx), type: 'boolean' }
    case 'Duration':
      return { code: constant(durationFromLiteral(e.amount, e.unit), cx) }
    case 'Ident': {
      const n = nameSource(e.name, cx)
      return cached(n.key === undefined ? undefined : `v${n.key}`, `$.value(${n.code}, c.limits, ${quote(nameWhat(e.name))})`, cx)
    }
    case 'Member': {
      const o = base(e.object, cx)
      const key = o.key === undefined ? undefined : `v${o.key}.${e.property}`
      const what = quote(memberWhat(e.property))
      // `$duration` never takes the record fast path (compile-expr.ts `member`).
      if (e.property === '$duration') return cached(key, `$.value($.get(${o.code}, ${quote(e.property)}), c.limits, ${what})`, cx)
      if (!checkedBase(e.object)) return cached(key, `$.member(${o.code}, ${quote(e.property)}, c.limits, ${what})`, cx)
      return cached(key, readMember(o.code, e.property, what, cx), cx)
    }
    case 'Index':
      return { code: `$.value($.index(${base(e.object, cx).code}, ${value(e.index, cx).code}), c.limits, ${quote(INDEX_WHAT)})` }
    case 'Unary': {
      if (e.op === '-') return { code: `$.neg(${value(e.operand, cx).code})` }
      return { code: `!${boolean(value(e.operand, cx), `operand of \`${e.op}\``, cx)}`, type: 'boolean' }
    }
    case 'Binary':
      return binary(e, cx)
    default:
      return { code: fallback(e, cx) }
  }
}

/** Whether `base(e)` yields a value `readBase` has checked: a record of `Object.prototype` or `null` prototype, or no record. */
function checkedBase(e: Expr): boolean {
  return e.kind === 'Ident' || e.kind === 'Member' || e.kind === 'Index'
}

/**
 * A plain record: an object, not an array, of `Object.prototype` or `null` prototype. The load
 * of `$duration` (which `isRecord` reads too) decides nothing: it is there so that the optimising
 * compiler knows the object's shape before `$.proto`, and folds the prototype to a constant
 * (measured: ~11 ns per check without it, ~0 with it, on objects of one shape).
 */
const PLAIN = (t: string): string => `${t} !== null && typeof ${t} === 'object' && !Array.isArray(${t}) && (void ${t}.$duration, (q = $.proto(${t})) === $.OP || q === null)`

/**
 * `o.prop` used as a value, helpers.ts `member` with its common case in a reader of its own: a
 * plain property load (an inline cache per reader, where `member`'s `Object.hasOwn` is a builtin
 * call per read). The load is taken only when it yields a string, a boolean or a finite
 * non-zero number and cannot have come from a prototype: `o` passed `readBase`, so its
 * prototype is `Object.prototype` or `null`, and `Object.prototype` does not have the property
 * (checked with `in`, which calls no getter): a polluted `Object.prototype.isAdmin = true`, or a
 * getter put there, sends every read of `isAdmin` to the helper, which checks ownership.
 * Anything else — arrays, missing attributes, `0` and `-0`, NaN, containers — takes the helper
 * and its errors.
 */
function readMember(o: string, property: string, what: string, cx: ExprContext): string {
  const p = quote(property)
  const f = cx.reads.reader(`m${p}${what}`, (name) =>
    [
      `function ${name}(t, L) {`,
      '  let v',
      `  if (t !== null && typeof t === 'object' && !Array.isArray(t) && !(${p} in $.OP)) {`,
      `    v = t[${p}]`,
      // stdlib/read-value.ts isPlainScalar, written out: generated reads call no helper for it.
      "    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && v - v === 0 && v !== 0)) return v",
      '  }',
      `  return $.member(t, ${p}, L, ${what})`,
      '}',
    ].join('\n'),
  )
  return `${f}(${o}, c.limits)`
}

/** `x` as the base of a further read (stdlib `readBase`), its common case — a plain record — in a reader. */
function readBase(x: string, what: string, cx: ExprContext): string {
  const f = cx.reads.reader(`b${what}`, (name) => [`function ${name}(t) {`, '  let q', `  if (${PLAIN('t')}) return t`, `  return $.base(t, ${what})`, '}'].join('\n'))
  return `${f}(${x})`
}

/** `o.prop` as the base of a further read, as `readMember`: its common case is an own plain record. */
function readMemberBase(o: string, property: string, what: string, cx: ExprContext): string {
  const p = quote(property)
  const f = cx.reads.reader(`n${p}${what}`, (name) =>
    [
      `function ${name}(t) {`,
      '  let v, q',
      `  if (t !== null && typeof t === 'object' && !Array.isArray(t) && !(${p} in $.OP)) {`,
      `    v = t[${p}]`,
      `    if (${PLAIN('v')}) return v`,
      '  }',
      `  return $.memberBase(t, ${p}, ${what})`,
      '}',
    ].join('\n'),
  )
  return `${f}(${o})`
}

/** Source of `e` as the base of a further read: checked at its top level only. */
function base(e: Expr, cx: ExprContext): Source {
  switch (e.kind) {
    case 'Ident': {
      const n = nameSource(e.name, cx)
      return cached(n.key === undefined ? undefined : `b${n.key}`, readBase(n.code, quote(nameWhat(e.name)), cx), cx)
    }
    case 'Member': {
      const o = base(e.object, cx)
      const key = o.key === undefined ? undefined : `b${o.key}.${e.property}`
      const what = quote(memberWhat(e.property))
      if (e.property === '$duration') return cached(key, `$.base($.get(${o.code}, ${quote(e.property)}), ${what})`, cx)
      if (!checkedBase(e.object)) return cached(key, `$.memberBase(${o.code}, ${quote(e.property)}, ${what})`, cx)
      return cached(key, readMemberBase(o.code, e.property, what, cx), cx)
    }
    case 'Index':
      return { code: `$.base($.index(${base(e.object, cx).code}, ${value(e.index, cx).code}), ${quote(INDEX_WHAT)})` }
    default:
      return value(e, cx)
  }
}

/** `x` checked to be a boolean (stdlib `expectBool`, inlined: anything else takes the helper and its error). */
function boolean(x: Source, what: string, cx: ExprContext): string {
  if (x.type === 'boolean') return x.code
  const t = cx.reads.temp()
  return `((${t} = ${x.code}) === true || ${t} === false ? ${t} : $.bool(${t}, ${quote(what)}))`
}

function binary(e: Extract<Expr, { kind: 'Binary' }>, cx: ExprContext): Source {
  const l = value(e.left, cx)
  const r = value(e.right, cx)
  const bool = (code: string): Source => ({ code, type: 'boolean' })
  switch (e.op) {
    case '&&':
      return bool(`(${boolean(l, 'left operand of `&&`', cx)} && ${boolean(r, 'right operand of `&&`', cx)})`)
    case '||':
      return bool(`(${boolean(l, 'left operand of `||`', cx)} || ${boolean(r, 'right operand of `||`', cx)})`)
    case '==':
      // Structural equality with a primitive is identity: no container equals a primitive.
      if (e.right.kind === 'String' || e.right.kind === 'Number' || e.right.kind === 'Bool') return bool(`(${l.code} === ${r.code})`)
      return bool(equals(l, r, cx))
    case '!=':
      return bool(`!${equals(l, r, cx)}`)
    case 'in':
      return bool(`$.in(${l.code}, ${r.code})`)
    case '+':
      return { code: `$.add(${l.code}, ${r.code})` }
    case '-':
      return { code: `$.sub(${l.code}, ${r.code})` }
    case '*':
      return { code: `$.mul(${l.code}, ${r.code})` }
    case '/':
      return { code: `$.div(${l.code}, ${r.code})` }
    case '%':
      return { code: `$.mod(${l.code}, ${r.code})` }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      // Two non-NaN numbers compare directly (compile-expr.ts `compileOrdering`); the rest takes the helper.
      const op = e.op
      const a = cx.reads.temp()
      const b = cx.reads.temp()
      const numbers = r.type === 'number' ? `typeof ${a} === 'number' && ${a} === ${a}` : `typeof ${a} === 'number' && typeof ${b} === 'number' && ${a} === ${a} && ${b} === ${b}`
      if (r.type === 'number') return bool(`((${a} = ${l.code}), (${b} = ${r.code}), ${numbers} ? ${a} ${op} ${b} : $.order(${a}, ${b}, c.ladders) ${op} 0)`)
      // Two rungs of one ladder compare by rank here, from this set's table (helpers.ts `order`
      // does the same first): the shared helper's call site sees every rule of every set, and
      // its type feedback with it.
      const ranks = constant(singleLadderRanks(cx.ladders), cx)
      const x = cx.reads.temp()
      const y = cx.reads.temp()
      const rungs = `typeof ${a} === 'string' && typeof ${b} === 'string' && (${x} = ${ranks}.get(${a})) !== undefined && (${y} = ${ranks}.get(${b})) !== undefined && ${x}.ladder === ${y}.ladder`
      return bool(`((${a} = ${l.code}), (${b} = ${r.code}), ${numbers} ? ${a} ${op} ${b} : ${rungs} ? ${x}.rank ${op} ${y}.rank : $.order(${a}, ${b}, c.ladders) ${op} 0)`)
    }
  }
}

/** stdlib `valueEquals` with its identity and primitive cases inlined. */
function equals(l: Source, r: Source, cx: ExprContext): string {
  const a = cx.reads.temp()
  const b = cx.reads.temp()
  return `((${a} = ${l.code}) === (${b} = ${r.code}) || (typeof ${a} === 'object' && ${a} !== null && typeof ${b} === 'object' && $.eq(${a}, ${b})))`
}

/** A sub-expression left to its compile-expr.ts closure, called with the state closures expect. */
function fallback(e: Expr, cx: ExprContext): string {
  // Closures read a normalised request, which a plan function does not have.
  if (cx.reads.fast) throw new NotFast()
  const constants: Value[] = []
  const scope: Scope = { binders: cx.binders, fixedBinders: cx.fixedBinders, frames: [], functions: cx.functions, ladders: cx.ladders, constants }
  const fn = constant(compileExpr(e, scope), cx)
  return `${fn}({ r: req, b: S, l: $.NO_FRAMES, c: c, k: ${constant(constants, cx)} })`
}
