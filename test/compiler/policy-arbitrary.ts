/**
 * fast-check arbitraries for the differential test: policy sets as source text over a small
 * fixed vocabulary, and requests over the same vocabulary. Guards deliberately read missing
 * attributes, compare mistyped values, divide by zero and order strings that are on no ladder,
 * so that error paths are exercised as much as the happy paths. Every generated set compiles
 * (the test asserts it), because the checker only rejects what the generator never writes.
 */
import fc from 'fast-check'
import type { AuthzRequest } from '../../stdlib/decision.js'

// Case variants meet case-folding denies (SEMANTICS.md §7); NUL, JSON-looking, spaced and
// look-alike names are malformed requests that every evaluator must refuse alike.
const ACTIONS = ['read', 'write', 'export', 'aggregate', 'tool_call::fetch', 'tool_call::shell', 'delete', 'READ', 'Tool_Call::Shell', 'Delete', 'read\u0000stats', '["read","stats"]', 'read ', 'sh\u0435ll'] as const
const GROUPS = ['stats', 'heavy', 'long_running', 'STATS', 'Dangerous', 'read\u0000heavy'] as const
/** The action vocabulary (schema action groups) a set is compiled with, or none. */
export const VOCABULARIES: readonly (readonly [string, readonly string[]])[][] = [
  [],
  [['delete', ['dangerous', 'heavy']], ['write', ['stats']], ['Export', ['dangerous']]],
]
const DOC_TYPES = ['T1', 'T2', 'T3', 'T4'] as const
const ROLES = ['admin', 'dev', 'guest', 'Admin'] as const
const RUNGS = ['public', 'internal', 'confidential', 'secret', 'top_secret'] as const
const TAGS = ['a', 'b', 'pii', 'x'] as const

const pick = <T>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs)
const q = (s: string): string => JSON.stringify(s)

// ───────────── expressions (source text) ─────────────

/** Expressions that usually evaluate to numbers. */
function numExpr(binder: boolean): fc.Arbitrary<string> {
  const atoms: fc.Arbitrary<string>[] = [
    fc.constant('user.level'),
    fc.constant('doc.size'),
    fc.constant('n'),
    fc.integer({ min: -1, max: 5 }).map(String),
    fc.constantFrom('2.5', '1.0'),
    fc.constant('len(doc.tags)'),
    fc.constant('doc.tags.length()'),
    pick(TAGS).map((t) => `count(user.tags, |t| t == ${q(t)})`),
    fc.constant('user.level / n'),
    fc.constant('doc.size % n'),
    fc.constant('user.level * 2 - 1'),
    fc.constant('-user.level'),
    fc.constant('sum(user.scores)'),
    fc.constant('max(user.scores)'),
    fc.constant('user.scores[0]'),
    fc.constant('(if flags.a { user.level } else { doc.size })'),
  ]
  if (binder) atoms.push(fc.constant('d.size'), fc.constant('len(d.tags)'))
  return fc.oneof(...atoms)
}

/** Expressions that usually evaluate to strings. */
function strExpr(binder: boolean): fc.Arbitrary<string> {
  const atoms: fc.Arbitrary<string>[] = [
    fc.constant('user.role'),
    fc.constant('doc.type'),
    fc.constant('doc.owner'),
    fc.constant('principal.id'),
    fc.constant('action.name'),
    fc.constant('lower(user.role)'),
    fc.constant('user.role.upper()'),
    fc.constant('user.role + "!"'),
    pick([...DOC_TYPES, ...ROLES, 'alice', 'doc-1']).map(q),
  ]
  if (binder) atoms.push(fc.constant('d.type'), fc.constant('d.owner'), fc.constant('d.id'))
  return fc.oneof(...atoms)
}

function arrExpr(binder: boolean): fc.Arbitrary<string> {
  const atoms: fc.Arbitrary<string>[] = [
    fc.constant('doc.tags'),
    fc.constant('user.tags'),
    fc.constant('["a", "b"]'),
    fc.constant('map(doc.tags, |t| upper(t))'),
    fc.constant('user.tags.filter(|t| t != "a")'),
    fc.constant('keys(user)'),
    fc.constant('action.groups'),
  ]
  if (binder) atoms.push(fc.constant('d.tags'))
  return fc.oneof(...atoms)
}

/** Boolean-ish expressions, some of which error for some requests. */
export function boolExpr(binder: boolean, depth = 2): fc.Arbitrary<string> {
  const num = numExpr(binder)
  const str = strExpr(binder)
  const arr = arrExpr(binder)
  const leaves: fc.Arbitrary<string>[] = [
    fc.tuple(num, pick(['==', '!=', '<', '<=', '>', '>=']), num).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(str, pick(['==', '!=']), str).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(pick(['user.clearance', 'doc.classification', ...RUNGS.map(q), '"zebra"']), pick(['<', '<=', '>', '>=']), pick([...RUNGS, 'zebra'].map(q))).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(pick(['operation.priority', '"low"', '"high"']), pick(['<', '>=']), pick(['"medium"', '"high"', '"secret"'])).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(str, arr).map(([s, a]) => `${s} in ${a}`),
    // A string on the right of `in` is an evaluation error (a literal one is CHECK025, so only paths here).
    fc.tuple(pick(TAGS), pick(['user.role', 'doc.type', 'principal.id', 'action.name'])).map(([t, s]) => `${q(t)} in ${s}`),
    pick(['level', 'role', 'clearance', 'nope']).map((k) => `${q(k)} in user`),
    pick(['level', 'tags', 'nope']).map((k) => `has(user, ${q(k)})`),
    pick(['type', 'tags']).map((k) => `doc.has(${q(k)})`),
    pick(['flags.a', 'flags.b', 'user.active', 'flags.a == true', 'user.active != false']),
    fc.tuple(arr, pick(TAGS)).map(([a, t]) => `any(${a}, |t| t == ${q(t)})`),
    fc.tuple(arr, pick(TAGS)).map(([a, t]) => `${a}.all(x => x != ${q(t)})`),
    fc.tuple(arr, pick(TAGS)).map(([a, t]) => `${a}.contains(${q(t)})`),
    fc.constant('any(user.scores, |s| s > user.level)'),
    fc.constant('any(doc.tags, |t| any(user.tags, |u| u == t))'),
    fc.constant('starts_with(user.role, "ad")'),
    fc.constant('now() > 1000'),
    fc.constant('duration("5m") < session.idle'),
    fc.constant('session.idle_minutes * 1m < 30m'),
    fc.constant('user.tags == ["a", "b"]'),
    fc.constant('doc == { type: "T1", size: 1 }'),
    fc.constant('user.level == "3"'),
    fc.constant('user.role > 3'),
    fc.constant('flags.a && user.level'),
    fc.constant('user.level'),
    fc.constant('nobody.here == 1'),
    fc.constant('resource.id == "doc-1"'),
    fc.constant('1 / n > 0'),
    fc.constant('true'),
    fc.constant('false'),
  ]
  if (binder) leaves.push(fc.constant('d.id == "doc-1"'), fc.constant('"pii" in d.tags'), fc.constant('d.size > user.level'))
  const leaf = fc.oneof(...leaves)
  if (depth <= 0) return leaf
  return connectives(leaf, boolExpr(binder, depth - 1))
}

/** A leaf, or `&&`, `||` and `!` over smaller expressions (`sub`). */
function connectives(leaf: fc.Arbitrary<string>, sub: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: leaf },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([a, b]) => `(${a} && ${b})`) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([a, b]) => `(${a} || ${b})`) },
    { weight: 1, arbitrary: sub.map((a) => `!(${a})`) },
  )
}

// ───────────── rules ─────────────

interface Pattern {
  readonly text: string
  /** True when it binds `d`. */
  readonly binds: boolean
}

const pattern: fc.Arbitrary<Pattern> = fc.oneof(
  pick(['read', 'write', 'export', 'aggregate', '"read"']).map((text) => ({ text, binds: false })),
  pick(['stats', 'heavy', 'long_running', 'dangerous', 'Dangerous', 'READ', '"Tool_Call::*"']).map((text) => ({ text, binds: false })),
  pick(['any', '"*"', 'all_operations', '"tool_call::*"', '"tool_call::s*"']).map((text) => ({ text, binds: false })),
  pick(['read(d)', 'export(d)', 'write(d, _)', '"tool_call::*"(d)', 'stats(d)', 'heavy(d, any)', 'write(_, d)', 'export(e, d)']).map((text) => ({ text, binds: true })),
  pick(['read("doc-1")', 'export(_, "bob")', 'delete("doc-2")']).map((text) => ({ text, binds: false })),
)

const target: fc.Arbitrary<Pattern> = fc.oneof(
  { weight: 3, arbitrary: pattern },
  {
    weight: 1,
    arbitrary: fc.array(pattern, { minLength: 1, maxLength: 3 }).map((ps) => ({ text: `[${ps.map((p) => p.text).join(', ')}]`, binds: ps.some((p) => p.binds) })),
  },
)

const guardOf = (binds: boolean): fc.Arbitrary<string> => fc.option(boolExpr(binds), { nil: undefined, freq: 3 }).map((g) => (g === undefined ? '' : ` if ${g}`))

const allowDeny: fc.Arbitrary<string> = fc
  .tuple(pick(['allow', 'allow', 'allow', 'deny']), target)
  .chain(([kind, t]) => guardOf(t.binds).map((g) => `${kind}: ${t.text}${g}`))

/** Paths and literals for equality runs; a run shares one path so the compiled evaluator indexes it. */
const EQUALITY_PATHS: readonly { path: string; targets: readonly string[]; literals: readonly string[] }[] = [
  { path: 'doc.type', targets: ['read', 'any', 'read(d)', 'stats'], literals: [...DOC_TYPES.map(q), '"T9"', '"3"', '3'] },
  { path: 'doc.size', targets: ['read', 'any'], literals: ['0', '1', '2', '2.0', '"2"'] },
  { path: 'flags.a', targets: ['any', 'write'], literals: ['true', 'false'] },
  { path: 'd.type', targets: ['read(d)', 'export(d)', '"tool_call::*"(d)', '[read(d), export(d)]'], literals: [...DOC_TYPES.map(q), '"3"'] },
  { path: 'd.size', targets: ['write(d, _)', 'stats(d)'], literals: ['0', '1', '2', 'true'] },
]

/**
 * A run of rules whose guards start with `path == literal && …`, which the compiled evaluator
 * indexes: one of `paths`, its targets that `target` keeps, and the rest of each guard from `rest`.
 */
function equalityRunOf(paths: typeof EQUALITY_PATHS, target: (t: string) => boolean, rest: (binds: boolean) => fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  return fc.constantFrom(...paths).chain(({ path, targets, literals }) =>
    fc
      .tuple(pick(['allow', 'deny']), fc.array(fc.tuple(pick(targets.filter(target)), pick(literals), fc.option(rest(path.startsWith('d.')), { nil: undefined })), { minLength: 4, maxLength: 7 }))
      .map(([kind, items]) => items.map(([t, lit, r]) => `${kind}: ${t} if ${path} == ${lit}${r === undefined ? '' : ` && ${r}`}`)),
  )
}

const equalityRun: fc.Arbitrary<string[]> = equalityRunOf(EQUALITY_PATHS, () => true, (binds) => boolExpr(binds, 1))

const requireItem = (binds: boolean): fc.Arbitrary<string> =>
  fc.oneof(
    boolExpr(binds, 1),
    pick(['supervisor_approval', 'approval("legal")', 'security_approval']),
    pick(['differential_privacy', '"encrypt_at_rest"', 'retention = user.level * 2', 'owner = doc.owner']),
  )

const scope: fc.Arbitrary<Pattern | undefined> = fc.option(pattern, { nil: undefined, freq: 2 })

const requireRule: fc.Arbitrary<string> = scope.chain((s) => {
  // Without `for`, `d` may come from the policy's targets, or be unbound (an error path).
  const binds = s?.binds ?? true
  return fc
    .tuple(fc.array(requireItem(binds), { minLength: 1, maxLength: 3 }), fc.option(pick(['digital_signature', 'fips']), { nil: undefined, freq: 3 }), guardOf(binds))
    .map(([items, mod, g]) => {
      const body = items.length === 1 && !items[0]!.includes('=') ? items[0]! : `[${items.join(', ')}]`
      return `require: ${body}${s ? ` for ${s.text}` : ''}${mod ? ` with ${mod}` : ''}${g}`
    })
})

const auditRule: fc.Arbitrary<string> = scope.chain((s) =>
  fc
    .tuple(pick(['access_log', '{ level: user.level }', '[who = principal.id, access_log]', 'all_operations', '{ owner: doc.owner }']), fc.option(pick(['digital_signature']), { nil: undefined, freq: 2 }), guardOf(s?.binds ?? false))
    .map(([t, mod, g]) => `audit: ${t}${s ? ` for ${s.text}` : ''}${mod ? ` with ${mod}` : ''}${g}`),
)

const policyBody: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.array(fc.oneof({ weight: 5, arbitrary: allowDeny }, { weight: 2, arbitrary: requireRule }, { weight: 1, arbitrary: auditRule }), { maxLength: 5 }),
    fc.option(equalityRun, { nil: undefined, freq: 3 }),
  )
  .map(([rules, run]) => (run === undefined ? rules : [...rules.slice(0, 1), ...run, ...rules.slice(1)]))

/** Where a policy is written (SEMANTICS.md §6): the top level, an agent or a channel. */
const host = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: pick(['agent alice', 'agent Bob', 'channel ops', 'channel Ops']) },
)

/** A policy set: 1–3 policies as source text, some embedded in agents or channels. */
export const policySet: fc.Arbitrary<string[]> = fc
  .array(fc.tuple(policyBody, host), { minLength: 1, maxLength: 3 })
  .map((bodies) =>
    bodies.map(([rules, h], i) => {
      const policy = `policy p${i} {\n${rules.map((r) => `  ${r}`).join('\n')}\n}\n`
      return h === undefined ? policy : `${h} {\n${policy}}\n`
    }),
  )

// ───────────── requests ─────────────

/** Stands for an own property whose value is `undefined` (`{ banned: row?.banned }`). */
const OWN_UNDEFINED = Symbol('own undefined')

/** Things embedder code puts in requests that are not policy values (SEMANTICS.md §5). */
const NON_VALUES = fc.constantFrom<unknown>(OWN_UNDEFINED, NaN, Infinity, -0, new Date(0), () => true, [1, NaN])

/** A value that is sometimes of the expected kind, sometimes missing (undefined → key left out), sometimes mistyped, sometimes no value at all. */
function maybe<T>(good: fc.Arbitrary<T>, weight = 8): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight, arbitrary: good },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('3', 2, true, null, [], {}) },
    { weight: 1, arbitrary: NON_VALUES },
  )
}

function record(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(fields).map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined).map(([k, v]) => [k, v === OWN_UNDEFINED ? undefined : v])))
}

const tags = fc.subarray([...TAGS])
const doc = record({
  id: fc.constantFrom('doc-1', 'doc-2'),
  type: maybe(pick(DOC_TYPES)),
  size: maybe(fc.integer({ min: 0, max: 10 })),
  owner: maybe(pick(['alice', 'bob'])),
  tags: maybe(tags),
  classification: maybe(pick([...RUNGS, 'zebra'])),
})

const context = record({
  user: maybe(
    record({
      level: maybe(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(2.5))),
      role: maybe(pick(ROLES)),
      clearance: maybe(pick([...RUNGS, 'zebra'])),
      tags: maybe(tags),
      active: maybe(fc.boolean()),
      scores: maybe(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 })),
    }),
    20,
  ),
  doc: maybe(doc, 20),
  flags: maybe(record({ a: maybe(fc.boolean()), b: maybe(fc.boolean()) }), 20),
  n: maybe(fc.integer({ min: 0, max: 2 })),
  operation: maybe(record({ priority: maybe(pick(['low', 'medium', 'high', 'secret'])) })),
  session: maybe(record({ idle: fc.constantFrom({ $duration: 60_000 }, { $duration: 600_000 }), idle_minutes: maybe(fc.integer({ min: 0, max: 60 })) })),
  time: fc.option(fc.record({ now: fc.constantFrom(0, 5000) }), { nil: undefined }),
  channel: fc.option(pick(['ops', 'OPS', 'other']), { nil: undefined }),
  approvals: fc.option(fc.subarray(['supervisor', 'legal', 'security']).chain((xs) => fc.constantFrom(xs, xs.map((approver) => ({ approver })))), { nil: undefined }),
})

const action: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 10, arbitrary: pick(ACTIONS) },
  {
    weight: 14,
    arbitrary: record({
      name: pick(ACTIONS),
      groups: fc.option(fc.subarray([...GROUPS]), { nil: undefined }),
      args: fc.option(fc.array(fc.oneof(doc, fc.constantFrom('doc-1', 'bob', 3)), { maxLength: 3 }), { nil: undefined }),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(7, '', { name: 3 }, { name: 'read', groups: 'stats' }) },
)

/** A request over the vocabulary; about one in twenty is malformed. */
export const request: fc.Arbitrary<AuthzRequest> = fc
  .record({
    principal: fc.oneof({ weight: 40, arbitrary: fc.record({ id: pick(['alice', 'bob', 'Alice', 'BOB']), type: fc.constant('agent') }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>({ id: 5 }, 'alice') }),
    action,
    resource: fc.option(doc, { nil: undefined, freq: 4 }),
    context,
  })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as AuthzRequest)

// ───────────── sets and requests that plan functions decide ─────────────

/**
 * Guards of the forms a plan function generates (compiler/generate/plan.ts): reads of request
 * paths and of a binder every pattern binds at one position, literals, arithmetic, comparisons,
 * rung order, `in`, `&&`, `||`, `!` — with the same mistyped and erroring cases as `boolExpr`.
 */
function planBoolExpr(binder: boolean, depth = 2): fc.Arbitrary<string> {
  const num = fc.oneof(
    pick(['user.level', 'doc.size', 'n', '2.5', 'user.level / n', 'doc.size % n', 'user.level * 2 - 1', '-user.level', 'user.scores[0]', 'principal.level']),
    fc.integer({ min: -1, max: 5 }).map(String),
    ...(binder ? [fc.constant('d.size')] : []),
  )
  const str = fc.oneof(pick(['user.role', 'doc.type', 'doc.owner', 'principal.id', 'user.role + "!"', 'resource.owner']), pick([...DOC_TYPES, ...ROLES, 'alice', 'doc-1']).map(q), ...(binder ? [pick(['d.type', 'd.owner', 'd.id'])] : []))
  const leaves: fc.Arbitrary<string>[] = [
    fc.tuple(num, pick(['==', '!=', '<', '<=', '>', '>=']), num).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(str, pick(['==', '!=']), str).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(pick(['user.clearance', 'doc.classification', ...RUNGS.map(q), '"zebra"']), pick(['<', '<=', '>', '>=']), pick(['user.clearance', 'doc.classification', ...[...RUNGS, 'zebra'].map(q)])).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(pick(['operation.priority', '"low"']), pick(['<', '>=']), pick(['"medium"', '"secret"'])).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(str, pick(['doc.tags', 'user.tags'])).map(([s, a]) => `${s} in ${a}`),
    pick(['"a" in user.role', '"level" in user', 'session.idle_minutes * 1m < 30m', 'session.idle > 5m']),
    pick(['flags.a', 'flags.b', 'user.active', 'flags.a == true', 'user.active != false', 'flags.a && user.level', 'user.level', 'nobody.here == 1', 'resource.id == "doc-1"', '1 / n > 0', 'true', 'false', 'user.level == "3"', 'user.role > 3', 'doc == user', 'user.tags == doc.tags']),
    ...(binder ? [pick(['d.id == "doc-1"', '"pii" in d.tags', 'd.size > user.level', 'd == doc'])] : []),
  ]
  const leaf = fc.oneof(...leaves)
  if (depth <= 0) return leaf
  return connectives(leaf, planBoolExpr(binder, depth - 1))
}

const planTarget: fc.Arbitrary<Pattern> = fc.oneof(
  pick(['read', 'write', 'export', 'any', 'stats', 'Dangerous', 'READ', '[read, export]', 'read("doc-1")', 'export(_, "bob")']).map((text) => ({ text, binds: false })),
  pick(['read(d)', 'export(d)', 'write(d, _)', '[read(d), export(d)]', 'export(e, d)']).map((text) => ({ text, binds: true })),
)

/** A run of rules that the evaluator makes an equality block of (plan functions then dispatch by the path's value). */
const planEqualityRun: fc.Arbitrary<string[]> = equalityRunOf(
  EQUALITY_PATHS.filter((p) => p.path !== 'd.size'),
  (t) => !t.includes('tool_call'),
  (binds) => planBoolExpr(binds, 1),
)

/**
 * A run the evaluator can make a *uniform* block of (plan.ts `uniformShape`): one target, one
 * literal per rule, and the same rest of the guard, with the same or a per-rule bound.
 */
const planUniformRun: fc.Arbitrary<string[]> = fc.constantFrom(...EQUALITY_PATHS.filter((p) => p.path !== 'd.size')).chain(({ path, targets, literals }) =>
  fc
    .tuple(
      pick(['allow', 'deny']),
      pick(targets.filter((t) => !t.includes('tool_call'))),
      fc.uniqueArray(pick(literals), { minLength: 2, maxLength: literals.length }),
      fc.option(planBoolExpr(path.startsWith('d.'), 1), { nil: undefined }),
      fc.oneof(fc.constant(undefined), fc.integer({ min: 0, max: 5 }), fc.constant('each')),
    )
    .chain(([kind, target, lits, rest, bound]) =>
      fc.array(fc.integer({ min: 0, max: 5 }), { minLength: lits.length, maxLength: lits.length }).map((each) =>
        lits.map((lit, i) => {
          const n = bound === 'each' ? each[i] : bound
          return `${kind}: ${target} if ${path} == ${lit}${rest === undefined ? '' : ` && (${rest})`}${n === undefined ? '' : ` && user.level >= ${n}`}`
        }),
      ),
    ),
)

/** One top-level policy of allow and deny rules over `planBoolExpr` guards (no require or audit rules, no clock), sometimes with an equality block. */
export const planPolicySet: fc.Arbitrary<string[]> = fc
  .tuple(
    fc.array(
      fc.tuple(pick(['allow', 'allow', 'deny']), planTarget).chain(([kind, t]) => fc.option(planBoolExpr(t.binds), { nil: undefined, freq: 4 }).map((g) => `${kind}: ${t.text}${g === undefined ? '' : ` if ${g}`}`)),
      { minLength: 1, maxLength: 6 },
    ),
    fc.option(fc.oneof(planEqualityRun, planUniformRun), { nil: undefined, freq: 2 }),
  )
  .map(([rules, run]) => (run === undefined ? rules : [...rules.slice(0, 1), ...run, ...rules.slice(1)]))
  .map((rules) => [`policy p0 {\n${rules.map((r) => `  ${r}`).join('\n')}\n}\n`])

/** Requests of the shape plan functions take (an action named by a string), with the same data as `request`. */
export const planRequest: fc.Arbitrary<AuthzRequest> = fc
  .record({
    principal: fc.oneof({ weight: 20, arbitrary: record({ id: pick(['alice', 'bob']), level: maybe(fc.integer({ min: 0, max: 5 })) }) }, { weight: 1, arbitrary: fc.constantFrom<unknown>({ id: 5 }, 'alice') }),
    action: pick(['read', 'write', 'export', 'EXPORT', 'aggregate', 'delete', 'READ']),
    resource: fc.option(doc, { nil: undefined, freq: 6 }),
    context: fc.tuple(context, fc.nat(4)).map(([c, keep]) => (keep === 0 ? c : Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'time' && k !== 'approvals')))),
  })
  .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as AuthzRequest)
