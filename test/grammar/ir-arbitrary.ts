/**
 * fast-check arbitraries for IR programs, used by the round-trip and formatter properties.
 * Spans are all zero: the properties compare IR after `stripSpans`. Generated IR is what the
 * parser can produce — identifiers avoid words that are reserved in expression position,
 * `name = value` appears only in require/audit lists, typed records are capitalised — so that
 * any difference after printing and parsing again is a bug, not a generator artefact.
 */
import fc from 'fast-check'
import type * as IR from '../../grammar/ir.js'
import { printExpr } from '../../grammar/print-expr.js'
import { encodeString } from '../../grammar/strings.js'
import { KEYWORDS } from '../../grammar/tokens.js'

const S: IR.Span = { start: 0, end: 0 }

const RESERVED = new Set([...KEYWORDS.map((t) => String(t.PATTERN).replace(/^\/|\/$/g, '')), 'and', 'or', 'without'])

/** A plain identifier: never a keyword, never `and`/`or`/`without`. */
export const ident = fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/).filter((s) => !RESERVED.has(s))
/** A capitalised name for typed records and types. */
export const typeName = fc.stringMatching(/^[A-Z][A-Za-z0-9_]{0,6}$/).filter((s) => !RESERVED.has(s))
/** Names where the grammar also takes keywords: members, record keys, named arguments. */
const looseName = fc.oneof({ weight: 4, arbitrary: ident }, { weight: 1, arbitrary: fc.constantFrom('if', 'policy', 'match', 'in', 'not', 'true', 'for', 'with', 'allow', 'type', 'and', 'or') })

const str: fc.Arbitrary<IR.StringLit> = fc
  .oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\t', '#', '/', 'a', '\u0001', '\ud83d'), maxLength: 6 }))
  .map((value) => ({ kind: 'String', value, raw: encodeString(value), span: S }))

const num: fc.Arbitrary<IR.NumberLit> = fc
  .oneof(fc.nat(), fc.maxSafeNat(), fc.double({ min: 0, max: 1e12, noNaN: true }))
  .filter((v) => /^\d+(\.\d+)?$/.test(String(v)))
  .map((value) => ({ kind: 'Number', value, raw: String(value), span: S }))

const UNITS: readonly IR.DurationUnit[] = ['s', 'm', 'h', 'd', 'w', 'months', 'y', 'seconds', 'minutes', 'hours']
const duration: fc.Arbitrary<IR.DurationLit> = fc.record({ amount: fc.nat({ max: 100_000 }), unit: fc.constantFrom(...UNITS) }).map((d) => ({ kind: 'Duration', ...d, span: S }))
const vault: fc.Arbitrary<IR.VaultRef> = fc.stringMatching(/^[A-Za-z0-9_-]{1,5}(\/[A-Za-z0-9_.-]{1,5}){0,3}$/).map((path) => ({ kind: 'Vault', path, span: S }))
const bool: fc.Arbitrary<IR.BoolLit> = fc.boolean().map((value) => ({ kind: 'Bool', value, span: S }))
const identExpr: fc.Arbitrary<IR.Ident> = ident.map((name) => ({ kind: 'Ident', name, span: S }))

const leaf: fc.Arbitrary<IR.Expr> = fc.oneof(
  { weight: 4, arbitrary: identExpr },
  { weight: 1, arbitrary: str },
  { weight: 1, arbitrary: num },
  { weight: 1, arbitrary: duration },
  { weight: 1, arbitrary: vault },
  { weight: 1, arbitrary: bool },
)

const BINARY_OPS: readonly IR.BinaryOp[] = ['||', '&&', '==', '!=', 'in', '<', '>', '<=', '>=', '+', '-', '*', '/', '%']
const UNARY_OPS: readonly IR.UnaryOp[] = ['!', 'not', '-']

const exprCache = new Map<number, fc.Arbitrary<IR.Expr>>()

/** Expressions up to `depth` levels of nesting. */
export function expr(depth: number): fc.Arbitrary<IR.Expr> {
  const cached = exprCache.get(depth)
  if (cached) return cached
  if (depth <= 0) return leaf
  const sub = expr(depth - 1)
  const arg: fc.Arbitrary<IR.Arg> = fc.record({ name: fc.option(looseName, { nil: undefined }), value: sub }).map(({ name, value }) => (name === undefined ? { value, span: S } : { name, value, span: S }))
  const field: fc.Arbitrary<IR.Field> = fc.oneof(
    fc.record({ key: looseName, value: sub }).map(({ key, value }) => ({ key, quoted: false, value, span: S })),
    fc.record({ key: fc.string({ maxLength: 6 }), value: sub }).map(({ key, value }) => ({ key, quoted: true, value, span: S })),
  )
  const block = inlineBlock(sub)
  const arb: fc.Arbitrary<IR.Expr> = fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 4, arbitrary: fc.record({ op: fc.constantFrom(...BINARY_OPS), left: sub, right: sub }).map((b) => ({ kind: 'Binary' as const, ...b, span: S })) },
    { weight: 2, arbitrary: fc.record({ op: fc.constantFrom(...UNARY_OPS), operand: sub }).map((u) => ({ kind: 'Unary' as const, ...u, span: S })) },
    { weight: 2, arbitrary: fc.record({ object: sub, property: looseName }).map((m) => ({ kind: 'Member' as const, ...m, span: S })) },
    { weight: 1, arbitrary: fc.record({ object: sub, index: sub }).map((m) => ({ kind: 'Index' as const, ...m, span: S })) },
    { weight: 2, arbitrary: fc.record({ callee: sub, args: fc.array(arg, { maxLength: 3 }) }).map((c) => ({ kind: 'Call' as const, ...c, span: S })) },
    {
      weight: 1,
      arbitrary: fc.record({ params: fc.uniqueArray(ident, { minLength: 1, maxLength: 3 }), body: sub }).map((l) => ({ kind: 'Lambda' as const, ...l, span: S })),
    },
    { weight: 1, arbitrary: fc.array(sub, { maxLength: 3 }).map((elements) => ({ kind: 'Array' as const, elements, span: S })) },
    {
      weight: 1,
      arbitrary: fc.record({ typeName: fc.option(typeName, { nil: undefined }), fields: fc.array(field, { maxLength: 3 }) }).map(({ typeName: t, fields }) =>
        t === undefined ? { kind: 'Record' as const, fields, span: S } : { kind: 'Record' as const, typeName: t, fields, span: S },
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ cond: sub, then: block, otherwise: fc.option(block, { nil: undefined }) }).map(({ cond, then, otherwise }) =>
        otherwise === undefined ? { kind: 'IfExpr' as const, cond, then, span: S } : { kind: 'IfExpr' as const, cond, then, else: otherwise, span: S },
      ),
    },
  )
  exprCache.set(depth, arb)
  return arb
}

/** A block inside an expression: `let` statements and an optional value. */
function inlineBlock(sub: fc.Arbitrary<IR.Expr>): fc.Arbitrary<IR.Block> {
  const letStmt = fc.record({ name: ident, value: sub }).map(({ name, value }): IR.Stmt => ({ kind: 'Let', name, value, span: S }))
  return fc
    .record({ statements: fc.array(letStmt, { maxLength: 2 }), value: fc.option(sub, { nil: undefined }) })
    .map(({ statements, value }) => (value === undefined ? { kind: 'Block', statements, span: S } : { kind: 'Block', statements, value, span: S }))
}

const E = expr(3)
// Statement-position expressions may start with `if` or `{}`: the printer parenthesises them.
const stmtExpr = E

const typeRef: fc.Arbitrary<IR.TypeRef> = fc.letrec<{ t: IR.TypeRef }>((tie) => ({
  t: fc
    .record({
      name: fc.oneof(typeName, fc.constantFrom('String', 'int', 'float', 'bool'), ident),
      args: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant([]), fc.array(tie('t'), { minLength: 1, maxLength: 2 })),
      optional: fc.boolean(),
    })
    .map((t) => ({ kind: 'TypeRef' as const, ...t, span: S })),
})).t

const param: fc.Arbitrary<IR.Param> = fc.record({ name: ident, type: fc.option(typeRef, { nil: undefined }) }).map(({ name, type }) => (type === undefined ? { name, span: S } : { name, type, span: S }))
const params = fc.uniqueArray(param, { maxLength: 3, selector: (p) => p.name })

const attribute: fc.Arbitrary<IR.Attribute> = fc.record({ key: ident, value: E }).map((a) => ({ ...a, span: S }))

/** Statements of function bodies, `depth` levels of nested blocks. */
function stmt(depth: number): fc.Arbitrary<IR.Stmt> {
  const simple: fc.Arbitrary<IR.Stmt> = fc.oneof(
    fc.record({ name: ident, type: fc.option(typeRef, { nil: undefined }), value: E }).map(({ name, type, value }): IR.Stmt => (type === undefined ? { kind: 'Let', name, value, span: S } : { kind: 'Let', name, type, value, span: S })),
    fc.option(E, { nil: undefined }).map((value): IR.Stmt => (value === undefined ? { kind: 'Return', span: S } : { kind: 'Return', value, span: S })),
    stmtExpr.map((e): IR.Stmt => ({ kind: 'ExprStmt', expr: e, span: S })),
  )
  if (depth <= 0) return simple
  const b = block(depth - 1)
  // The grammar takes `30s` but not `30.seconds` as a pattern.
  const patternDuration = duration.filter((d) => !['seconds', 'minutes', 'hours'].includes(d.unit))
  const pattern: fc.Arbitrary<IR.Expr> = fc.oneof(str, num, patternDuration, bool, identExpr, fc.constant<IR.Expr>({ kind: 'Wildcard', span: S }))
  const arm: fc.Arbitrary<IR.MatchArm> = fc.record({ pattern, body: fc.oneof(E, b) }).map((a) => ({ ...a, span: S }))
  const ifStmt: fc.Arbitrary<IR.IfStmt> = fc.record({ cond: E, then: b, otherwise: fc.option(b, { nil: undefined }) }).map(({ cond, then, otherwise }) =>
    otherwise === undefined ? { kind: 'If', cond, then, span: S } : { kind: 'If', cond, then, else: otherwise, span: S },
  )
  return fc.oneof(
    { weight: 3, arbitrary: simple },
    { weight: 1, arbitrary: ifStmt },
    { weight: 1, arbitrary: fc.record({ cond: E, then: b, elseIf: ifStmt }).map(({ cond, then, elseIf }): IR.Stmt => ({ kind: 'If', cond, then, else: elseIf, span: S })) },
    { weight: 1, arbitrary: fc.record({ binding: ident, iterable: E, body: b }).map((f): IR.Stmt => ({ kind: 'For', ...f, span: S })) },
    // `match (` starts a call (docs/language.md), so a subject cannot begin with a parenthesis.
    { weight: 1, arbitrary: fc.record({ subject: E.filter((e) => !printExpr(e).startsWith('(')), arms: fc.array(arm, { maxLength: 3 }) }).map((m): IR.Stmt => ({ kind: 'Match', ...m, span: S })) },
    {
      weight: 1,
      arbitrary: fc.record({ body: b, binding: fc.option(ident, { nil: undefined }), handler: b }).map(({ body, binding, handler }): IR.Stmt =>
        binding === undefined ? { kind: 'Try', body, handler, span: S } : { kind: 'Try', body, binding, handler, span: S },
      ),
    },
    { weight: 1, arbitrary: fc.record({ attributes: fc.array(attribute, { minLength: 1, maxLength: 2 }), body: b }).map((w): IR.Stmt => ({ kind: 'With', ...w, span: S })) },
  )
}

function block(depth: number): fc.Arbitrary<IR.Block> {
  return fc
    .record({ statements: fc.array(stmt(depth), { maxLength: 3 }), value: fc.option(stmtExpr, { nil: undefined }) })
    .map(({ statements, value }) => (value === undefined ? { kind: 'Block', statements, span: S } : { kind: 'Block', statements, value, span: S }))
}

const assign: fc.Arbitrary<IR.Expr> = fc.record({ name: ident, value: E }).map((a) => ({ kind: 'Assign', ...a, span: S }))

/** Rules; modifiers only on require/audit, and `name = value` only in require/audit lists. */
export const rule: fc.Arbitrary<IR.Rule> = fc
  .record({
    ruleKind: fc.constantFrom<IR.RuleKind>('allow', 'deny', 'require', 'audit'),
    target: E,
    obligations: fc.array(fc.oneof(E, assign), { minLength: 1, maxLength: 4 }),
    list: fc.boolean(),
    scope: fc.option(E, { nil: undefined }),
    modifiers: fc.option(fc.array(E, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    guard: fc.option(E, { nil: undefined }),
  })
  .map(({ ruleKind, target, obligations, list, scope, modifiers, guard }) => {
    const obligation = ruleKind === 'require' || ruleKind === 'audit'
    const r: { -readonly [K in keyof IR.Rule]: IR.Rule[K] } = {
      kind: 'Rule',
      ruleKind,
      target: obligation && list ? { kind: 'Array', elements: obligations, span: S } : target,
      span: S,
    }
    if (scope !== undefined) r.scope = scope
    if (modifiers !== undefined && obligation) r.modifiers = modifiers
    if (guard !== undefined) r.guard = guard
    return r
  })

/** Policies of up to four rules. */
export const policy: fc.Arbitrary<IR.Policy> = fc.record({ name: ident, rules: fc.array(rule, { maxLength: 4 }) }).map((p) => ({ kind: 'Policy', ...p, span: S }))

const functionDef: fc.Arbitrary<IR.FunctionDef> = fc
  .record({ name: ident, params, returns: fc.option(typeRef, { nil: undefined }), body: block(2) })
  .map(({ name, params: ps, returns, body }) => (returns === undefined ? { kind: 'Function', name, params: ps, body, span: S } : { kind: 'Function', name, params: ps, returns, body, span: S }))

const property: fc.Arbitrary<IR.PropertyMember> = fc.record({ key: ident, value: E }).map((p) => ({ kind: 'Property', ...p, span: S }))
const classification: fc.Arbitrary<IR.DataClassificationBlock> = fc
  .array(fc.record({ category: ident, action: E }).map((r) => ({ ...r, span: S })), { maxLength: 3 })
  .map((rules) => ({ kind: 'DataClassification', rules, span: S }))

const blockMember: fc.Arbitrary<IR.BlockMember> = fc.letrec<{ m: IR.BlockMember }>((tie) => ({
  m: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    property,
    policy,
    classification,
    fc.record({ name: ident, members: fc.array(tie('m'), { maxLength: 3 }) }).map((s): IR.BlockMember => ({ kind: 'Section', ...s, span: S })),
  ),
})).m

const agentMember: fc.Arbitrary<IR.AgentMember> = fc.oneof(
  E.map((value): IR.AgentMember => ({ kind: 'Capabilities', value, span: S })),
  policy,
  functionDef,
  fc.record({ attributes: fc.array(attribute, { minLength: 1, maxLength: 2 }), body: block(1) }).map((w): IR.AgentMember => ({ kind: 'With', ...w, span: S })),
  property,
  fc.record({ name: ident, members: fc.array(fc.oneof(property, policy), { maxLength: 2 }) }).map((s): IR.AgentMember => ({ kind: 'Section', ...s, span: S })),
)

const agent: fc.Arbitrary<IR.Agent> = fc
  .record({ name: ident, params, returns: fc.option(typeRef, { nil: undefined }), members: fc.array(agentMember, { maxLength: 4 }) })
  .map(({ name, params: ps, returns, members }) => (returns === undefined ? { kind: 'Agent', name, params: ps, members, span: S } : { kind: 'Agent', name, params: ps, returns, members, span: S }))

const typeDef: fc.Arbitrary<IR.TypeDef> = fc.oneof(
  fc.record({ name: typeName, fields: fc.array(fc.record({ name: ident, type: typeRef }).map((f) => ({ ...f, span: S })), { maxLength: 3 }) }).map((t): IR.TypeDef => ({ kind: 'TypeDef', ...t, span: S })),
  fc.record({ name: typeName, alias: typeRef }).map((t): IR.TypeDef => ({ kind: 'TypeDef', ...t, span: S })),
)

const blockItem: fc.Arbitrary<IR.BlockItem> = fc
  .record({ kind: fc.constantFrom('Schedule', 'Channel', 'Memory', 'Webhook' as const), name: ident, members: fc.array(blockMember, { maxLength: 4 }) })
  .map((b) => ({ ...b, span: S }))

const metadata: fc.Arbitrary<IR.Metadata> = fc.array(attribute, { maxLength: 3 }).map((entries) => ({ kind: 'Metadata', entries, span: S }))

/** Whole programs of every item kind. */
export const program: fc.Arbitrary<IR.Program> = fc
  .array(fc.oneof({ weight: 4, arbitrary: policy }, agent, functionDef, blockItem, typeDef, metadata), { minLength: 1, maxLength: 4 })
  .map((items) => ({ kind: 'Program', items, comments: [], span: S }))
