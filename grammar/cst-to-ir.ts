/**
 * Lowers a CST that parsed without errors to IR. This is one visitor over every CST rule, so it
 * stays one file. It also reports the helpful errors for shapes the parser accepts only to name
 * them, and — under `strict` — each seed extension it meets.
 */
import type { CstNode, IToken } from 'chevrotain'
import { diagnostic, replaceFix, type Diagnostic, type Fix, type Span } from '../diagnostics/diagnostic.js'
import type * as C from './cst.generated.js'
import type * as IR from './ir.js'
import { PARSE, STRICT } from './codes.js'
import { getParser } from './parser.js'
import { decodeString, encodeString } from './strings.js'

const BaseVisitor = getParser().getBaseCstVisitorConstructor()

function first<T>(xs: readonly T[] | undefined, what: string): T {
  const x = xs?.[0]
  if (x === undefined) throw new Error(`CST is missing ${what}; recovered trees must not be lowered`)
  return x
}

function tspan(t: IToken): Span {
  return { start: t.startOffset, end: t.startOffset + t.image.length }
}

function join(a: Span, b: Span): Span {
  return { start: a.start, end: b.end }
}

/** Tokens of several kinds, merged in source order (operators of a binary loop, postfix ops). */
function ordered(...groups: (readonly IToken[] | undefined)[]): IToken[] {
  // Most operator levels have no operators, and most that do use one kind: skipping the merge
  // sort then took ordered() from the top of the bench/parse.mjs profile to negligible.
  let only: readonly IToken[] | undefined
  let count = 0
  for (const g of groups) {
    if (g === undefined || g.length === 0) continue
    only = g
    count++
  }
  if (count === 0) return []
  if (count === 1) return only as IToken[]
  return groups.flatMap((g) => g ?? []).sort((a, b) => a.startOffset - b.startOffset)
}

const DURATION_UNITS: readonly IR.DurationUnit[] = ['months', 's', 'm', 'h', 'd', 'w', 'y']

/** A duration token as IR (`30s`, `6months`, `5.minutes`); shared with the direct parser. */
export function parseDuration(t: IToken): IR.DurationLit {
  const dotted = /^([\d_]+)\.(seconds|minutes|hours)$/.exec(t.image)
  if (dotted) return { kind: 'Duration', amount: Number((dotted[1] as string).replace(/_/g, '')), unit: dotted[2] as IR.DurationUnit, span: tspan(t) }
  const unit = DURATION_UNITS.find((u) => t.image.endsWith(u)) ?? 's'
  const amount = Number(t.image.slice(0, t.image.length - unit.length).replace(/_/g, ''))
  return { kind: 'Duration', amount, unit, span: tspan(t) }
}

/** Options of a lowering. */
export interface LowerOptions {
  /** Report seed extensions as errors. */
  readonly strict: boolean
}

class CstToIr extends BaseVisitor {
  readonly diagnostics: Diagnostic[] = []
  /** Every `name = value` element lowered since the last `reset`, and those a require/audit list admits. */
  private assigns: IR.Assign[] = []
  private admitted = new Set<IR.Assign>()
  private readonly strict: boolean

  constructor(options: LowerOptions) {
    super()
    this.strict = options.strict
    this.validateVisitor()
  }

  private error(code: string, message: string, span: Span, help?: string, fix?: Fix): void {
    this.diagnostics.push(diagnostic(code, 'error', message, span, { help, fixes: fix && [fix] }))
  }

  private expr(node: CstNode | undefined): IR.Expr {
    if (node === undefined) throw new Error('CST is missing an expression')
    return this.visit(node) as IR.Expr
  }

  // ───────────── items ─────────────

  program(ctx: C.ProgramCstChildren): IR.Item[] {
    return (ctx.item ?? []).map((i) => this.visit(i) as IR.Item)
  }

  item(ctx: C.ItemCstChildren): IR.Item {
    const child = ctx.metadataBlock ?? ctx.agentDef ?? ctx.policyDef ?? ctx.typeDef ?? ctx.functionDef ?? ctx.blockItem
    return this.visit(first(child as CstNode[] | undefined, 'item')) as IR.Item
  }

  metadataBlock(ctx: C.MetadataBlockCstChildren): IR.Metadata {
    const entries = (ctx.property ?? []).map((p) => this.attributeOf(p))
    return { kind: 'Metadata', entries, span: join(tspan(first(ctx.Metadata, 'metadata')), tspan(first(ctx.RBrace, '}'))) }
  }

  private attributeOf(p: C.PropertyCstNode): IR.Attribute {
    const key = first(p.children.IdentLike, 'key')
    const value = this.expr(first(p.children.expression, 'value'))
    return { key: key.image, value, span: join(tspan(key), value.span) }
  }

  property(ctx: C.PropertyCstChildren): IR.PropertyMember {
    const key = first(ctx.IdentLike, 'key')
    const value = this.expr(first(ctx.expression, 'value'))
    return { kind: 'Property', key: key.image, value, span: join(tspan(key), value.span) }
  }

  agentDef(ctx: C.AgentDefCstChildren): IR.Agent {
    const params = ctx.paramList ? (this.visit(first(ctx.paramList, 'params')) as IR.Param[]) : []
    const members = (ctx.agentMember ?? []).map((m) => this.visit(m) as IR.AgentMember)
    const agent: { -readonly [K in keyof IR.Agent]: IR.Agent[K] } = {
      kind: 'Agent',
      name: first(ctx.IdentLike, 'name').image,
      params,
      members,
      span: join(tspan(first(ctx.Agent, 'agent')), tspan(first(ctx.RBrace, '}'))),
    }
    if (ctx.typeRef) agent.returns = this.visit(first(ctx.typeRef, 'type')) as IR.TypeRef
    return agent
  }

  agentMember(ctx: C.AgentMemberCstChildren): IR.AgentMember {
    const child = ctx.capabilitiesDecl ?? ctx.policyDef ?? ctx.functionDef ?? ctx.withBlock ?? ctx.blockMember
    return this.visit(first(child as CstNode[] | undefined, 'agent member')) as IR.AgentMember
  }

  capabilitiesDecl(ctx: C.CapabilitiesDeclCstChildren): IR.AgentMember {
    const value = this.expr(first(ctx.expression, 'capabilities'))
    return { kind: 'Capabilities', value, span: join(tspan(first(ctx.Capabilities, 'capabilities')), value.span) }
  }

  paramList(ctx: C.ParamListCstChildren): IR.Param[] {
    const params = (ctx.param ?? []).map((p) => this.visit(p) as IR.Param)
    this.checkDuplicateNames(params.map((p) => ({ name: p.name, span: p.span })))
    return params
  }

  param(ctx: C.ParamCstChildren): IR.Param {
    const name = first(ctx.IdentLike, 'name')
    if (!ctx.typeRef) return { name: name.image, span: tspan(name) }
    const type = this.visit(first(ctx.typeRef, 'type')) as IR.TypeRef
    return { name: name.image, type, span: join(tspan(name), type.span) }
  }

  typeRef(ctx: C.TypeRefCstChildren): IR.TypeRef {
    const name = first(ctx.IdentLike, 'type name')
    const args = (ctx.typeRef ?? []).map((t) => this.visit(t) as IR.TypeRef)
    const end = ctx.Question?.[0] ?? ctx.Greater?.[0] ?? name
    return { kind: 'TypeRef', name: name.image, args, optional: ctx.Question !== undefined, span: join(tspan(name), tspan(end)) }
  }

  functionDef(ctx: C.FunctionDefCstChildren): IR.FunctionDef {
    const body = this.visit(first(ctx.block, 'body')) as IR.Block
    const fn: { -readonly [K in keyof IR.FunctionDef]: IR.FunctionDef[K] } = {
      kind: 'Function',
      name: first(ctx.IdentLike, 'name').image,
      params: this.visit(first(ctx.paramList, 'params')) as IR.Param[],
      body,
      span: join(tspan(first(ctx.Function, 'function')), body.span),
    }
    if (ctx.typeRef) fn.returns = this.visit(first(ctx.typeRef, 'type')) as IR.TypeRef
    return fn
  }

  typeDef(ctx: C.TypeDefCstChildren): IR.TypeDef {
    const start = tspan(first(ctx.Type, 'type'))
    const name = first(ctx.IdentLike, 'name').image
    if (ctx.LBrace) {
      const fields = (ctx.typeField ?? []).map((f) => this.visit(f) as IR.TypeField)
      return { kind: 'TypeDef', name, fields, span: join(start, tspan(first(ctx.RBrace, '}'))) }
    }
    const alias = this.visit(first(ctx.typeRef, 'type')) as IR.TypeRef
    return { kind: 'TypeDef', name, alias, span: join(start, alias.span) }
  }

  typeField(ctx: C.TypeFieldCstChildren): IR.TypeField {
    const name = first(ctx.IdentLike, 'field')
    const type = this.visit(first(ctx.typeRef, 'type')) as IR.TypeRef
    return { name: name.image, type, span: join(tspan(name), type.span) }
  }

  blockItem(ctx: C.BlockItemCstChildren): IR.BlockItem {
    const kw = first(ctx.Schedule ?? ctx.Channel ?? ctx.Memory ?? ctx.Webhook, 'block keyword')
    const kinds = { schedule: 'Schedule', channel: 'Channel', memory: 'Memory', webhook: 'Webhook' } as const
    return {
      kind: kinds[kw.image as keyof typeof kinds],
      name: first(ctx.IdentLike, 'name').image,
      members: (ctx.blockMember ?? []).map((m) => this.visit(m) as IR.BlockMember),
      span: join(tspan(kw), tspan(first(ctx.RBrace, '}'))),
    }
  }

  blockMember(ctx: C.BlockMemberCstChildren): IR.BlockMember {
    const child = ctx.policyDef ?? ctx.dataClassification ?? ctx.section ?? ctx.property
    return this.visit(first(child as CstNode[] | undefined, 'member')) as IR.BlockMember
  }

  section(ctx: C.SectionCstChildren): IR.SectionMember {
    const name = first(ctx.IdentLike, 'name')
    return {
      kind: 'Section',
      name: name.image,
      members: (ctx.blockMember ?? []).map((m) => this.visit(m) as IR.BlockMember),
      span: join(tspan(name), tspan(first(ctx.RBrace, '}'))),
    }
  }

  dataClassification(ctx: C.DataClassificationCstChildren): IR.DataClassificationBlock {
    return {
      kind: 'DataClassification',
      rules: (ctx.classificationRule ?? []).map((r) => this.visit(r) as IR.ClassificationRule),
      span: join(tspan(first(ctx.DataClassification, 'data_classification')), tspan(first(ctx.RBrace, '}'))),
    }
  }

  classificationRule(ctx: C.ClassificationRuleCstChildren): IR.ClassificationRule {
    const category = first(ctx.IdentLike, 'category')
    const action = this.expr(first(ctx.expression, 'action'))
    return { category: category.image, action, span: join(tspan(category), action.span) }
  }

  // ───────────── policies ─────────────

  policyDef(ctx: C.PolicyDefCstChildren): IR.Policy {
    this.diagnostics.push(...separatorErrors(ctx))
    return {
      kind: 'Policy',
      name: first(ctx.IdentLike, 'name').image,
      rules: (ctx.rule ?? []).map((r) => this.visit(r) as IR.Rule),
      span: join(tspan(first(ctx.Policy, 'policy')), tspan(first(ctx.RBrace, '}'))),
    }
  }

  rule(ctx: C.RuleCstChildren): IR.Rule {
    const kw = first(ctx.Allow ?? ctx.Deny ?? ctx.Require ?? ctx.Audit, 'rule kind')
    const ruleKind = kw.image as IR.RuleKind
    const target = this.expr(first(ctx.expression, 'target'))
    const rule: { -readonly [K in keyof IR.Rule]: IR.Rule[K] } = { kind: 'Rule', ruleKind, target, span: join(tspan(kw), target.span) }
    const isObligationKind = ruleKind === 'require' || ruleKind === 'audit'
    this.checkAssigns(target, isObligationKind)
    if (ctx.scope) {
      rule.scope = this.expr(ctx.scope[0])
      rule.span = join(rule.span, rule.scope.span)
      if (this.strict) this.error(STRICT.forScope, '`for` scopes are a seed extension', join(tspan(first(ctx.For, 'for')), rule.scope.span), 'move the condition into the guard, e.g. `if action_in_group("…")`, or drop --strict')
    }
    if (ctx.modifier) {
      rule.modifiers = ctx.modifier.map((m) => this.expr(m))
      const last = rule.modifiers[rule.modifiers.length - 1] as IR.Expr
      const withSpan = join(tspan(first(ctx.With, 'with')), last.span)
      rule.span = join(rule.span, last.span)
      const drop = replaceFix('remove the `with` modifiers', { start: target.span.end, end: withSpan.end }, '')
      if (!isObligationKind) this.error(PARSE.withOnAllowDeny, `\`with\` modifiers are not allowed on ${ruleKind} rules`, withSpan, 'modifiers belong to audit or require rules; express conditions on allow/deny with `if`', drop)
      else if (this.strict) this.error(STRICT.withModifiers, '`with` modifiers are a seed extension', withSpan, 'drop the modifiers or drop --strict', drop)
    }
    if (ctx.guard) {
      rule.guard = this.expr(ctx.guard[0])
      rule.span = join(rule.span, rule.guard.span)
    }
    if (ctx.without) {
      const w = first(ctx.without, 'without')
      const tail = this.expr(first(ctx.withoutTarget, 'without target'))
      this.error(PARSE.without, '`X without Y` is not supported', join(tspan(w), tail.span), 'add a separate `deny:` rule for the excluded case, or `&& !(…)` in the guard')
    }
    return rule
  }

  /** `name = value` is a seed obligation only as a direct element of a require/audit list. */
  private checkAssigns(target: IR.Expr, obligationList: boolean): void {
    if (!obligationList || target.kind !== 'Array') return
    for (const el of target.elements) {
      if (el.kind !== 'Assign') continue
      this.admitted.add(el)
      if (this.strict) this.error(STRICT.assignObligation, '`name = value` obligations are a seed extension', el.span, 'drop --strict, or attach the parameter in the runtime')
    }
  }

  /**
   * Reports every `name = value` element that no require/audit list admitted — wherever it is
   * (a guard, a nested array, a statement) — and forgets them. Call after each visit.
   */
  flushAssigns(): void {
    for (const e of this.assigns) {
      if (!this.admitted.has(e)) this.error(PARSE.misplacedAssign, `\`${e.name} = …\` is only allowed as an element of a require or audit list`, e.span, `compare with \`${e.name} == …\`, or move it into a require/audit list`)
    }
    this.assigns = []
    this.admitted = new Set()
  }

  // ───────────── statements ─────────────

  block(ctx: C.BlockCstChildren): IR.Block {
    const statements = (ctx.statement ?? []).map((s) => this.visit(s) as IR.Stmt | { value: IR.Expr; missingSemi: true })
    const span = join(tspan(first(ctx.LBrace, '{')), tspan(first(ctx.RBrace, '}')))
    const out: IR.Stmt[] = []
    let value: IR.Expr | undefined
    statements.forEach((s, i) => {
      if ('missingSemi' in s) {
        if (i === statements.length - 1) value = s.value
        else {
          const at = { start: s.value.span.end, end: s.value.span.end }
          this.error(PARSE.missingSemicolon, 'expected `;` after this statement', at, 'statements end with `;`', replaceFix('insert `;`', at, ';'))
          out.push({ kind: 'ExprStmt', expr: s.value, span: s.value.span })
        }
      } else out.push(s)
    })
    return value === undefined ? { kind: 'Block', statements: out, span } : { kind: 'Block', statements: out, value, span }
  }

  statement(ctx: C.StatementCstChildren): unknown {
    const child = ctx.letStmt ?? ctx.ifStmt ?? ctx.forStmt ?? ctx.matchStmt ?? ctx.tryStmt ?? ctx.returnStmt ?? ctx.withBlock ?? ctx.exprStmt
    return this.visit(first(child as CstNode[] | undefined, 'statement'))
  }

  letStmt(ctx: C.LetStmtCstChildren): IR.LetStmt {
    const value = this.expr(first(ctx.expression, 'value'))
    const span = join(tspan(first(ctx.Let, 'let')), tspan(first(ctx.Semicolon, ';')))
    const name = first(ctx.IdentLike, 'name').image
    return ctx.typeRef ? { kind: 'Let', name, type: this.visit(ctx.typeRef[0] as CstNode) as IR.TypeRef, value, span } : { kind: 'Let', name, value, span }
  }

  ifStmt(ctx: C.IfStmtCstChildren): IR.IfStmt {
    const cond = this.expr(first(ctx.expression, 'condition'))
    const then = this.visit(first(ctx.block, 'then')) as IR.Block
    const start = tspan(first(ctx.If, 'if'))
    const elseNode = ctx.ifStmt?.[0] ?? ctx.block[1]
    if (elseNode === undefined) return { kind: 'If', cond, then, span: join(start, then.span) }
    const otherwise = this.visit(elseNode) as IR.Block | IR.IfStmt
    return { kind: 'If', cond, then, else: otherwise, span: join(start, otherwise.span) }
  }

  forStmt(ctx: C.ForStmtCstChildren): IR.ForStmt {
    const body = this.visit(first(ctx.block, 'body')) as IR.Block
    return {
      kind: 'For',
      binding: first(ctx.IdentLike, 'binding').image,
      iterable: this.expr(first(ctx.expression, 'iterable')),
      body,
      span: join(tspan(first(ctx.For, 'for')), body.span),
    }
  }

  matchStmt(ctx: C.MatchStmtCstChildren): IR.MatchStmt {
    return {
      kind: 'Match',
      subject: this.expr(first(ctx.expression, 'subject')),
      arms: (ctx.matchArm ?? []).map((a) => this.visit(a) as IR.MatchArm),
      span: join(tspan(first(ctx.Match, 'match')), tspan(first(ctx.RBrace, '}'))),
    }
  }

  matchArm(ctx: C.MatchArmCstChildren): IR.MatchArm {
    const pattern = this.visit(first(ctx.matchPattern, 'pattern')) as IR.Expr
    const body = (ctx.block ? this.visit(ctx.block[0] as CstNode) : this.expr(first(ctx.expression, 'arm body'))) as IR.Expr | IR.Block
    return { pattern, body, span: join(pattern.span, body.span) }
  }

  matchPattern(ctx: C.MatchPatternCstChildren): IR.Expr {
    return this.literalOrName(ctx)
  }

  tryStmt(ctx: C.TryStmtCstChildren): IR.TryStmt {
    const body = this.visit(first(ctx.block, 'try body')) as IR.Block
    const handler = this.visit(first(ctx.block.slice(1), 'catch body')) as IR.Block
    const span = join(tspan(first(ctx.Try, 'try')), handler.span)
    const binding = ctx.IdentLike?.[0]?.image
    return binding === undefined ? { kind: 'Try', body, handler, span } : { kind: 'Try', body, binding, handler, span }
  }

  returnStmt(ctx: C.ReturnStmtCstChildren): IR.ReturnStmt {
    const span = join(tspan(first(ctx.Return, 'return')), tspan(first(ctx.Semicolon, ';')))
    return ctx.expression ? { kind: 'Return', value: this.expr(ctx.expression[0]), span } : { kind: 'Return', span }
  }

  withBlock(ctx: C.WithBlockCstChildren): IR.WithBlock {
    const body = this.visit(first(ctx.block, 'body')) as IR.Block
    return {
      kind: 'With',
      attributes: ctx.withAttribute.map((a) => this.visit(a) as IR.Attribute),
      body,
      span: join(tspan(first(ctx.With, 'with')), body.span),
    }
  }

  withAttribute(ctx: C.WithAttributeCstChildren): IR.Attribute {
    const key = first(ctx.IdentLike, 'key')
    const value = this.expr(first(ctx.expression, 'value'))
    return { key: key.image, value, span: join(tspan(key), value.span) }
  }

  exprStmt(ctx: C.ExprStmtCstChildren): IR.ExprStmt | { value: IR.Expr; missingSemi: true } {
    const expr = this.expr(first(ctx.expression, 'expression'))
    if (!ctx.Semicolon) return { value: expr, missingSemi: true }
    return { kind: 'ExprStmt', expr, span: join(expr.span, tspan(ctx.Semicolon[0] as IToken)) }
  }

  // ───────────── expressions ─────────────

  expression(ctx: C.ExpressionCstChildren): IR.Expr {
    return this.expr(first(ctx.orExpr, 'expression'))
  }

  private fold(operands: readonly CstNode[], operators: IToken[], opOf: (t: IToken) => IR.BinaryOp): IR.Expr {
    let left = this.expr(operands[0])
    operators.forEach((op, i) => {
      const right = this.expr(operands[i + 1])
      left = { kind: 'Binary', op: opOf(op), left, right, span: join(left.span, right.span) }
    })
    return left
  }

  orExpr(ctx: C.OrExprCstChildren): IR.Expr {
    const ops = ordered(ctx.OrOr, ctx.Pipe, ctx.wordOp)
    for (const op of ops) {
      if (op.image === 'or') this.error(PARSE.wordOperator, '`or` is not an operator', tspan(op), 'use `||`', replaceFix('replace `or` with `||`', tspan(op), '||'))
      else if (op.image === '|') this.error(PARSE.unionPipe, '`|` is not an operator: union types like `"a" | "b"` are not supported', tspan(op), 'test membership with `x in ["a", "b"]`, or use `||` between comparisons')
    }
    return this.fold(ctx.andExpr, ops, () => '||')
  }

  andExpr(ctx: C.AndExprCstChildren): IR.Expr {
    const ops = ordered(ctx.AndAnd, ctx.wordOp)
    for (const op of ops) if (op.image === 'and') this.error(PARSE.wordOperator, '`and` is not an operator', tspan(op), 'use `&&`', replaceFix('replace `and` with `&&`', tspan(op), '&&'))
    return this.fold(ctx.eqExpr, ops, () => '&&')
  }

  eqExpr(ctx: C.EqExprCstChildren): IR.Expr {
    return this.fold(ctx.relExpr, ordered(ctx.EqEq, ctx.NotEq, ctx.In), (t) => t.image as IR.BinaryOp)
  }

  relExpr(ctx: C.RelExprCstChildren): IR.Expr {
    return this.fold(ctx.addExpr, ordered(ctx.Less, ctx.Greater, ctx.LessEq, ctx.GreaterEq), (t) => t.image as IR.BinaryOp)
  }

  addExpr(ctx: C.AddExprCstChildren): IR.Expr {
    return this.fold(ctx.mulExpr, ordered(ctx.Plus, ctx.Minus), (t) => t.image as IR.BinaryOp)
  }

  mulExpr(ctx: C.MulExprCstChildren): IR.Expr {
    return this.fold(ctx.unaryExpr, ordered(ctx.Star, ctx.Slash, ctx.Percent), (t) => t.image as IR.BinaryOp)
  }

  unaryExpr(ctx: C.UnaryExprCstChildren): IR.Expr {
    let operand = this.expr(first(ctx.postfixExpr, 'operand'))
    const ops = ordered(ctx.Bang, ctx.Not, ctx.Minus)
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i] as IToken
      operand = { kind: 'Unary', op: op.image as IR.UnaryOp, operand, span: join(tspan(op), operand.span) }
    }
    return operand
  }

  postfixExpr(ctx: C.PostfixExprCstChildren): IR.Expr {
    let e = this.expr(first(ctx.primary, 'primary'))
    let member = 0
    let call = 0
    let index = 0
    let path = 0
    for (const op of ordered(ctx.Dot, ctx.LParen, ctx.LBracket, ctx.DoubleColon)) {
      if (op.image === '.') {
        const name = ctx.member?.[member++] as IToken
        e = { kind: 'Member', object: e, property: name.image, span: join(e.span, tspan(name)) }
      } else if (op.image === '(') {
        const close = ctx.RParen?.[call] as IToken
        const args = this.visit(ctx.argList?.[call++] as CstNode) as IR.Arg[]
        e = { kind: 'Call', callee: e, args, span: join(e.span, tspan(close)) }
      } else if (op.image === '[') {
        const close = ctx.RBracket?.[index] as IToken
        const idx = this.expr(ctx.index?.[index++])
        e = { kind: 'Index', object: e, index: idx, span: join(e.span, tspan(close)) }
      } else {
        const seg = ctx.pathSegment?.[path++] as IToken
        this.error(PARSE.pathSeparator, '`::` paths are not supported', join(tspan(op), tspan(seg)), `use \`.\` for members, or a string for a qualified name: "…::${seg.image}"`)
        e = { kind: 'Member', object: e, property: seg.image, span: join(e.span, tspan(seg)) }
      }
    }
    return e
  }

  argList(ctx: C.ArgListCstChildren): IR.Arg[] {
    return (ctx.arg ?? []).map((a) => this.visit(a) as IR.Arg)
  }

  arg(ctx: C.ArgCstChildren): IR.Arg {
    const value = this.expr(first(ctx.expression, 'argument'))
    const name = ctx.argName?.[0]
    return name ? { name: name.image, value, span: join(tspan(name), value.span) } : { value, span: value.span }
  }

  primary(ctx: C.PrimaryCstChildren): IR.Expr {
    const sub = ctx.lambda ?? ctx.pipeClosure ?? ctx.ifExpr ?? ctx.typedRecord ?? ctx.setLiteral ?? ctx.record ?? ctx.array ?? ctx.paren
    if (sub) return this.expr(sub[0])
    return this.literalOrName(ctx)
  }

  private literalOrName(ctx: C.PrimaryCstChildren | C.MatchPatternCstChildren): IR.Expr {
    if (ctx.True) return { kind: 'Bool', value: true, span: tspan(ctx.True[0] as IToken) }
    if (ctx.False) return { kind: 'Bool', value: false, span: tspan(ctx.False[0] as IToken) }
    if (ctx.Underscore) return { kind: 'Wildcard', span: tspan(ctx.Underscore[0] as IToken) }
    if (ctx.StringLiteral) {
      const t = ctx.StringLiteral[0] as IToken
      return { kind: 'String', value: decodeString(t.image), raw: t.image, span: tspan(t) }
    }
    if (ctx.NumberLiteral) {
      const t = ctx.NumberLiteral[0] as IToken
      return { kind: 'Number', value: Number(t.image.replace(/_/g, '')), raw: t.image, span: tspan(t) }
    }
    if (ctx.DurationLiteral) return parseDuration(ctx.DurationLiteral[0] as IToken)
    if ('DottedDuration' in ctx && ctx.DottedDuration) return parseDuration(ctx.DottedDuration[0] as IToken)
    if ('VaultRef' in ctx && ctx.VaultRef) {
      const t = ctx.VaultRef[0] as IToken
      return { kind: 'Vault', path: t.image.slice('vault://'.length), span: tspan(t) }
    }
    const name = first(ctx.IdentLike, 'identifier')
    return { kind: 'Ident', name: name.image, span: tspan(name) }
  }

  lambda(ctx: C.LambdaCstChildren): IR.Lambda {
    const param = first(ctx.IdentLike, 'parameter')
    const body = this.expr(first(ctx.expression, 'body'))
    return { kind: 'Lambda', params: [param.image], body, span: join(tspan(param), body.span) }
  }

  pipeClosure(ctx: C.PipeClosureCstChildren): IR.Lambda {
    const params = (ctx.IdentLike ?? []).map((t) => t.image)
    this.checkDuplicateNames((ctx.IdentLike ?? []).map((t) => ({ name: t.image, span: tspan(t) })))
    const body = this.expr(first(ctx.expression, 'body'))
    const span = join(tspan(first(ctx.Pipe, '|')), body.span)
    if (this.strict) {
      const head = join(tspan(first(ctx.Pipe, '|')), tspan(ctx.Pipe[1] as IToken))
      const help = params.length === 1 ? `write \`${params[0] ?? ''} => …\`` : 'closures with several parameters have no strict form'
      const fix = params.length === 1 ? replaceFix(`rewrite as \`${params[0] ?? ''} => …\``, head, `${params[0] ?? ''} =>`) : undefined
      this.error(STRICT.pipeClosure, '`|x| expr` closures are a seed extension', head, help, fix)
    }
    return { kind: 'Lambda', params, body, span }
  }

  private checkDuplicateNames(names: readonly { name: string; span: Span }[]): void {
    const seen = new Set<string>()
    for (const n of names) {
      if (seen.has(n.name)) this.error(PARSE.duplicateParam, `parameter \`${n.name}\` is declared twice`, n.span, 'rename one of them')
      seen.add(n.name)
    }
  }

  ifExpr(ctx: C.IfExprCstChildren): IR.IfExpr {
    const cond = this.expr(first(ctx.expression, 'condition'))
    const then = this.visit(first(ctx.block, 'then')) as IR.Block
    const start = tspan(first(ctx.If, 'if'))
    const elseNode = ctx.ifExpr?.[0] ?? ctx.block[1]
    if (elseNode === undefined) return { kind: 'IfExpr', cond, then, span: join(start, then.span) }
    const otherwise = this.visit(elseNode) as IR.Block | IR.IfExpr
    return { kind: 'IfExpr', cond, then, else: otherwise, span: join(start, otherwise.span) }
  }

  typedRecord(ctx: C.TypedRecordCstChildren): IR.RecordLit {
    const name = first(ctx.IdentLike, 'type name')
    const rec = this.visit(first(ctx.record, 'record')) as IR.RecordLit
    return { kind: 'Record', typeName: name.image, fields: rec.fields, span: join(tspan(name), rec.span) }
  }

  record(ctx: C.RecordCstChildren): IR.RecordLit {
    return {
      kind: 'Record',
      fields: (ctx.recordField ?? []).map((f) => this.visit(f) as IR.Field),
      span: join(tspan(first(ctx.LBrace, '{')), tspan(first(ctx.RBrace, '}'))),
    }
  }

  recordField(ctx: C.RecordFieldCstChildren): IR.Field {
    const value = this.expr(first(ctx.expression, 'value'))
    const str = ctx.StringLiteral?.[0]
    const key = str ?? first(ctx.IdentLike, 'key')
    return { key: str ? decodeString(str.image) : key.image, quoted: str !== undefined, value, span: join(tspan(key), value.span) }
  }

  setLiteral(ctx: C.SetLiteralCstChildren): IR.Expr {
    const open = tspan(first(ctx.LBrace, '{'))
    const close = tspan(first(ctx.RBrace, '}'))
    const span = join(open, close)
    const elements = ctx.expression.map((e) => this.expr(e))
    const fix: Fix = { title: 'write it as an array `[…]`', edits: [{ span: open, text: '[' }, { span: close, text: ']' }] }
    this.error(PARSE.setLiteral, 'set literals are not supported', span, `use an array: [${elements.map((e) => (e.kind === 'String' ? encodeString(e.value) : '…')).join(', ')}]`, fix)
    return { kind: 'Array', elements, span }
  }

  array(ctx: C.ArrayCstChildren): IR.ArrayLit {
    return {
      kind: 'Array',
      elements: (ctx.arrayElement ?? []).map((e) => this.visit(e) as IR.Expr),
      span: join(tspan(first(ctx.LBracket, '[')), tspan(first(ctx.RBracket, ']'))),
    }
  }

  arrayElement(ctx: C.ArrayElementCstChildren): IR.Expr {
    const value = this.expr(first(ctx.expression, 'element'))
    const name = ctx.assignName?.[0]
    if (!name) return value
    const assign: IR.Assign = { kind: 'Assign', name: name.image, value, span: join(tspan(name), value.span) }
    this.assigns.push(assign)
    return assign
  }

  paren(ctx: C.ParenCstChildren): IR.Expr {
    return this.expr(first(ctx.expression, 'parenthesised expression'))
  }
}

let cached: { strict: boolean; visitor: CstToIr } | undefined

/** Lowers a CST; returns the items and the diagnostics lowering found. */
export function lowerProgram(cst: CstNode, options: LowerOptions): { items: IR.Item[]; diagnostics: Diagnostic[] } {
  // validateVisitor runs once per visitor; one is kept per mode and its diagnostics reset.
  if (cached?.strict !== options.strict) cached = { strict: options.strict, visitor: new CstToIr(options) }
  const v = cached.visitor
  v.diagnostics.length = 0
  v.flushAssigns()
  v.diagnostics.length = 0
  const items = v.visit(cst) as IR.Item[]
  v.flushAssigns()
  return { items, diagnostics: [...v.diagnostics] }
}

function separatorErrors(ctx: C.PolicyDefCstChildren): Diagnostic[] {
  return ordered(ctx.Semicolon, ctx.Comma)
    .filter((sep) => !sep.isInsertedInRecovery)
    .map((sep) =>
      diagnostic(PARSE.ruleSeparator, 'error', `rules are not separated by \`${sep.image}\``, tspan(sep), {
        help: `remove the \`${sep.image}\`; each rule starts with its kind (allow:, deny:, require:, audit:)`,
        fixes: [replaceFix(`remove the \`${sep.image}\``, tspan(sep), '')],
      }),
    )
}

const LINT_UNITS = new Set(['item', 'rule', 'statement', 'agentMember', 'blockMember'])

function isClean(node: CstNode): boolean {
  if (node.recoveredNode) return false
  for (const list of Object.values(node.children)) {
    for (const c of list) {
      if ('children' in c) {
        if (!isClean(c)) return false
      } else if (c.isInsertedInRecovery) return false
    }
  }
  return true
}

/**
 * On a tree that error recovery patched, reports the lowering diagnostics of every unit (item,
 * rule, statement) that parsed cleanly, so a file's helpful errors are all shown at once. The
 * IR built on the way is discarded: a recovered tree is never lowered for use.
 */
export function lintRecoveredTree(cst: CstNode, options: LowerOptions): Diagnostic[] {
  if (cached?.strict !== options.strict) cached = { strict: options.strict, visitor: new CstToIr(options) }
  const v = cached.visitor
  const out: Diagnostic[] = []
  const stack: CstNode[] = [cst]
  while (stack.length > 0) {
    const node = stack.pop() as CstNode
    if (LINT_UNITS.has(node.name) && isClean(node)) {
      v.diagnostics.length = 0
      v.flushAssigns()
      v.diagnostics.length = 0
      try {
        v.visit(node)
        v.flushAssigns()
        out.push(...v.diagnostics)
      } catch {
        // A unit the visitor cannot read adds nothing; its syntax error is already reported.
      }
      continue
    }
    if (node.name === 'policyDef') out.push(...separatorErrors(node.children as C.PolicyDefCstChildren))
    for (const list of Object.values(node.children)) for (const c of list) if ('children' in c) stack.push(c)
  }
  return out
}
