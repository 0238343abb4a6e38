/**
 * Generic helpers over IR data. They walk nodes structurally (any object with `kind`, any
 * array) so they need no update when node kinds are added, and they iterate with an explicit
 * stack so that hostile, very deep trees cannot exhaust the call stack.
 */
import type { Expr, Program, Span } from './ir.js'

/** A copy of any IR value with every `span` (and `comments`) removed: the IR equality of the round-trip tests. */
export function stripSpans<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'span' || key === 'comments' ? undefined : v))) as T
}

/** Children of a node: every nested object or array element, in property order. */
function children(node: object): object[] {
  const out: object[] = []
  // for…in rather than Object.entries: no pair arrays per node (IR nodes are plain objects, so
  // there are no inherited keys); this walk runs over every node of every parse.
  for (const key in node) {
    const v: unknown = (node as Record<string, unknown>)[key]
    if (key === 'span' || v === null || typeof v !== 'object') continue
    if (Array.isArray(v)) for (const x of v) { if (x !== null && typeof x === 'object') out.push(x as object) }
    else out.push(v as object)
  }
  return out
}

/**
 * Finds the first node whose nesting depth (counting only nodes with a `kind`) exceeds `limit`.
 * Returns its span, or undefined when the tree is within the limit.
 */
export function findTooDeep(root: object, limit: number): Span | undefined {
  const stack: { node: object; depth: number }[] = [{ node: root, depth: 0 }]
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: object; depth: number }
    const d = 'kind' in node ? depth + 1 : depth
    if (d > limit) return (node as { span?: Span }).span
    for (const c of children(node)) stack.push({ node: c, depth: d })
  }
  return undefined
}

/** Calls `f` on every expression node under `root`, parents before children. */
export function forEachExpr(root: object, f: (e: Expr) => void): void {
  const stack: object[] = [root]
  while (stack.length > 0) {
    const node = stack.pop() as object
    if (isExpr(node)) f(node)
    const cs = children(node)
    for (let i = cs.length - 1; i >= 0; i--) stack.push(cs[i] as object)
  }
}

const EXPR_KINDS = new Set([
  'String', 'Number', 'Bool', 'Duration', 'Vault', 'Ident', 'Wildcard', 'Member', 'Index', 'Call', 'Unary', 'Binary',
  'Lambda', 'IfExpr', 'Array', 'Record', 'Assign',
])

/** True for expression nodes. */
export function isExpr(node: unknown): node is Expr {
  return typeof node === 'object' && node !== null && EXPR_KINDS.has((node as { kind?: string }).kind ?? '')
}

/** Every policy of a program, wherever it appears (top level, agent, channel and other blocks). */
export function collectPolicies(program: Program): import('./ir.js').Policy[] {
  return collectScopedPolicies(program).map((p) => p.policy)
}

/** Every `data_classification { … }` block written directly in a channel (or a section of it), with the channel. */
export function collectChannelClassifications(program: Program): { readonly channel: string; readonly block: import('./ir.js').DataClassificationBlock }[] {
  const out: { channel: string; block: import('./ir.js').DataClassificationBlock }[] = []
  for (const item of program.items) {
    if (item.kind !== 'Channel') continue
    const stack: object[] = [...item.members].reverse()
    while (stack.length > 0) {
      const node = stack.pop() as { kind?: string; members?: object[] }
      if (node.kind === 'DataClassification') out.push({ channel: item.name, block: node as import('./ir.js').DataClassificationBlock })
      else if (node.kind !== 'Policy' && node.members) for (let i = node.members.length - 1; i >= 0; i--) stack.push(node.members[i] as object)
    }
  }
  return out
}

/** The item a policy is embedded in: what decides whose requests it governs (SEMANTICS.md §6). */
export interface PolicyHost {
  readonly kind: 'Agent' | 'Channel' | 'Schedule' | 'Memory' | 'Webhook'
  readonly name: string
  readonly span: import('./ir.js').Span
}

/** Every policy of a program in source order, with the top-level item it sits in (none at the top level). */
export function collectScopedPolicies(program: Program): { readonly policy: import('./ir.js').Policy; readonly host?: PolicyHost }[] {
  const out: { policy: import('./ir.js').Policy; host?: PolicyHost }[] = []
  for (const item of program.items) {
    if (item.kind === 'Policy') {
      out.push({ policy: item })
      continue
    }
    if (!('members' in item)) continue
    const host: PolicyHost = { kind: item.kind, name: item.name, span: item.span }
    const stack: object[] = [...item.members].reverse()
    while (stack.length > 0) {
      const node = stack.pop() as { kind?: string; members?: object[] }
      if (node.kind === 'Policy') {
        out.push({ policy: node as import('./ir.js').Policy, host })
        continue
      }
      if (node.members) for (let i = node.members.length - 1; i >= 0; i--) stack.push(node.members[i] as object)
    }
  }
  return out
}

/** Throws on an impossible value; ends exhaustive switches. */
export function assertNever(x: never): never {
  throw new Error(`unexpected IR node: ${JSON.stringify(x).slice(0, 80)}`)
}
