/**
 * Programs back to canonical source. Without trivia this is the pure IR printer; with the
 * original text and comments (see format.ts) it also keeps comments and single blank lines.
 *
 * Comment placement, chosen so that formatting is idempotent: a comment before a line-level
 * node stays before it; a comment inside a one-line node (a rule, a property, a simple
 * statement) moves to its own line just above that node; a comment on the same source line
 * after a node stays at the end of that node's last line.
 */
import type * as IR from './ir.js'
import { assertNever } from './ir-utils.js'
import { precedence, printArmExpr, printCondition, printExpr, printStatementExpr, printType } from './print-expr.js'

const INDENT = '    '
const MAX_WIDTH = 100

/** Original text and comments, for the formatter. */
export interface Trivia {
  readonly text: string
  readonly comments: readonly IR.Comment[]
}

type Node = { readonly span: IR.Span }

export class Printer {
  private readonly lines: string[] = []
  private depth = 0
  private next = 0

  constructor(private readonly trivia?: Trivia) {}

  /** Prints a whole program. */
  program(p: IR.Program): string {
    p.items.forEach((item, i) => {
      if (i > 0) this.lines.push('')
      this.item(item)
    })
    this.flushComments(Number.MAX_SAFE_INTEGER)
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`
  }

  // ───────────── trivia ─────────────

  private emit(text: string): void {
    this.lines.push(`${INDENT.repeat(this.depth)}${text}`)
  }

  private flushComments(before: number): void {
    const cs = this.trivia?.comments ?? []
    while (this.next < cs.length && (cs[this.next] as IR.Comment).span.start < before) this.emit((cs[this.next++] as IR.Comment).text)
  }

  /** A one-line node: leading comments and comments inside it go above it; a same-line comment trails it. */
  private leaf(node: Node, prev: Node | undefined, print: () => void): void {
    this.blankLineBefore(node, prev)
    this.flushComments(node.span.end)
    print()
    this.trailing(node)
  }

  private container(node: Node, prev: Node | undefined, header: string, body: () => void, footer = '}'): void {
    this.blankLineBefore(node, prev)
    this.flushComments(node.span.start)
    this.emit(header)
    this.depth++
    body()
    this.flushComments(node.span.end - 1)
    this.depth--
    this.emit(footer)
    this.trailing(node)
  }

  private trailing(node: Node): void {
    const cs = this.trivia?.comments
    const c = cs?.[this.next]
    if (!c || !this.trivia) return
    // Closing parentheses are not part of a node's span, so a comment after the `)` that ends
    // a guard (even the `)` alone on the next line, as multi-line rules are printed) still
    // trails the node; without this the formatter would not be idempotent on its own output.
    const between = this.trivia.text.slice(node.span.end, c.span.start)
    if (!/^[ \t)]*(?:\r?\n[ \t]*\)[ \t)]*)?$/.test(between)) return
    this.lines[this.lines.length - 1] += ` ${c.text}`
    this.next++
  }

  private blankLineBefore(node: Node, prev: Node | undefined): void {
    if (!prev || !this.trivia) return
    if (/\n[ \t]*\r?\n/.test(this.trivia.text.slice(prev.span.end, node.span.start))) this.lines.push('')
  }

  private each<T extends Node>(nodes: readonly T[], f: (n: T, prev: T | undefined) => void): void {
    nodes.forEach((n, i) => f(n, nodes[i - 1]))
  }

  // ───────────── items ─────────────

  private item(item: IR.Item, prev?: Node): void {
    switch (item.kind) {
      case 'Metadata':
        this.container(item, prev, 'metadata {', () => this.each(item.entries, (e, p) => this.leaf(e, p, () => this.emit(`${e.key} = ${printExpr(e.value)}`))))
        return
      case 'Policy':
        this.policy(item, prev)
        return
      case 'Agent': {
        const params = item.params.length > 0 ? `(${item.params.map(param).join(', ')})` : ''
        const returns = item.returns ? ` -> ${printType(item.returns)}` : ''
        this.container(item, prev, `agent ${item.name}${params}${returns} {`, () => this.each(item.members, (m, p) => this.agentMember(m, p)))
        return
      }
      case 'TypeDef':
        if (item.alias) this.leaf(item, prev, () => this.emit(`type ${item.name} = ${printType(item.alias as IR.TypeRef)}`))
        else this.container(item, prev, `type ${item.name} = {`, () => this.each(item.fields ?? [], (f, p) => this.leaf(f, p, () => this.emit(`${f.name}: ${printType(f.type)}`))))
        return
      case 'Function':
        this.functionDef(item, prev)
        return
      case 'Schedule':
      case 'Channel':
      case 'Memory':
      case 'Webhook':
        this.container(item, prev, `${item.kind.toLowerCase()} ${item.name} {`, () => this.each(item.members, (m, p) => this.blockMember(m, p)))
        return
      default:
        assertNever(item)
    }
  }

  private functionDef(f: IR.FunctionDef, prev: Node | undefined): void {
    const returns = f.returns ? ` -> ${printType(f.returns)}` : ''
    this.container(f, prev, `function ${f.name}(${f.params.map(param).join(', ')})${returns} {`, () => this.blockBody(f.body))
  }

  private agentMember(m: IR.AgentMember, prev: Node | undefined): void {
    switch (m.kind) {
      case 'Capabilities':
        this.leaf(m, prev, () => this.emit(`capabilities = ${printExpr(m.value)}`))
        return
      case 'Policy':
        this.policy(m, prev)
        return
      case 'Function':
        this.functionDef(m, prev)
        return
      case 'With':
        this.statement(m, prev)
        return
      case 'Property':
      case 'Section':
        this.blockMember(m, prev)
        return
      default:
        assertNever(m)
    }
  }

  private blockMember(m: IR.BlockMember, prev: Node | undefined): void {
    switch (m.kind) {
      case 'Property':
        this.leaf(m, prev, () => this.emit(`${m.key}: ${printExpr(m.value)}`))
        return
      case 'Section':
        this.container(m, prev, `${m.name} {`, () => this.each(m.members, (x, p) => this.blockMember(x, p)))
        return
      case 'DataClassification':
        this.container(m, prev, 'data_classification {', () => this.each(m.rules, (r, p) => this.leaf(r, p, () => this.emit(`${r.category}: ${printExpr(r.action)}`))))
        return
      case 'Policy':
        this.policy(m, prev)
        return
      default:
        assertNever(m)
    }
  }

  // ───────────── policies ─────────────

  private policy(p: IR.Policy, prev: Node | undefined): void {
    this.container(p, prev, `policy ${p.name} {`, () => this.each(p.rules, (r, pr) => this.leaf(r, pr, () => this.rule(r))))
  }

  private rule(r: IR.Rule): void {
    const head = `${r.ruleKind}: `
    const tail = ruleTail(r)
    const oneLine = `${head}${printExpr(r.target)}${tail}${r.guard ? ` if ${printExpr(r.guard)}` : ''}`
    if (INDENT.length * this.depth + oneLine.length <= MAX_WIDTH) {
      this.emit(oneLine)
      return
    }
    // Long rules: a long list target goes one element per line; a long `&&`/`||` guard one operand per line.
    const target = r.target.kind === 'Array' && r.target.elements.length > 1 ? undefined : printExpr(r.target)
    if (target === undefined) {
      this.emit(`${head}[`)
      this.depth++
      for (const el of (r.target as IR.ArrayLit).elements) this.emit(`${printExpr(el)},`)
      this.depth--
    }
    const start = target === undefined ? ']' : `${head}${target}`
    const g = r.guard
    if (g && g.kind === 'Binary' && (g.op === '&&' || g.op === '||')) {
      const operands = flatten(g, g.op)
      const lines = operands.map((o, i) => {
        const text = printExpr(o)
        return precedence(o) < (i === 0 ? precedence(g) : precedence(g) + 1) ? `(${text})` : text
      })
      this.emit(`${start}${tail} if (`)
      this.depth++
      lines.forEach((l, i) => this.emit(i < lines.length - 1 ? `${l} ${g.op}` : l))
      this.depth--
      this.emit(')')
      return
    }
    this.emit(`${start}${tail}${g ? ` if ${printExpr(g)}` : ''}`)
  }

  // ───────────── statements ─────────────

  private blockBody(b: IR.Block): void {
    this.each(b.statements, (s, p) => this.statement(s, p))
    if (b.value !== undefined) {
      const v = b.value
      const prev = b.statements[b.statements.length - 1]
      this.leaf(v, prev, () => this.emit(printStatementExpr(v)))
    }
  }

  private statement(s: IR.Stmt, prev: Node | undefined): void {
    switch (s.kind) {
      case 'Let':
        this.leaf(s, prev, () => this.emit(`let ${s.name}${s.type ? `: ${printType(s.type)}` : ''} = ${printExpr(s.value)};`))
        return
      case 'Return':
        this.leaf(s, prev, () => this.emit(s.value === undefined ? 'return;' : `return ${printExpr(s.value)};`))
        return
      case 'ExprStmt':
        this.leaf(s, prev, () => this.emit(`${printStatementExpr(s.expr)};`))
        return
      case 'If':
        this.ifChain(s, prev)
        return
      case 'For':
        this.container(s, prev, `for ${s.binding} in ${printCondition(s.iterable, s.body)} {`, () => this.blockBody(s.body))
        return
      case 'Match':
        this.container(s, prev, `match ${printExpr(s.subject)} {`, () =>
          this.each(s.arms, (a, p) => {
            if (a.body.kind === 'Block') this.container(a, p, `${printExpr(a.pattern)} => {`, () => this.blockBody(a.body as IR.Block), '},')
            else this.leaf(a, p, () => this.emit(`${printExpr(a.pattern)} => ${printArmExpr(a.body as IR.Expr)},`))
          }),
        )
        return
      case 'Try':
        this.container(s, prev, 'try {', () => {
          this.blockBody(s.body)
          this.flushComments(s.handler.span.start)
          this.depth--
          this.emit(`} catch ${s.binding === undefined ? '' : `${s.binding} `}{`)
          this.depth++
          this.blockBody(s.handler)
        })
        return
      case 'With':
        this.container(s, prev, `with ${s.attributes.map((a) => `${a.key} = ${printExpr(a.value)}`).join(', ')} {`, () => this.blockBody(s.body))
        return
      default:
        assertNever(s)
    }
  }

  private ifChain(s: IR.IfStmt, prev: Node | undefined): void {
    this.container(s, prev, `if ${printCondition(s.cond, s.then)} {`, () => {
      let cur: IR.IfStmt = s
      for (;;) {
        this.blockBody(cur.then)
        const otherwise: IR.Block | IR.IfStmt | undefined = cur.else
        if (otherwise === undefined) return
        this.flushComments(otherwise.span.start)
        this.depth--
        if (otherwise.kind === 'If') {
          this.emit(`} else if ${printCondition(otherwise.cond, otherwise.then)} {`)
          this.depth++
          cur = otherwise
        } else {
          this.emit('} else {')
          this.depth++
          this.blockBody(otherwise)
          return
        }
      }
    })
  }
}

function param(p: IR.Param): string {
  return p.type ? `${p.name}: ${printType(p.type)}` : p.name
}

function ruleTail(r: IR.Rule): string {
  const scope = r.scope ? ` for ${printExpr(r.scope)}` : ''
  const mods = r.modifiers && r.modifiers.length > 0 ? ` with ${r.modifiers.map(printExpr).join(', ')}` : ''
  return `${scope}${mods}`
}

/** Operands of a left-nested chain of one operator, left to right. */
function flatten(e: IR.Expr, op: string): IR.Expr[] {
  const out: IR.Expr[] = []
  let cur = e
  while (cur.kind === 'Binary' && cur.op === op) {
    out.push(cur.right)
    cur = cur.left
  }
  out.push(cur)
  return out.reverse()
}

/** Prints a program as canonical source (the pure IR printer: no comments, no blank-line memory). */
export function printProgram(program: IR.Program): string {
  return new Printer().program(program)
}
