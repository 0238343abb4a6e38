/**
 * Guard expressions → Cedar expressions. The translation keeps one invariant that the whole
 * fail-closed scheme rests on (docs/cedar.md): wherever our evaluation of an expression fails,
 * Cedar's evaluation of the translation fails too, and wherever ours succeeds, Cedar's gives the
 * same value or fails. Where Cedar would be more lenient than we are (ladder strings, arithmetic
 * past 2^53, `has` on an absent resource) the translation adds an explicit failing branch; where
 * no exact translation exists the construct is reported with a `CEDAR0xx` code instead.
 */
import { diagnostic, type Diagnostic, type Span } from '../../diagnostics/diagnostic.js'
import type { Arg, BinaryOp, Expr } from '../../grammar/ir.js'
import { durationFromLiteral, parseDuration } from '../../stdlib/durations.js'
import { ladderPositions, type Ladders } from '../../stdlib/ladders.js'
import { fieldType, type Schema, type SchemaType } from '../schema.js'
import { CEDAR } from './codes.js'
import { cedarString, hasAttribute, hasLoneSurrogate, likePrefix, likeSuffix, memberAccess, recordKey } from './quote.js'

/** A boolean expression that always fails at evaluation time and passes Cedar's type checker. */
export const CEDAR_FAIL_BOOL = '(9223372036854775807 + 1 == 0)'
/** A `Long` expression that always fails at evaluation time. */
export const CEDAR_FAIL_LONG = '(9223372036854775807 + 1)'
/** Largest integer both IEEE doubles and Cedar `Long`s represent exactly. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER

/** What is statically known about a translated expression. */
export type StaticType = 'boolean' | 'number' | 'string' | 'duration' | 'unknown'

/** A translated expression. */
export interface Translated {
  /** Cedar text, parenthesised when compound. */
  readonly text: string
  /** Its static type, when known. */
  readonly type: StaticType
  /**
   * True when the value can never be an array, nor contain one: equality and membership against
   * it mean the same in Cedar (sets) as in our language (ordered arrays).
   */
  readonly safe: boolean
  /** Set for the bare request names and binders: `principal`, `resource`. */
  readonly entity?: 'principal' | 'resource'
  /** Set for an array literal whose elements are all safe: membership in it is exact in Cedar. */
  readonly scalarList?: boolean
  /**
   * For values the schema declares scalar: a Cedar check that fails unless the value has that
   * type. The schema is not enforced on requests, so equality that relies on it asserts it.
   */
  readonly assert?: string
}

/** What the translation of one rule needs. */
export interface ExprContext {
  /** Pattern binders in scope; each names argument 0, which Cedar sees as `resource`. */
  readonly binders: ReadonlySet<string>
  /** Ladders for string ordering against a literal. */
  readonly ladders: Ladders
  /** The context schema, for static types. */
  readonly schema?: Schema
  /** Receives each untranslatable construct. */
  readonly report: (d: Diagnostic) => void
}

const BUILTIN_NO_CEDAR = new Set(['length', 'len', 'lower', 'upper', 'keys', 'min', 'max', 'sum', 'now'])
const PREDICATES = new Set(['any', 'all', 'map', 'filter', 'count'])
const ORDERING = new Set<BinaryOp>(['<', '>', '<=', '>='])

class Untranslatable extends Error {}

/** Translates a guard; returns undefined (after reporting) when any part is untranslatable. */
export function translateExpr(e: Expr, ctx: ExprContext): Translated | undefined {
  try {
    return new Translator(ctx).expr(e)
  } catch (err) {
    if (err instanceof Untranslatable) return undefined
    throw err
  }
}

class Translator {
  constructor(private readonly ctx: ExprContext) {}

  private fail(code: string, message: string, span: Span, help?: string): never {
    this.ctx.report(diagnostic(code, 'error', message, span, { help }))
    throw new Untranslatable(message)
  }

  expr(e: Expr): Translated {
    const t = this.any(e)
    if (t.entity !== undefined) this.fail(CEDAR.requestValue, `\`${t.entity}\` is an entity in Cedar and cannot be used as a whole value`, e.span, 'read one of its attributes instead, e.g. `resource.id`')
    return t
  }

  private any(e: Expr): Translated {
    switch (e.kind) {
      case 'String':
        return { text: this.string(e.value, e.span), type: 'string', safe: true }
      case 'Number':
        return { text: this.integer(e.value, e.span), type: 'number', safe: true }
      case 'Bool':
        return { text: e.value ? 'true' : 'false', type: 'boolean', safe: true }
      case 'Duration': {
        let ms: number
        try {
          ms = durationFromLiteral(e.amount, e.unit).$duration
        } catch {
          return this.fail(CEDAR.unsupportedExpression, 'this duration is out of range', e.span)
        }
        return this.duration(ms, e.span)
      }
      case 'Ident':
        return this.ident(e.name, e.span)
      case 'Member': {
        const obj = this.any(e.object)
        const text = memberAccess(postfixBase(obj.text), e.property)
        return this.withSchema(text, this.schemaTypeOf(e), isIdOfEntity(e, this.ctx.binders))
      }
      case 'Index': {
        if (e.index.kind !== 'String') return this.fail(CEDAR.unsupportedExpression, 'only record indexing with a string literal translates to Cedar', e.index.span, 'Cedar has no list indexing')
        const obj = this.any(e.object)
        return { text: `${postfixBase(obj.text)}[${this.string(e.index.value, e.index.span)}]`, type: 'unknown', safe: false }
      }
      case 'Call':
        return this.call(e)
      case 'Unary': {
        const v = this.expr(e.operand)
        if (e.op === '-') {
          if (e.operand.kind === 'Number') return { text: this.integer(-e.operand.value, e.span), type: 'number', safe: true }
          return { text: `(-${v.text})`, type: 'number', safe: true }
        }
        return { text: `(!${v.text})`, type: 'boolean', safe: true }
      }
      case 'Binary':
        return this.binary(e)
      case 'IfExpr': {
        const cond = this.expr(e.cond)
        const then = this.block(e.then)
        const otherwise = e.else === undefined ? { text: CEDAR_FAIL_BOOL, type: 'unknown' as const, safe: true } : e.else.kind === 'IfExpr' ? this.expr(e.else) : this.block(e.else)
        const type = then.type === otherwise.type ? then.type : 'unknown'
        return { text: `(if ${cond.text} then ${then.text} else ${otherwise.text})`, type, safe: then.safe && otherwise.safe }
      }
      case 'Array': {
        const xs = e.elements.map((x) => this.expr(x))
        return { text: `[${xs.map((x) => x.text).join(', ')}]`, type: 'unknown', safe: xs.length === 0, scalarList: xs.every((x) => x.safe) }
      }
      case 'Record': {
        if (e.typeName !== undefined) return this.fail(CEDAR.unsupportedExpression, 'typed records have no Cedar counterpart', e.span)
        const fs = e.fields.map((f) => {
          this.string(f.key, f.span)
          return { key: recordKey(f.key), value: this.expr(f.value) }
        })
        return { text: `{${fs.map((f) => `${f.key}: ${f.value.text}`).join(', ')}}`, type: 'unknown', safe: fs.every((f) => f.value.safe) }
      }
      case 'Lambda':
        return this.fail(CEDAR.collectionPredicate, 'lambdas have no Cedar counterpart', e.span)
      case 'Vault':
        return this.fail(CEDAR.vault, 'vault references cannot be translated to Cedar', e.span, 'pass the value in the request context')
      case 'Wildcard':
      case 'Assign':
        return this.fail(CEDAR.unsupportedExpression, `a ${e.kind.toLowerCase()} is not a value`, e.span)
    }
  }

  private block(b: Extract<Expr, { kind: 'IfExpr' }>['then']): Translated {
    if (b.statements.length > 0 || b.value === undefined) return this.fail(CEDAR.unsupportedExpression, 'statements inside an `if` expression have no Cedar counterpart', b.span)
    return this.expr(b.value)
  }

  private string(s: string, span: Span): string {
    if (hasLoneSurrogate(s)) this.fail(CEDAR.badString, 'this string holds a lone UTF-16 surrogate, which Cedar cannot represent', span)
    return cedarString(s)
  }

  private integer(n: number, span: Span): string {
    if (!Number.isSafeInteger(n)) this.fail(CEDAR.nonInteger, `${n} is not an integer Cedar can hold exactly (Cedar numbers are 64-bit integers; we accept |n| ≤ 2^53 − 1)`, span)
    return n < 0 ? `(${n})` : String(n)
  }

  private duration(ms: number, span: Span): Translated {
    if (!Number.isSafeInteger(ms)) this.fail(CEDAR.unsupportedExpression, 'this duration is out of range', span)
    return { text: `duration(${cedarString(`${ms}ms`)})`, type: 'duration', safe: true }
  }

  private ident(name: string, span: Span): Translated {
    // Stryker disable next-line BooleanLiteral: an entity never reaches a value position (expr() refuses it; member, index and has read only its text and entity), so its `safe` is never read
    if (this.ctx.binders.has(name)) return { text: 'resource', type: 'unknown', safe: false, entity: 'resource' }
    if (this.ctx.schema?.context.has(name) === true) return this.withSchema(memberAccess('context', name), scalarOf(this.ctx.schema.context.get(name)), false)
    switch (name) {
      case 'principal':
        // Stryker disable next-line BooleanLiteral: an entity never reaches a value position (expr() refuses it; member, index and has read only its text and entity), so its `safe` is never read
        return { text: 'principal', type: 'unknown', safe: false, entity: 'principal' }
      case 'resource':
        // Stryker disable next-line BooleanLiteral: an entity never reaches a value position (expr() refuses it; member, index and has read only its text and entity), so its `safe` is never read
        return { text: 'resource', type: 'unknown', safe: false, entity: 'resource' }
      case 'context':
        return { text: 'context', type: 'unknown', safe: false }
      case 'action':
        return this.fail(CEDAR.requestValue, '`action` is a Cedar entity; guards cannot read it as a value', span, 'put the condition in the action pattern, or pass the value in the context')
      default:
        return { text: memberAccess('context', name), type: 'unknown', safe: false }
    }
  }

  /** The schema type of a member chain rooted at a context key, principal or resource. */
  private schemaOf(e: Expr): SchemaType | undefined {
    const schema = this.ctx.schema
    if (schema === undefined) return undefined
    if (e.kind === 'Ident') {
      if (this.ctx.binders.has(e.name)) return undefined
      const t = schema.context.get(e.name)
      if (t !== undefined) return t
      if (e.name === 'principal') return schema.principal
      if (e.name === 'resource') return schema.resource
      return undefined
    }
    if (e.kind === 'Member') {
      const obj = this.schemaOf(e.object)
      if (obj === undefined) return undefined
      if ((e.object.kind === 'Ident' && (e.object.name === 'principal' || e.object.name === 'resource')) && e.property === 'id') return { kind: 'string' }
      return fieldType(obj, e.property)
    }
    return undefined
  }

  private schemaTypeOf(e: Extract<Expr, { kind: 'Member' }>): StaticType {
    // Request validation guarantees string ids, whatever the schema says.
    if (isIdOfEntity(e, this.ctx.binders)) return 'string'
    return scalarOf(this.schemaOf(e))
  }

  /** A value of statically known type: ids are strings by request validation; schema types are asserted. */
  private withSchema(text: string, type: StaticType, guaranteed: boolean): Translated {
    if (type === 'unknown') return { text, type, safe: false }
    if (guaranteed) return { text, type, safe: true }
    return { text, type, safe: false, assert: typeAssertion(text, type) }
  }

  private binary(e: Extract<Expr, { kind: 'Binary' }>): Translated {
    const op = e.op
    if (op === '/' || op === '%') return this.fail(CEDAR.division, `Cedar has no \`${op}\``, e.span)
    if (op === '+' || op === '-' || op === '*') return this.arithmetic(e)
    if (ORDERING.has(op)) return this.ordering(e)
    const l = this.expr(e.left)
    const r = this.expr(e.right)
    switch (op) {
      case '&&':
      case '||':
        return { text: `(${l.text} ${op} ${r.text})`, type: 'boolean', safe: true }
      case '==':
      case '!=': {
        if (l.safe || r.safe) return { text: `(${l.text} ${op} ${r.text})`, type: 'boolean', safe: true }
        const check = l.assert ?? r.assert
        if (check === undefined) this.fail(CEDAR.setEquality, `\`${op}\` between two values that may be arrays: Cedar compares them as sets (no order, no duplicates)`, e.span, 'compare against a literal, or give the attributes scalar types in the schema')
        return { text: `(${check} && (${l.text} ${op} ${r.text}))`, type: 'boolean', safe: true }
      }
      case 'in':
        return this.membership(l, r, e.span)
      default:
        return this.fail(CEDAR.unsupportedExpression, `operator \`${op}\` has no Cedar counterpart`, e.span)
    }
  }

  /** `x in c` and `c.contains(x)`: Cedar `c.contains(x)`, exact when no array equality is involved. */
  private membership(element: Translated, container: Translated, span: Span): Translated {
    const test = `${postfixBase(container.text)}.contains(${element.text})`
    if (element.safe || isSafeSetLiteral(container)) return { text: test, type: 'boolean', safe: true }
    // An element of unknown type might be an array, which Cedar would compare as a set. Guard it
    // with a string test: for a string both agree; for anything else Cedar errors, which denies
    // (an erroring permit does not permit; an erroring forbid fails every permit's deny checks),
    // so Cedar is only ever stricter than we are. The schema-typed path asserts its own type.
    const check = element.assert ?? `(${element.text} like "*")`
    void span
    return { text: `(${check} && ${test})`, type: 'boolean', safe: true }
  }

  private arithmetic(e: Extract<Expr, { kind: 'Binary' }>): Translated {
    for (const side of [e.left, e.right]) {
      if (side.kind === 'Binary' && (side.op === '+' || side.op === '-' || side.op === '*')) this.fail(CEDAR.arithmetic, 'nested arithmetic is not translated: intermediate results could round in our doubles and not in Cedar', side.span, 'precompute the value in the request')
      if (side.kind === 'String') this.fail(CEDAR.arithmetic, 'Cedar has no string concatenation', e.span)
      if (side.kind === 'Duration') this.fail(CEDAR.arithmetic, 'Cedar has no duration arithmetic', e.span)
    }
    const l = this.expr(e.left)
    const r = this.expr(e.right)
    const v = `(${l.text} ${e.op} ${r.text})`
    // Beyond 2^53 our doubles round and Cedar's Longs do not; there Cedar is made to fail instead.
    return { text: `(if ((-${MAX_SAFE}) <= ${v} && ${v} <= ${MAX_SAFE}) then ${v} else ${CEDAR_FAIL_LONG})`, type: 'number', safe: true }
  }

  private ordering(e: Extract<Expr, { kind: 'Binary' }>): Translated {
    const op = e.op as '<' | '>' | '<=' | '>='
    if (e.right.kind === 'String') return this.ladder(this.expr(e.left), op, e.right.value, e.span)
    if (e.left.kind === 'String') return this.ladder(this.expr(e.right), flip(op), e.left.value, e.span)
    const l = this.expr(e.left)
    const r = this.expr(e.right)
    const known = (t: StaticType): boolean => t === 'number' || t === 'duration'
    if (!known(l.type) && !known(r.type)) {
      this.fail(CEDAR.unorderedStrings, `\`${op}\` between two values of unknown type: ours orders ladder strings, Cedar only numbers and durations`, e.span,
        'compare against a literal (a number, a duration or a ladder rung such as "secret"), or declare the attribute types in the schema')
    }
    if (l.type === 'string' || r.type === 'string') this.fail(CEDAR.unorderedStrings, 'string ordering needs a ladder literal to translate to Cedar', e.span)
    return { text: `(${l.text} ${op} ${r.text})`, type: 'boolean', safe: true }
  }

  /**
   * `x op "rung"` becomes set membership over the ladder, and fails — as ours does — when `x` is
   * not a string sharing a ladder with the rung.
   */
  private ladder(x: Translated, op: '<' | '>' | '<=' | '>=', rung: string, span: Span): Translated {
    this.string(rung, span)
    const positions = ladderPositions(this.ctx.ladders, rung)
    if (positions.length === 0) return { text: `(${x.text} == ${x.text} && ${CEDAR_FAIL_BOOL})`, type: 'boolean', safe: true }
    const domain = new Set<string>()
    const yes = new Set<string>()
    for (const p of positions) {
      // Stryker disable next-line ArrayDeclaration: positions come from the same ladders, so the ladder is always found
      const rungs = this.ctx.ladders.byName.get(p.ladder) ?? []
      rungs.forEach((r, rank) => {
        domain.add(r)
        if (holds(rank - p.rank, op)) yes.add(r)
      })
    }
    const list = (s: Set<string>): string => `[${[...s].map((r) => cedarString(r)).join(', ')}]`
    return { text: `(if ${list(domain)}.contains(${x.text}) then ${list(yes)}.contains(${x.text}) else ${CEDAR_FAIL_BOOL})`, type: 'boolean', safe: true }
  }

  private call(e: Extract<Expr, { kind: 'Call' }>): Translated {
    const callee = e.callee
    const name = callee.kind === 'Ident' ? callee.name : callee.kind === 'Member' ? callee.property : undefined
    if (name === undefined) return this.fail(CEDAR.unsupportedExpression, 'only named functions translate to Cedar', callee.span)
    for (const a of e.args) if (a.name !== undefined) this.fail(CEDAR.unsupportedExpression, 'named arguments have no Cedar counterpart', a.span)
    const args: Arg[] = callee.kind === 'Member' ? [{ value: callee.object, span: callee.object.span }, ...e.args] : [...e.args]
    if (PREDICATES.has(name)) return this.fail(CEDAR.collectionPredicate, `\`${name}\` takes a predicate over a collection; Cedar has no lambdas`, e.span)
    if (BUILTIN_NO_CEDAR.has(name)) return this.fail(CEDAR.unsupportedFunction, `\`${name}\` has no Cedar counterpart`, e.span)
    const arg = (i: number): Expr => {
      const a = args[i]
      if (a === undefined) return this.fail(CEDAR.unsupportedExpression, `\`${name}\` is missing an argument`, e.span)
      return a.value
    }
    switch (name) {
      case 'has': {
        if (args.length !== 2) return this.fail(CEDAR.unsupportedExpression, '`has` takes a record and an attribute name', e.span)
        const key = arg(1)
        if (key.kind !== 'String') return this.fail(CEDAR.nonLiteralArgument, 'Cedar `has` needs a literal attribute name', key.span)
        this.string(key.value, key.span)
        const obj = this.any(arg(0))
        const test = hasAttribute(postfixBase(obj.text), key.value)
        // Cedar answers `false` for an entity that is not in the store; ours fails on an absent resource.
        if (obj.entity === 'resource' && !this.ctx.binders.has(nameOf(arg(0)))) return { text: `(if resource has id then (${test}) else ${CEDAR_FAIL_BOOL})`, type: 'boolean', safe: true }
        return { text: `(${test})`, type: 'boolean', safe: true }
      }
      case 'contains': {
        if (args.length !== 2) return this.fail(CEDAR.unsupportedExpression, '`contains` takes a collection and a value', e.span)
        return this.membership(this.expr(arg(1)), this.expr(arg(0)), e.span)
      }
      case 'starts_with':
      case 'ends_with': {
        if (args.length !== 2) return this.fail(CEDAR.unsupportedExpression, `\`${name}\` takes two strings`, e.span)
        const lit = arg(1)
        if (lit.kind !== 'String') return this.fail(CEDAR.nonLiteralArgument, `\`${name}\` translates to Cedar \`like\`, which needs a literal pattern`, lit.span)
        this.string(lit.value, lit.span)
        const s = this.expr(arg(0))
        return { text: `(${s.text} like ${name === 'starts_with' ? likePrefix(lit.value) : likeSuffix(lit.value)})`, type: 'boolean', safe: true }
      }
      case 'duration': {
        const lit = arg(0)
        if (args.length !== 1 || lit.kind !== 'String') return this.fail(CEDAR.nonLiteralArgument, '`duration` translates only with one literal string argument', e.span)
        let ms: number
        try {
          ms = parseDuration(lit.value).$duration
        } catch (err) {
          return this.fail(CEDAR.nonLiteralArgument, `invalid duration: ${err instanceof Error ? err.message : String(err)}`, lit.span)
        }
        return this.duration(ms, e.span)
      }
      default:
        return this.fail(CEDAR.unsupportedFunction, `\`${name}\` has no Cedar counterpart (host functions and approvals cannot be translated)`, e.span)
    }
  }
}

function nameOf(e: Expr): string {
  return e.kind === 'Ident' ? e.name : ''
}

const SIMPLE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/

/** Parenthesises anything but a plain `a.b.c` path before `.attr`, `[…]` or `.contains(…)`. */
function postfixBase(text: string): string {
  return SIMPLE_PATH.test(text) ? text : `(${text})`
}

/** A literal list of scalars: `x ∈ [a, b]` holds only for a scalar `x`, where sets and arrays agree. */
function isSafeSetLiteral(t: Translated): boolean {
  return t.scalarList === true
}

function holds(d: number, op: '<' | '>' | '<=' | '>='): boolean {
  switch (op) {
    case '<':
      return d < 0
    case '>':
      return d > 0
    case '<=':
      return d <= 0
    case '>=':
      return d >= 0
  }
}

function flip(op: '<' | '>' | '<=' | '>='): '<' | '>' | '<=' | '>=' {
  return op === '<' ? '>' : op === '>' ? '<' : op === '<=' ? '>=' : '<='
}

function scalarOf(t: SchemaType | undefined): StaticType {
  if (t === undefined) return 'unknown'
  switch (t.kind) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'duration':
      return t.kind
    default:
      return 'unknown'
  }
}

/** A Cedar check that is true for a value of `type` and fails for any other value. */
function typeAssertion(text: string, type: Exclude<StaticType, 'unknown'>): string {
  switch (type) {
    case 'string':
      return `(${text} like "*")`
    case 'number':
      return `(${text} + 0 == ${text})`
    case 'boolean':
      return `(${text} || true)`
    case 'duration':
      return `(${postfixBase(text)}.toMilliseconds() == ${postfixBase(text)}.toMilliseconds())`
  }
}

function isIdOfEntity(e: Extract<Expr, { kind: 'Member' }>, binders: ReadonlySet<string>): boolean {
  return e.property === 'id' && e.object.kind === 'Ident' && (e.object.name === 'principal' || e.object.name === 'resource' || binders.has(e.object.name))
}
