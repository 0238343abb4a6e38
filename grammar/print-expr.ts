/**
 * Expressions back to source, with the fewest parentheses that parse back to the same IR.
 * Surface choices are canonical: `=>` for one-parameter closures, `name = value` for named
 * arguments, `, ` between record fields.
 */
import type { Block, Expr, Stmt } from './ir.js'
import { assertNever } from './ir-utils.js'
import { encodeString } from './strings.js'

/** Binding strength of each form; higher binds tighter. */
const PREC: Record<string, number> = {
  '||': 1, '&&': 2, '==': 3, '!=': 3, in: 3, '<': 4, '>': 4, '<=': 4, '>=': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6,
}
const LAMBDA = 0
const UNARY = 7
const POSTFIX = 8
const PRIMARY = 9

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Precedence of an expression's outermost form. */
export function precedence(e: Expr): number {
  switch (e.kind) {
    case 'Binary':
      return PREC[e.op] ?? 0
    case 'Unary':
      return UNARY
    case 'Lambda':
    case 'Assign':
      return LAMBDA
    case 'Member':
    case 'Index':
    case 'Call':
      return POSTFIX
    default:
      return PRIMARY
  }
}

function wrap(e: Expr, minPrec: number): string {
  const text = printExpr(e)
  return precedence(e) < minPrec ? `(${text})` : text
}

/** Prints one expression on one line. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'String':
      return e.raw
    case 'Number':
      return e.raw
    case 'Bool':
      return e.value ? 'true' : 'false'
    case 'Duration':
      return e.unit === 'seconds' || e.unit === 'minutes' || e.unit === 'hours' ? `${e.amount}.${e.unit}` : `${e.amount}${e.unit}`
    case 'Vault':
      return `vault://${e.path}`
    case 'Ident':
      return e.name
    case 'Wildcard':
      return '_'
    case 'Member': {
      // `5.seconds` would lex as a duration and `vault://a.b` as one longer path, so number and
      // vault objects keep their parentheses.
      const obj = e.object.kind === 'Number' || e.object.kind === 'Vault' ? `(${printExpr(e.object)})` : wrap(e.object, POSTFIX)
      return `${obj}.${e.property}`
    }
    case 'Index':
      return `${wrap(e.object, POSTFIX)}[${printExpr(e.index)}]`
    case 'Call':
      return `${wrap(e.callee, POSTFIX)}(${e.args.map((a) => (a.name === undefined ? printExpr(a.value) : `${a.name} = ${printExpr(a.value)}`)).join(', ')})`
    case 'Unary': {
      const operand = wrap(e.operand, UNARY)
      if (e.op === 'not') return `not ${operand}`
      // `- -x` keeps its space so it cannot read as anything else.
      return e.op === '-' && operand.startsWith('-') ? `- ${operand}` : `${e.op}${operand}`
    }
    case 'Binary': {
      const p = PREC[e.op] ?? 0
      return `${wrap(e.left, p)} ${e.op} ${wrap(e.right, p + 1)}`
    }
    case 'Lambda':
      return e.params.length === 1 ? `${e.params[0] ?? ''} => ${printExpr(e.body)}` : `|${e.params.join(', ')}| ${printExpr(e.body)}`
    case 'IfExpr': {
      const otherwise = e.else === undefined ? '' : ` else ${e.else.kind === 'IfExpr' ? printExpr(e.else) : printInlineBlock(e.else)}`
      return `if ${printCondition(e.cond, e.then)} ${printInlineBlock(e.then)}${otherwise}`
    }
    case 'Array':
      return `[${e.elements.map(printExpr).join(', ')}]`
    case 'Record': {
      const fields = e.fields.map((f) => `${f.quoted || !IDENT.test(f.key) ? encodeString(f.key) : f.key}: ${printExpr(f.value)}`)
      const body = fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`
      return e.typeName === undefined ? body : `${e.typeName} ${body}`
    }
    case 'Assign':
      return `${e.name} = ${printExpr(e.value)}`
    default:
      return assertNever(e)
  }
}

/**
 * Conditions of `if`/`for`/`match` are followed by `{`; a condition ending in a capitalised
 * name before an empty block would read as a typed record `Name {}`, so it is parenthesised.
 */
export function printCondition(cond: Expr, block: Block | undefined): string {
  const text = printExpr(cond)
  const empty = block !== undefined && block.statements.length === 0 && block.value === undefined
  return empty && /[A-Za-z0-9_]$/.test(text) ? `(${text})` : text
}

/** The leftmost primary of an expression: what its printed text starts with. */
function leftmost(e: Expr): Expr {
  let cur = e
  for (;;) {
    if (cur.kind === 'Binary') cur = cur.left
    else if (cur.kind === 'Member' || cur.kind === 'Index') cur = cur.object
    else if (cur.kind === 'Call') cur = cur.callee
    else return cur
  }
}

/**
 * An expression in statement position (an expression statement or a block's value): one
 * starting with `if` would read back as an `if` statement, so it keeps its parentheses.
 */
export function printStatementExpr(e: Expr): string {
  return leftmost(e).kind === 'IfExpr' ? `(${printExpr(e)})` : printExpr(e)
}

/** A match arm's expression body: one starting with `{}` would read back as an empty block. */
export function printArmExpr(e: Expr): string {
  const first = leftmost(e)
  return first.kind === 'Record' && first.typeName === undefined && first.fields.length === 0 ? `(${printExpr(e)})` : printExpr(e)
}

/** A block on one line, for blocks inside expressions. */
export function printInlineBlock(b: Block): string {
  const parts = b.statements.map(printInlineStmt)
  if (b.value !== undefined) parts.push(printStatementExpr(b.value))
  return parts.length === 0 ? '{}' : `{ ${parts.join(' ')} }`
}

function printInlineStmt(s: Stmt): string {
  switch (s.kind) {
    case 'Let':
      return `let ${s.name}${s.type ? `: ${printType(s.type)}` : ''} = ${printExpr(s.value)};`
    case 'Return':
      return s.value === undefined ? 'return;' : `return ${printExpr(s.value)};`
    case 'ExprStmt':
      return `${printStatementExpr(s.expr)};`
    case 'If':
      return `if ${printCondition(s.cond, s.then)} ${printInlineBlock(s.then)}${s.else === undefined ? '' : ` else ${s.else.kind === 'If' ? printInlineStmt(s.else) : printInlineBlock(s.else)}`}`
    case 'For':
      return `for ${s.binding} in ${printCondition(s.iterable, s.body)} ${printInlineBlock(s.body)}`
    case 'Match':
      return `match ${printExpr(s.subject)} { ${s.arms.map((a) => `${printExpr(a.pattern)} => ${a.body.kind === 'Block' ? printInlineBlock(a.body) : printArmExpr(a.body)},`).join(' ')} }`
    case 'Try':
      return `try ${printInlineBlock(s.body)} catch ${s.binding === undefined ? '' : `${s.binding} `}${printInlineBlock(s.handler)}`
    case 'With':
      return `with ${s.attributes.map((a) => `${a.key} = ${printExpr(a.value)}`).join(', ')} ${printInlineBlock(s.body)}`
    default:
      return assertNever(s)
  }
}

/** A type reference. */
export function printType(t: import('./ir.js').TypeRef): string {
  const args = t.args.length === 0 ? '' : `<${t.args.map(printType).join(', ')}>`
  return `${t.name}${args}${t.optional ? '?' : ''}`
}
