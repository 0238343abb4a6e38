/**
 * fast-check generators for the Cedar differential tests: policy sources built only from
 * Cedar-translatable constructs (no approvals), and requests over a small vocabulary so that
 * rules actually fire. `wild` requests add what the request mapping refuses or what makes guards
 * fail: null, fractions, strings where arrays are expected, shadowing context keys, explicit
 * arguments.
 */
import fc from 'fast-check'
import { duration, type Value, type ValueRecord } from '../../stdlib/value.js'
import type { AuthzRequest } from '../../stdlib/decision.js'

const LADDER = ['public', 'internal', 'confidential', 'secret', 'top_secret']
// Case variants meet folding denies (SEMANTICS.md §7) in Cedar as in ours.
const ACTIONS = ['read', 'write', 'export', 'tool_a', 'tool_b']
const CASE_VARIANTS = ['READ', 'Export', 'TOOL_A']
/** Mostly the names the policies use (so allows are reached), sometimes a case variant. */
const actionName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ACTIONS) }, { weight: 1, arbitrary: fc.constantFrom(...CASE_VARIANTS) })

const ladderLit = fc.constantFrom(...LADDER, 'zebra').map((s) => JSON.stringify(s))
const cmp = fc.constantFrom('<', '<=', '>', '>=')

function atom(binder: string | undefined): fc.Arbitrary<string> {
  const atoms: fc.Arbitrary<string>[] = [
    fc.tuple(cmp, ladderLit).map(([op, l]) => `user.level ${op} ${l}`),
    fc.tuple(cmp, ladderLit).map(([op, l]) => `${l} ${op} user.level`),
    fc.tuple(cmp, fc.integer({ min: -2, max: 30 })).map(([op, n]) => `user.age ${op} ${n}`),
    fc.tuple(fc.constantFrom('==', '!='), fc.constantFrom('"alice"', '"bob"', '3', 'true')).map(([op, v]) => `user.name ${op} ${v}`),
    fc.constant('session.mfa'),
    fc.constantFrom('session.mfa == true', 'session.mfa != false'),
    fc.constantFrom('has(user, "age")', 'user.has("role")', 'has(session, "mfa")', 'has(resource, "kind")', 'resource.has("owner")'),
    fc.constantFrom('user.role in ["admin", "dev"]', '"x" in user.tags', 'user.tags.contains("y")', 'contains(user.tags, "x")'),
    fc.constantFrom('user.name.starts_with("al")', 'ends_with(user.name, "ob")', 'user.name.starts_with("a*")'),
    fc.constantFrom('resource.kind == "doc"', 'resource.owner == principal.id', 'principal.role == "admin"', 'principal.id == "alice"'),
    fc.tuple(cmp, fc.constantFrom('5m', '1h', '30s', 'duration("10m")')).map(([op, d]) => `session.ttl ${op} ${d}`),
    fc.tuple(fc.constantFrom('+', '-', '*'), fc.integer({ min: 0, max: 5 }), cmp, fc.integer({ min: 0, max: 40 })).map(([a, k, op, n]) => `user.age ${a} ${k} ${op} ${n}`),
    fc.constantFrom('if user.age > 10 { session.mfa } else { false }', 'if has(user, "role") { user.role == "admin" } else { true }'),
    fc.constantFrom('context.flag == true', 'user["name"] == "bob"', '-user.age < 0', 'user.meta == { a: 1 }', 'user.tags == []'),
    fc.tuple(cmp, fc.constantFrom('"low"', '"medium"', '"high"', '"secret"')).map(([op, l]) => `user.priority ${op} ${l}`),
  ]
  if (binder !== undefined) atoms.push(fc.constantFrom(`${binder}.kind == "doc"`, `${binder}.owner == principal.id`, `has(${binder}, "owner")`, `${binder}.id == "r1"`))
  return fc.oneof(...atoms)
}

function guard(binder: string | undefined): fc.Arbitrary<string> {
  const { g } = fc.letrec<{ g: string }>((tie) => ({
    g: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom(binder),
      fc.tuple(tie('g'), fc.constantFrom('&&', '||'), tie('g')).map(([a, op, b]) => `(${a} ${op} ${b})`),
      tie('g').map((a) => `!(${a})`),
    ),
  }))
  return g
}

const plainPattern = fc.constantFrom('read', 'write', 'export', 'any', 'data_ops', '[read, write]', '[export, tool_a]', '"tool_*"')
const binderPattern = fc.constantFrom('export(d)', 'read(d)', 'write(d)')
const literalPattern = fc.constantFrom('export("r1")', 'read("r2")', 'write(_)')

const allowOrDeny = fc.oneof(
  fc.tuple(fc.constantFrom('allow', 'deny'), plainPattern, fc.option(guard(undefined), { nil: undefined })).map(([k, p, g]) => `${k}: ${p}${g === undefined ? '' : ` if ${g}`}`),
  fc.tuple(fc.constantFrom('allow', 'deny'), binderPattern, fc.option(guard('d'), { nil: undefined })).map(([k, p, g]) => `${k}: ${p}${g === undefined ? '' : ` if ${g}`}`),
  fc.tuple(fc.constantFrom('allow', 'deny'), literalPattern, fc.option(guard(undefined), { nil: undefined })).map(([k, p, g]) => `${k}: ${p}${g === undefined ? '' : ` if ${g}`}`),
)

const requirement = fc.oneof(
  fc.tuple(guard(undefined), fc.option(plainPattern, { nil: undefined })).map(([g, s]) => `require: ${g}${s === undefined ? '' : ` for ${s}`}`),
  fc.tuple(fc.constantFrom('differential_privacy', '[audit_trail = "detailed"]', '[limit = user.age]', '[mask_pii, session.mfa]'), fc.option(plainPattern, { nil: undefined }), fc.option(guard(undefined), { nil: undefined }))
    .map(([o, s, g]) => `require: ${o}${s === undefined ? '' : ` for ${s}`}${g === undefined ? '' : ` if ${g}`}`),
  fc.tuple(fc.constantFrom('log_all', 'all_operations', '{ log_level: "info" }'), fc.option(plainPattern, { nil: undefined }), fc.boolean())
    .map(([a, s, m]) => `audit: ${a}${s === undefined ? '' : ` for ${s}`}${m ? ' with digital_signature' : ''}`),
)

const rule = fc.oneof({ weight: 3, arbitrary: allowOrDeny }, { weight: 1, arbitrary: requirement })

/** Where a policy is written (SEMANTICS.md §6): top level, an agent or a channel. */
const host = fc.oneof({ weight: 5, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 1, arbitrary: fc.constantFrom('agent alice', 'agent Bob', 'channel ops') })

/** One to three policies of one to four rules, as sources; some embedded in agents or channels. */
export const policySources: fc.Arbitrary<string[]> = fc.array(fc.tuple(fc.array(rule, { minLength: 1, maxLength: 4 }), host), { minLength: 1, maxLength: 3 })
  .map((policies) => policies.map(([rules, h], i) => {
    const text = `policy p${i} {\n${rules.map((r) => `  ${r}`).join('\n')}\n}\n`
    return h === undefined ? text : `${h} {\n${text}}\n`
  }))

const ladderValue = fc.constantFrom<Value>(...LADDER, 'zebra', 7)
const userRecord: fc.Arbitrary<ValueRecord> = fc.record(
  {
    level: ladderValue,
    age: fc.oneof(fc.integer({ min: -3, max: 40 }), fc.constant<Value>('old')),
    name: fc.constantFrom<Value>('alice', 'bob', 'al*ce', 3, true, ['alice']),
    role: fc.constantFrom<Value>('admin', 'dev', 'ops', 5),
    tags: fc.oneof(fc.subarray(['x', 'y', 'z']).map((a) => a as Value), fc.constant<Value>(4)),
    priority: fc.constantFrom<Value>('low', 'medium', 'high', 'secret', 'urgent'),
    meta: fc.constantFrom<Value>({ a: 1 }, { a: 2 }, { a: 1, b: 2 }, { a: [1] }, 'x'),
  },
  { requiredKeys: [] },
)
const sessionRecord: fc.Arbitrary<ValueRecord> = fc.record(
  { mfa: fc.constantFrom<Value>(true, false, 'yes'), ttl: fc.oneof(fc.constantFrom(0, 30, 300, 3600, 7200).map((s) => duration(s * 1000) as Value), fc.constant<Value>(60)) },
  { requiredKeys: [] },
)
const resource = fc.option(
  fc.record({ id: fc.constantFrom('r1', 'r2'), kind: fc.constantFrom<Value>('doc', 'img', 1), owner: fc.constantFrom<Value>('alice', 'bob', ['alice']) }, { requiredKeys: ['id'] }),
  { nil: undefined },
)
const principal = fc.record({ id: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('alice', 'bob') }, { weight: 1, arbitrary: fc.constantFrom('Alice', 'BOB') }), role: fc.constantFrom<Value>('admin', 'dev', true) }, { requiredKeys: ['id'] })
const action = fc.oneof(
  actionName,
  fc.record({ name: actionName, groups: fc.subarray(['data_ops', 'other']) }),
)
const contextOf = fc.record({ user: fc.oneof({ weight: 5, arbitrary: userRecord }, { weight: 1, arbitrary: fc.constant<Value>('nobody') }), session: sessionRecord, flag: fc.constantFrom<Value>(true, false), channel: fc.constantFrom<Value>('ops', 'OPS', 'other', 3) }, { requiredKeys: [] })

/** Requests inside the request mapping's domain (Cedar can represent them exactly). */
export const requests: fc.Arbitrary<AuthzRequest> = fc.record({ principal, action, resource, context: contextOf }, { requiredKeys: ['principal', 'action'] })
  // The JSON round trip drops keys whose value is undefined (an absent resource), as a wire request would.
  .map((r) => JSON.parse(JSON.stringify(r)) as AuthzRequest)

/** Requests with values and shapes outside the mapping's domain as well. */
export const wildRequests: fc.Arbitrary<AuthzRequest> = fc.tuple(requests, fc.constantFrom<(r: AuthzRequest) => AuthzRequest>(
  (r) => r,
  (r) => ({ ...r, context: { ...r.context, user: { ...(r.context?.['user'] as ValueRecord), age: 17.5 } } }),
  (r) => ({ ...r, context: { ...r.context, user: { ...(r.context?.['user'] as ValueRecord), tags: 'xyz' } } }),
  (r) => ({ ...r, context: { ...r.context, user: { ...(r.context?.['user'] as ValueRecord), name: null } } }),
  (r) => ({ ...r, context: { ...r.context, user: { ...(r.context?.['user'] as ValueRecord), tags: { x: 1 } } } }),
  (r) => ({ ...r, context: { ...r.context, principal: { id: 'mallory', role: 'admin' } } }),
  (r) => ({ ...r, context: { ...r.context, resource: { kind: 'doc' } } }),
  (r) => ({ ...r, action: { name: typeof r.action === 'string' ? r.action : r.action.name, args: [{ id: 'r1', kind: 'doc' }] } }),
  (r) => ({ ...r, context: { ...r.context, user: { ...(r.context?.['user'] as ValueRecord), level: 2 ** 60 } } }),
  (r) => ({ ...r, context: { ...r.context, symbi_obligation_probe: true } }),
  (r) => ({ ...r, context: { ...r.context, symbi_fold: { action: 'read', groups: [], principal: 'alice' } } }),
  (r) => ({ ...r, context: { ...r.context, user: { ...(r.context?.['user'] as ValueRecord), age: undefined as never } } }),
  (r) => ({ ...r, context: { ...r.context, user: { ...(r.context?.['user'] as ValueRecord), age: new Date(0) as never } } }),
  (r) => ({ ...r, action: typeof r.action === 'string' ? `${r.action} ` : { ...r.action, name: `${r.action.name}\u200b` } }),
  (r) => ({ ...r, context: { ...r.context, approvals: 5 } }),
  (r) => ({ ...r, context: { ...r.context, approvals: ['security', { approver: 'ops', at: 1 }] } }),
)).map(([r, f]) => f(r))
