/**
 * What a policy set tells a request generator: the action names and groups its patterns
 * mention, the string and number literals its guards compare against, ladder rungs, and the
 * attribute paths its guards read. Random strings almost never equal `"secret"`; drawing from
 * these pools makes generated requests reach the interesting branches of the rules.
 */
import type { ActionPattern, CheckedSet } from '../compiler/checked.js'
import type { Expr } from '../grammar/ir.js'
import type { SchemaType } from '../compiler/schema.js'
import type { Ladders } from '../stdlib/ladders.js'

/** Value pools and an inferred shape of requests, drawn from policies. */
export interface PolicyHints {
  /** Action names the patterns mention (globs instantiated with `x`). */
  readonly actions: readonly string[]
  /** Names usable as action groups (every name a pattern mentions). */
  readonly groups: readonly string[]
  /** String literals of guards and ladder rungs. */
  readonly strings: readonly string[]
  /** Number literals of guards, with their neighbours. */
  readonly numbers: readonly number[]
  /** Agents that own policies (SEMANTICS.md §6): candidates for `principal.id`. */
  readonly agents: readonly string[]
  /** Approvers that require rules ask for (candidates for `context.approvals`). */
  readonly approvers: readonly string[]
  /** Attribute paths guards read, as a record type with `any` leaves, per root. */
  readonly shape: { readonly principal: SchemaType; readonly resource: SchemaType; readonly context: SchemaType }
}

/** Inferred fields, and a scalar type when the path was compared with a literal. */
interface MutableShape {
  readonly fields: Map<string, MutableShape>
  leaf?: 'string' | 'number' | 'boolean'
}

const newShape = (): MutableShape => ({ fields: new Map() })

function verbName(p: ActionPattern, names: Set<string>): void {
  if (p.kind === 'name') names.add(p.name)
  else if (p.kind === 'glob') names.add(p.pattern.replace(/\*/g, 'x'))
  else if (p.kind === 'call') verbName(p.verb, names)
}

function toType(m: MutableShape | undefined): SchemaType {
  if (m === undefined) return { kind: 'any' }
  if (m.fields.size === 0) return { kind: m.leaf ?? 'any' }
  return { kind: 'record', fields: new Map([...m.fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, toType(v)])) }
}

function addPath(root: MutableShape, path: readonly string[]): MutableShape {
  let cur = root
  for (const p of path) {
    let next = cur.fields.get(p)
    if (next === undefined) cur.fields.set(p, (next = newShape()))
    cur = next
  }
  return cur
}

const COMPARISONS = new Set(['==', '!=', '<', '<=', '>', '>='])

function literalKind(e: Expr): MutableShape['leaf'] {
  return e.kind === 'String' ? 'string' : e.kind === 'Number' ? 'number' : e.kind === 'Bool' ? 'boolean' : undefined
}

/** Collects hints from a checked set (and its ladders, whose rungs guards compare against). */
export function policyHints(set: CheckedSet, ladders?: Ladders): PolicyHints {
  const actions = new Set<string>()
  const groups = new Set<string>()
  const strings = new Set<string>()
  const numbers = new Set<number>()
  const approvers = new Set<string>()
  const agents = new Set<string>()
  const roots = { principal: newShape(), resource: newShape(), context: newShape() }
  for (const rungs of ladders?.byName.values() ?? []) for (const r of rungs) strings.add(r)

  /** The shape node a member chain reads, or undefined when its root is not request data. */
  const shapeOf = (node: Expr, binders: ReadonlyMap<string, number>, locals: ReadonlySet<string>): MutableShape | undefined => {
    const path: string[] = []
    let cur: Expr = node
    while (cur.kind === 'Member') {
      path.unshift(cur.property)
      cur = cur.object
    }
    if (cur.kind !== 'Ident' || locals.has(cur.name)) return undefined
    if (path.length === 0) {
      // A bare name that is no binder and no root is a top-level context key (`webhook == "x"`).
      const bare = cur.name
      if (binders.has(bare) || ['principal', 'resource', 'context', 'action'].includes(bare)) return undefined
      return addPath(roots.context, [bare])
    }
    const b = binders.get(cur.name)
    if (b === 0) return addPath(roots.resource, path)
    if (b !== undefined || cur.name === 'action') return undefined
    if (cur.name === 'principal' || cur.name === 'resource' || cur.name === 'context') return addPath(roots[cur.name], path)
    return addPath(roots.context, [cur.name, ...path])
  }

  const walk = (e: unknown, binders: ReadonlyMap<string, number>, locals: ReadonlySet<string>): void => {
    if (Array.isArray(e)) {
      for (const x of e) walk(x, binders, locals)
      return
    }
    if (e === null || typeof e !== 'object') return
    const node = e as Expr
    switch (node.kind) {
      case 'String':
        strings.add(node.value)
        return
      case 'Number':
        if (Number.isFinite(node.value)) for (const n of [node.value - 1, node.value, node.value + 1]) numbers.add(n)
        return
      case 'Lambda':
        walk(node.body, binders, new Set([...locals, ...node.params]))
        return
      case 'Member': {
        shapeOf(node, binders, locals)
        let cur: Expr = node
        while (cur.kind === 'Member') cur = cur.object
        walk(cur, binders, locals)
        return
      }
      case 'Binary': {
        // `path == "x"`, `path >= 18`: the path holds values of the literal's type.
        if (COMPARISONS.has(node.op)) {
          for (const [a, b] of [[node.left, node.right], [node.right, node.left]] as const) {
            const kind = literalKind(b)
            const shape = kind === undefined || (a.kind !== 'Member' && a.kind !== 'Ident') ? undefined : shapeOf(a, binders, locals)
            if (shape !== undefined && kind !== undefined && shape.fields.size === 0) shape.leaf = kind
          }
        }
        walk(node.left, binders, locals)
        walk(node.right, binders, locals)
        return
      }
      default:
        for (const [k, v] of Object.entries(node)) if (k !== 'span') walk(v, binders, locals)
    }
  }

  for (const policy of set.policies) {
    // Scoped policies (SEMANTICS.md §6) apply only when principal.id or context.channel names
    // their agent or channel: generated requests must hit those values to reach their rules.
    if (policy.scope !== undefined) {
      strings.add(policy.scope.name)
      if (policy.scope.kind === 'agent') agents.add(policy.scope.name)
      if (policy.scope.kind === 'channel') addPath(roots.context, ['channel']).leaf = 'string'
    }
    for (const rule of policy.rules) {
      const names = new Set<string>()
      const pats = [...rule.patterns, ...(rule.scope ?? [])]
      for (const p of pats) verbName(p, names)
      for (const n of names) {
        actions.add(n)
        groups.add(n)
      }
      const binders = new Map<string, number>()
      const targets = rule.kind === 'allow' || rule.kind === 'deny' ? rule.patterns : (rule.scope ?? policy.targets.flatMap((t) => t.patterns))
      for (const p of targets) if (p.kind === 'call') p.args.forEach((a, i) => a.kind === 'bind' && !binders.has(a.name) && binders.set(a.name, i))
      walk(rule.guard, binders, new Set())
      for (const r of rule.requires) {
        if (r.kind === 'precondition') walk(r.expr, binders, new Set())
        else if (r.kind === 'obligation') walk(r.value, binders, new Set())
        else approvers.add(r.approver)
      }
      for (const a of rule.audits) walk(a.value, binders, new Set())
    }
  }
  for (const name of set.vocabulary.groupsOf.keys()) actions.add(name)
  for (const gs of set.vocabulary.groupsOf.values()) for (const g of gs) groups.add(g)
  const sorted = <T>(s: Set<T>): T[] => [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    actions: sorted(actions),
    groups: sorted(groups),
    strings: sorted(strings),
    numbers: sorted(numbers),
    approvers: sorted(approvers),
    agents: sorted(agents),
    shape: { principal: toType(roots.principal), resource: toType(roots.resource), context: toType(roots.context) },
  }
}
