/**
 * A recursive-descent parser that builds IR straight from tokens, with no CST: the fast path
 * for the items policy files consist of (`policy` blocks and `metadata`; agents, channels,
 * functions and the other items are left to Chevrotain). It accepts only input
 * that the Chevrotain grammar (parser.ts) parses without an error and that lowering
 * (cst-to-ir.ts) lowers without a diagnostic, and then yields exactly the IR lowering yields —
 * same nodes, same spans, same key order. Anything else — another item kind, a construct it does
 * not know, a shape that would earn a diagnostic, even in strict mode — makes it give up on the
 * item (`undefined`), and the caller parses that item with Chevrotain, which reports whatever
 * there is to report. So diagnostics and recovery stay exactly as they are; the golden corpus and
 * a differential property test (test/grammar/direct-parser.property.test.ts) hold it to that.
 *
 * Why: building and visiting the CST was about 70 % of parse time on large policy files.
 */
import { tokenMatcher, type IToken, type TokenType } from 'chevrotain'
import type { Span } from '../diagnostics/diagnostic.js'
import type * as IR from './ir.js'
import { parseDuration } from './cst-to-ir.js'
import { decodeString } from './strings.js'
import * as T from './tokens.js'

/** Thrown to abandon the item; never escapes this module. */
const GIVE_UP: unique symbol = Symbol('give up')

const IDENT_LIKE: ReadonlySet<TokenType> = new Set([T.Identifier, ...T.KEYWORDS])
const RULE_KINDS: ReadonlySet<TokenType> = new Set([T.Allow, T.Deny, T.Require, T.Audit])
/** parser.ts `OPERAND_STARTS`, for the `not` gate. */
const OPERAND_STARTS: readonly TokenType[] = [
  T.IdentLike, T.StringLiteral, T.NumberLiteral, T.DurationLiteral, T.DottedDuration, T.VaultRef,
  T.LParen, T.LBracket, T.LBrace, T.Bang, T.Minus, T.Pipe,
]
const EQ_OPS: ReadonlySet<TokenType> = new Set([T.EqEq, T.NotEq, T.In])
const REL_OPS: ReadonlySet<TokenType> = new Set([T.Less, T.Greater, T.LessEq, T.GreaterEq])
const ADD_OPS: ReadonlySet<TokenType> = new Set([T.Plus, T.Minus])
const MUL_OPS: ReadonlySet<TokenType> = new Set([T.Star, T.Slash, T.Percent])
/** Operators by token type: the IR holds these literals, not a copy of each token's text. */
const OPERATORS: ReadonlyMap<TokenType, IR.BinaryOp> = new Map<TokenType, IR.BinaryOp>([
  [T.EqEq, '=='], [T.NotEq, '!='], [T.In, 'in'], [T.Less, '<'], [T.Greater, '>'], [T.LessEq, '<='], [T.GreaterEq, '>='],
  [T.Plus, '+'], [T.Minus, '-'], [T.Star, '*'], [T.Slash, '/'], [T.Percent, '%'],
])

function tspan(t: IToken): Span {
  return { start: t.startOffset, end: t.startOffset + t.image.length }
}

function join(a: Span, b: Span): Span {
  return { start: a.start, end: b.end }
}

class DirectParser {
  private pos = 0
  /** `name = value` elements of the current rule, and those its require/audit list admits. */
  private assigns: IR.Assign[] = []
  /**
   * One string per distinct name: a token's text is its own copy, and 10,000 rules that all
   * say `doc` kept 10,000 copies of it in the IR for the life of the policy set.
   */
  private admitted = new Set<IR.Assign>()

  constructor(
    private readonly tokens: readonly IToken[],
    private readonly strict: boolean,
    private readonly names: Map<string, string>,
  ) {}

  private name(t: IToken): string {
    const s = t.image
    const known = this.names.get(s)
    if (known !== undefined) return known
    this.names.set(s, s)
    return s
  }

  private la(k = 1): IToken | undefined {
    return this.tokens[this.pos + k - 1]
  }

  private is(type: TokenType, k = 1): boolean {
    return this.tokens[this.pos + k - 1]?.tokenType === type
  }

  private isIdentLike(k = 1): boolean {
    const t = this.tokens[this.pos + k - 1]
    return t !== undefined && IDENT_LIKE.has(t.tokenType)
  }

  private take(type: TokenType): IToken {
    const t = this.tokens[this.pos]
    if (t === undefined || t.tokenType !== type) throw GIVE_UP
    this.pos++
    return t
  }

  private takeIdentLike(): IToken {
    const t = this.tokens[this.pos]
    if (t === undefined || !IDENT_LIKE.has(t.tokenType)) throw GIVE_UP
    this.pos++
    return t
  }

  program(): IR.Item[] {
    const items: IR.Item[] = []
    while (this.pos < this.tokens.length) {
      if (this.is(T.Policy)) items.push(this.policy())
      else if (this.is(T.Metadata)) items.push(this.metadata())
      else throw GIVE_UP
    }
    return items
  }

  private metadata(): IR.Metadata {
    const kw = this.take(T.Metadata)
    this.take(T.LBrace)
    const entries: IR.Attribute[] = []
    while (this.isIdentLike()) {
      const key = this.takeIdentLike()
      if (this.is(T.Colon) || this.is(T.Equals)) this.pos++
      else throw GIVE_UP
      const value = this.expression()
      this.flushAssigns()
      entries.push({ key: key.image, value, span: join(tspan(key), value.span) })
      if (this.is(T.Comma)) this.pos++
    }
    const close = this.take(T.RBrace)
    return { kind: 'Metadata', entries, span: join(tspan(kw), tspan(close)) }
  }

  private policy(): IR.Policy {
    const kw = this.take(T.Policy)
    const name = this.takeIdentLike()
    this.take(T.LBrace)
    const rules: IR.Rule[] = []
    // `;` and `,` between rules are errors (cst-to-ir.ts `separatorErrors`): left to Chevrotain.
    while (this.la() !== undefined && RULE_KINDS.has((this.la() as IToken).tokenType)) rules.push(this.rule())
    const close = this.take(T.RBrace)
    return { kind: 'Policy', name: name.image, rules, span: join(tspan(kw), tspan(close)) }
  }

  private rule(): IR.Rule {
    const kw = this.la() as IToken
    this.pos++
    this.take(T.Colon)
    const ruleKind = kw.image as IR.RuleKind
    const target = this.expression()
    const rule: { -readonly [K in keyof IR.Rule]: IR.Rule[K] } = { kind: 'Rule', ruleKind, target, span: join(tspan(kw), target.span) }
    const obligationList = ruleKind === 'require' || ruleKind === 'audit'
    if (obligationList && target.kind === 'Array') {
      for (const el of target.elements) {
        if (el.kind !== 'Assign') continue
        // Strict mode reports these obligations as a seed extension.
        if (this.strict) throw GIVE_UP
        this.admitted.add(el)
      }
    }
    if (this.is(T.For)) {
      // Strict mode reports `for` scopes.
      if (this.strict) throw GIVE_UP
      this.pos++
      rule.scope = this.expression()
      rule.span = join(rule.span, rule.scope.span)
    }
    if (this.is(T.With)) {
      // `with` on allow/deny is an error, and a seed extension in strict mode.
      if (!obligationList || this.strict) throw GIVE_UP
      this.pos++
      const modifiers = [this.expression()]
      while (this.is(T.Comma)) {
        this.pos++
        modifiers.push(this.expression())
      }
      rule.modifiers = modifiers
      rule.span = join(rule.span, (modifiers[modifiers.length - 1] as IR.Expr).span)
    }
    if (this.is(T.If)) {
      this.pos++
      rule.guard = this.expression()
      rule.span = join(rule.span, rule.guard.span)
    }
    // `X without Y` is an error.
    if (this.is(T.Identifier) && (this.la() as IToken).image === 'without') throw GIVE_UP
    this.flushAssigns()
    return rule
  }

  /** A `name = value` that no require/audit list admitted is an error (cst-to-ir.ts `flushAssigns`). */
  private flushAssigns(): void {
    for (const a of this.assigns) if (!this.admitted.has(a)) throw GIVE_UP
    this.assigns = []
    this.admitted = new Set()
  }

  // ───────────── expressions (parser.ts orExpr … primary) ─────────────

  expression(): IR.Expr {
    return this.or()
  }

  private binary(op: IR.BinaryOp, left: IR.Expr, right: IR.Expr): IR.Expr {
    return { kind: 'Binary', op, left, right, span: join(left.span, right.span) }
  }

  private or(): IR.Expr {
    let left = this.and()
    for (;;) {
      if (this.is(T.OrOr)) {
        this.pos++
        left = this.binary('||', left, this.and())
      } else if (this.is(T.Pipe) || (this.is(T.Identifier) && (this.la() as IToken).image === 'or')) throw GIVE_UP
      else return left
    }
  }

  private and(): IR.Expr {
    let left = this.eq()
    for (;;) {
      if (this.is(T.AndAnd)) {
        this.pos++
        left = this.binary('&&', left, this.eq())
      } else if (this.is(T.Identifier) && (this.la() as IToken).image === 'and') throw GIVE_UP
      else return left
    }
  }

  private level(ops: ReadonlySet<TokenType>, next: () => IR.Expr): IR.Expr {
    let left = next()
    for (let t = this.la(); t !== undefined && ops.has(t.tokenType); t = this.la()) {
      this.pos++
      left = this.binary(OPERATORS.get(t.tokenType) as IR.BinaryOp, left, next())
    }
    return left
  }

  private eq(): IR.Expr {
    return this.level(EQ_OPS, () => this.rel())
  }

  private rel(): IR.Expr {
    return this.level(REL_OPS, () => this.add())
  }

  private add(): IR.Expr {
    return this.level(ADD_OPS, () => this.mul())
  }

  private mul(): IR.Expr {
    return this.level(MUL_OPS, () => this.unary())
  }

  /** The gate of parser.ts `unaryExpr`: `not` is an operator only before an operand that does not start a rule. */
  private atPrefixOperator(): boolean {
    const t = this.la()
    if (t === undefined) return false
    if (t.tokenType === T.Bang || t.tokenType === T.Minus) return true
    if (t.tokenType !== T.Not) return false
    const next = this.la(2)
    const after = this.la(3)
    const operand = next !== undefined && OPERAND_STARTS.some((type) => tokenMatcher(next, type))
    const startsRule = next !== undefined && after !== undefined && after.tokenType === T.Colon && RULE_KINDS.has(next.tokenType)
    return operand && !startsRule
  }

  private unary(): IR.Expr {
    const ops: IToken[] = []
    while (this.atPrefixOperator()) ops.push(this.la() as IToken), this.pos++
    let operand = this.postfix()
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i] as IToken
      operand = { kind: 'Unary', op: op.image as IR.UnaryOp, operand, span: join(tspan(op), operand.span) }
    }
    return operand
  }

  private postfix(): IR.Expr {
    let e = this.primary()
    for (;;) {
      if (this.is(T.Dot)) {
        this.pos++
        const name = this.takeIdentLike()
        e = { kind: 'Member', object: e, property: this.name(name), span: join(e.span, tspan(name)) }
      } else if (this.is(T.LParen)) {
        this.pos++
        const args = this.args()
        const close = this.take(T.RParen)
        e = { kind: 'Call', callee: e, args, span: join(e.span, tspan(close)) }
      } else if (this.is(T.LBracket)) {
        this.pos++
        const index = this.expression()
        const close = this.take(T.RBracket)
        e = { kind: 'Index', object: e, index, span: join(e.span, tspan(close)) }
      } else if (this.is(T.DoubleColon)) throw GIVE_UP
      else return e
    }
  }

  /** parser.ts `argList`: arguments, optionally named, and a trailing comma. */
  private args(): IR.Arg[] {
    const out: IR.Arg[] = []
    if (this.is(T.RParen)) return out
    out.push(this.arg())
    while (this.is(T.Comma)) {
      this.pos++
      if (this.is(T.RParen)) break
      out.push(this.arg())
    }
    return out
  }

  private arg(): IR.Arg {
    if (this.isIdentLike() && (this.is(T.Equals, 2) || this.is(T.Colon, 2))) {
      const name = this.la() as IToken
      this.pos += 2
      const value = this.expression()
      return { name: name.image, value, span: join(tspan(name), value.span) }
    }
    const value = this.expression()
    return { value, span: value.span }
  }

  private primary(): IR.Expr {
    const t = this.la()
    if (t === undefined) throw GIVE_UP
    if (IDENT_LIKE.has(t.tokenType) && this.is(T.FatArrow, 2)) {
      this.pos += 2
      const body = this.expression()
      return { kind: 'Lambda', params: [t.image], body, span: join(tspan(t), body.span) }
    }
    switch (t.tokenType) {
      case T.True:
      case T.False:
        this.pos++
        return { kind: 'Bool', value: t.tokenType === T.True, span: tspan(t) }
      case T.Underscore:
        this.pos++
        return { kind: 'Wildcard', span: tspan(t) }
      case T.StringLiteral:
        this.pos++
        return { kind: 'String', value: decodeString(t.image), raw: t.image, span: tspan(t) }
      case T.NumberLiteral:
        this.pos++
        return { kind: 'Number', value: Number(t.image.replace(/_/g, '')), raw: t.image, span: tspan(t) }
      case T.DurationLiteral:
      case T.DottedDuration:
        this.pos++
        return parseDuration(t)
      case T.VaultRef:
        this.pos++
        return { kind: 'Vault', path: t.image.slice('vault://'.length), span: tspan(t) }
      case T.LBracket:
        return this.array()
      case T.LParen: {
        this.pos++
        const inner = this.expression()
        this.take(T.RParen)
        return inner
      }
      case T.Pipe:
        return this.closure()
      case T.LBrace:
        return this.record()
      // `if` expressions (blocks and statements) are left to Chevrotain.
      case T.If:
        throw GIVE_UP
    }
    if (!IDENT_LIKE.has(t.tokenType) || this.is(T.LBrace, 2)) throw GIVE_UP
    this.pos++
    return { kind: 'Ident', name: this.name(t), span: tspan(t) }
  }

  /** `|a, b| body` (parser.ts `pipeClosure`); a seed extension, so strict mode leaves it to Chevrotain. */
  private closure(): IR.Lambda {
    if (this.strict) throw GIVE_UP
    const open = this.take(T.Pipe)
    const params: string[] = []
    if (this.isIdentLike()) {
      params.push(this.takeIdentLike().image)
      while (this.is(T.Comma)) {
        this.pos++
        params.push(this.takeIdentLike().image)
      }
    }
    this.take(T.Pipe)
    // A parameter declared twice is an error.
    if (new Set(params).size !== params.length) throw GIVE_UP
    const body = this.expression()
    return { kind: 'Lambda', params, body, span: join(tspan(open), body.span) }
  }

  /** `{ key: value, "quoted": value }` (parser.ts `record`); `{ "a", "b" }` set literals are errors. */
  private record(): IR.RecordLit {
    const first = this.la(2)
    const after = this.la(3)
    const scalar = first !== undefined && (first.tokenType === T.StringLiteral || first.tokenType === T.NumberLiteral || IDENT_LIKE.has(first.tokenType))
    if (scalar && after !== undefined && (after.tokenType === T.Comma || after.tokenType === T.RBrace)) throw GIVE_UP
    const open = this.take(T.LBrace)
    const fields: IR.Field[] = []
    for (let t = this.la(); t !== undefined && (t.tokenType === T.StringLiteral || IDENT_LIKE.has(t.tokenType)); t = this.la()) {
      this.pos++
      this.take(T.Colon)
      const value = this.expression()
      const quoted = t.tokenType === T.StringLiteral
      fields.push({ key: quoted ? decodeString(t.image) : t.image, quoted, value, span: join(tspan(t), value.span) })
      if (this.is(T.Comma)) this.pos++
    }
    const close = this.take(T.RBrace)
    return { kind: 'Record', fields, span: join(tspan(open), tspan(close)) }
  }

  /** parser.ts `array` and `arrayElement`. */
  private array(): IR.ArrayLit {
    const open = this.take(T.LBracket)
    const elements: IR.Expr[] = []
    if (!this.is(T.RBracket)) {
      elements.push(this.element())
      while (this.is(T.Comma)) {
        this.pos++
        if (this.is(T.RBracket)) break
        elements.push(this.element())
      }
    }
    const close = this.take(T.RBracket)
    return { kind: 'Array', elements, span: join(tspan(open), tspan(close)) }
  }

  private element(): IR.Expr {
    if (this.isIdentLike() && this.is(T.Equals, 2)) {
      const name = this.la() as IToken
      this.pos += 2
      const value = this.expression()
      const assign: IR.Assign = { kind: 'Assign', name: name.image, value, span: join(tspan(name), value.span) }
      this.assigns.push(assign)
      return assign
    }
    return this.expression()
  }
}

/**
 * The items of `tokens` as IR, or undefined when the direct parser leaves them to Chevrotain
 * (see the module comment). `names` interns identifiers across the calls of one parse. Never throws.
 */
export function parseItemsDirect(tokens: readonly IToken[], strict: boolean, names: Map<string, string> = new Map()): IR.Item[] | undefined {
  try {
    return new DirectParser(tokens, strict, names).program()
  } catch (e) {
    // A stack overflow (`a => b => …` chains) is left to Chevrotain as well, which reports it.
    if (e === GIVE_UP || e instanceof RangeError) return undefined
    throw e
  }
}
