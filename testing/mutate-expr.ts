/**
 * Mutations of one guard or precondition expression: the edits a reviewer fears in a condition
 * (a dropped conjunct, a flipped comparison, a ladder rung one step off). Each mutation is the
 * whole expression with one node replaced, so mutants never combine two edits.
 */
import type { BinaryOp, Expr } from '../grammar/ir.js'
import { printExpr } from '../grammar/print-expr.js'
import { ladderPositions, type Ladders } from '../stdlib/ladders.js'

/** What kind of edit a mutant makes (the names `--format json` reports). */
export type MutationOperator =
  | 'drop-rule'
  | 'negate-guard'
  | 'drop-conjunct'
  | 'drop-disjunct'
  | 'flip-comparison'
  | 'ladder-rung'
  | 'widen-pattern'
  | 'narrow-pattern'
  | 'deny-to-allow'
  | 'precondition-to-obligation'
  | 'remove-approval'
  | 'drop-obligation'

/** One mutated expression and what was changed, in source form. */
export interface ExprMutation {
  readonly operator: MutationOperator
  readonly expr: Expr
  /** `before → after` of the node that changed. */
  readonly change: string
}

/** The comparison a flip turns each operator into: the boundary moves, or equality inverts. */
const FLIPS: ReadonlyMap<BinaryOp, BinaryOp> = new Map<BinaryOp, BinaryOp>([
  ['>=', '>'],
  ['>', '>='],
  ['<=', '<'],
  ['<', '<='],
  ['==', '!='],
  ['!=', '=='],
])

const ORDERINGS: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['<', '<=', '>', '>=', '==', '!='])

/** Every single-node mutation of `e`. */
export function mutateExpr(e: Expr, ladders: Ladders): ExprMutation[] {
  const out: ExprMutation[] = []
  collect(e, ladders, (expr, operator, change) => out.push({ operator, expr, change }))
  return out
}

type Emit = (expr: Expr, operator: MutationOperator, change: string) => void

const arrow = (a: Expr, b: Expr): string => `${printExpr(a)} → ${printExpr(b)}`

function collect(e: Expr, ladders: Ladders, emit: Emit): void {
  switch (e.kind) {
    case 'Binary': {
      if (e.op === '&&' || e.op === '||') {
        const operator = e.op === '&&' ? 'drop-conjunct' : 'drop-disjunct'
        emit(e.left, operator, arrow(e, e.left))
        emit(e.right, operator, arrow(e, e.right))
      }
      const flipped = FLIPS.get(e.op)
      if (flipped !== undefined) {
        const m: Expr = { ...e, op: flipped }
        emit(m, 'flip-comparison', arrow(e, m))
      }
      if (ORDERINGS.has(e.op)) {
        for (const [side, other] of [['left', 'right'], ['right', 'left']] as const) {
          const lit = e[side]
          if (lit.kind !== 'String' || e[other].kind === 'String') continue
          for (const rung of neighbourRungs(lit.value, ladders)) {
            const m: Expr = { ...e, [side]: { kind: 'String', value: rung, raw: JSON.stringify(rung), span: lit.span } }
            emit(m, 'ladder-rung', arrow(e, m))
          }
        }
      }
      collect(e.left, ladders, (x, op, c) => emit({ ...e, left: x }, op, c))
      collect(e.right, ladders, (x, op, c) => emit({ ...e, right: x }, op, c))
      return
    }
    case 'Unary':
      if (e.op !== '-') emit(e.operand, 'negate-guard', arrow(e, e.operand))
      collect(e.operand, ladders, (x, op, c) => emit({ ...e, operand: x }, op, c))
      return
    case 'Call':
      e.args.forEach((a, i) => {
        collect(a.value, ladders, (x, op, c) => emit({ ...e, args: e.args.map((b, j) => (j === i ? { ...b, value: x } : b)) }, op, c))
      })
      return
    case 'Lambda':
      collect(e.body, ladders, (x, op, c) => emit({ ...e, body: x }, op, c))
      return
    case 'Array':
      e.elements.forEach((el, i) => {
        collect(el, ladders, (x, op, c) => emit({ ...e, elements: e.elements.map((y, j) => (j === i ? x : y)) }, op, c))
      })
      return
    default:
      return
  }
}

/** The rungs one step above and below `s` on every ladder it sits on, without repeats. */
function neighbourRungs(s: string, ladders: Ladders): string[] {
  const out = new Set<string>()
  for (const { ladder, rank } of ladderPositions(ladders, s)) {
    const rungs = ladders.byName.get(ladder) ?? []
    for (const r of [rungs[rank - 1], rungs[rank + 1]]) if (r !== undefined && r !== s) out.add(r)
  }
  return [...out]
}
