/**
 * fast-check arbitraries for requests, derived from a context schema (compiler/schema.ts) and
 * from what the policies mention (hints.ts). Users build their own vitest properties on these;
 * `symbi-policy test` uses them for the properties of test files.
 */
import fc from 'fast-check'
import { parseSchema, type Schema, type SchemaType } from '../compiler/schema.js'
import type { AuthzRequest } from '../stdlib/decision.js'
import type { Value, ValueRecord } from '../stdlib/value.js'
import { applyConstraints, parseConstraints, type Constraints } from './constraints.js'
import type { PolicyHints } from './hints.js'

/** Value pools generators draw from besides random values; every field is optional. */
export type GeneratorHints = Partial<PolicyHints>

/** Options of `requestArbitrary`. */
export interface RequestArbitraryOptions {
  /** Pools and inferred shape, usually `policyHints(engine.policySet.checked, ladders)`. */
  readonly hints?: GeneratorHints
  /** Longest generated array. */
  readonly maxArrayLength?: number
}

const ANY: SchemaType = { kind: 'any' }
const DEFAULT_IDS = ['agent-1', 'agent-2', 'user-1']

function pick<T>(pool: readonly T[], random: fc.Arbitrary<T>, poolWeight = 4): fc.Arbitrary<T> {
  if (pool.length === 0) return random
  return fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: poolWeight }, { arbitrary: random, weight: 1 })
}

/** Strings: mostly the policies' literals and ladder rungs, sometimes anything. */
export function stringArbitrary(hints: GeneratorHints = {}): fc.Arbitrary<string> {
  return pick(hints.strings ?? [], fc.string({ maxLength: 8 }))
}

/** Numbers: mostly the policies' literals and their neighbours, sometimes any finite double. */
export function numberArbitrary(hints: GeneratorHints = {}): fc.Arbitrary<number> {
  const random = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }))
  return pick(hints.numbers ?? [], random, 3)
}

/** A value of any type: scalars from the pools, durations, and shallow arrays and records. */
export function anyValueArbitrary(hints: GeneratorHints = {}, maxArrayLength = 4): fc.Arbitrary<Value> {
  const scalar: fc.Arbitrary<Value> = fc.oneof(stringArbitrary(hints), numberArbitrary(hints), fc.boolean())
  return fc.oneof(
    { arbitrary: scalar, weight: 6 },
    { arbitrary: fc.array(stringArbitrary(hints), { maxLength: maxArrayLength }), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 86_400_000 }).map((ms): Value => ({ $duration: ms })), weight: 1 },
    { arbitrary: fc.dictionary(stringArbitrary(hints), scalar, { maxKeys: 3 }) as fc.Arbitrary<Value>, weight: 1 },
  )
}

/** A value of a schema type. Records get every declared field. */
export function valueArbitrary(type: SchemaType, hints: GeneratorHints = {}, maxArrayLength = 4): fc.Arbitrary<Value> {
  switch (type.kind) {
    case 'string':
      return stringArbitrary(hints)
    case 'number':
      return numberArbitrary(hints)
    case 'boolean':
      return fc.boolean()
    case 'duration':
      return fc.integer({ min: 0, max: 30 * 86_400_000 }).map((ms): Value => ({ $duration: ms }))
    case 'any':
      return anyValueArbitrary(hints, maxArrayLength)
    case 'array':
      return fc.array(valueArbitrary(type.element, hints, maxArrayLength), { maxLength: maxArrayLength })
    case 'record': {
      const fields: Record<string, fc.Arbitrary<Value>> = {}
      // Field names come from schemas: defineProperty keeps `__proto__` an own key.
      for (const [k, t] of type.fields) Object.defineProperty(fields, k, { value: valueArbitrary(t, hints, maxArrayLength), enumerable: true, writable: true, configurable: true })
      return fc.record(fields) as fc.Arbitrary<Value>
    }
  }
}

/** Schema type with the inferred paths added: the schema's own types win, unknown fields are added. */
export function mergeTypes(declared: SchemaType, inferred: SchemaType): SchemaType {
  if (declared.kind === 'any') return inferred
  if (declared.kind !== 'record' || inferred.kind !== 'record') return declared
  const fields = new Map(declared.fields)
  for (const [k, t] of inferred.fields) fields.set(k, fields.has(k) ? mergeTypes(fields.get(k) as SchemaType, t) : t)
  return { kind: 'record', fields }
}

function entityArbitrary(type: SchemaType, hints: GeneratorHints, maxArrayLength: number, favourite: readonly string[] = []): fc.Arbitrary<ValueRecord> {
  const anyId = fc.constantFrom(...DEFAULT_IDS, ...(hints.strings ?? []))
  // Agents that own policies are drawn often, so that their scoped rules are reached.
  const ids = favourite.length === 0 ? anyId : fc.oneof({ arbitrary: fc.constantFrom(...favourite), weight: 1 }, { arbitrary: anyId, weight: 1 })
  const attrs = type.kind === 'record' ? (valueArbitrary(type, hints, maxArrayLength) as fc.Arbitrary<ValueRecord>) : fc.constant({})
  return fc.tuple(ids, attrs).map(([id, a]) => ({ ...a, id }))
}

function toSchema(schema: Schema | unknown | undefined): Schema | undefined {
  if (schema === undefined) return undefined
  if (typeof schema === 'object' && schema !== null && (schema as { context?: unknown }).context instanceof Map) return schema as Schema
  return parseSchema(schema)
}

/**
 * Requests shaped by `schema` (parsed or JSON; may be undefined) and the hints' inferred
 * paths, with `constraints` overriding generated fields: `{ "action": "export",
 * "resource.contains_pii": true }`. See docs/testing.md for constraint values (`$oneOf`,
 * `$type`, `$absent`). Shrinks towards small requests.
 */
export function requestArbitrary(schema?: Schema | unknown, constraints: Constraints = {}, options: RequestArbitraryOptions = {}): fc.Arbitrary<AuthzRequest> {
  const s = toSchema(schema)
  const hints = options.hints ?? {}
  const max = options.maxArrayLength ?? 4
  const shape = hints.shape ?? { principal: ANY, resource: ANY, context: ANY }
  const contextType = mergeTypes({ kind: 'record', fields: s?.context ?? new Map() }, shape.context)
  const principal = entityArbitrary(mergeTypes(s?.principal ?? ANY, shape.principal), hints, max, hints.agents ?? [])
  const resource = fc.option(entityArbitrary(mergeTypes(s?.resource ?? ANY, shape.resource), hints, max), { nil: undefined, freq: 10 })
  const actionNames = [...new Set([...(hints.actions ?? []), ...(s?.actions.keys() ?? []), 'other_action'])]
  const groups = hints.groups ?? []
  const action = fc.record({
    name: fc.constantFrom(...actionNames),
    groups: groups.length === 0 ? fc.constant(undefined) : fc.option(fc.subarray([...groups], { maxLength: Math.min(2, groups.length) }), { nil: undefined }),
  }).map(({ name, groups: g }) => (g === undefined ? { name } : { name, groups: g }))
  const approvers = hints.approvers ?? []
  const context = fc.tuple(
    valueArbitrary(contextType, hints, max) as fc.Arbitrary<ValueRecord>,
    approvers.length === 0 ? fc.constant(undefined) : fc.option(fc.subarray([...approvers]), { nil: undefined }),
  ).map(([c, ap]) => (ap === undefined || Object.hasOwn(c, 'approvals') ? c : { ...c, approvals: ap }))
  const base = fc.record({ principal, action, resource, context }).map(({ principal: p, action: a, resource: r, context: c }) => (r === undefined ? { principal: p, action: a, context: c } : { principal: p, action: a, resource: r, context: c }))
  const parsed = parseConstraints(constraints, hints, max)
  if (parsed.length === 0) return base as unknown as fc.Arbitrary<AuthzRequest>
  return fc.tuple(base, fc.tuple(...parsed.map((c) => c.arbitrary))).map(([req, values]) => applyConstraints(req, parsed, values) as unknown as AuthzRequest)
}
