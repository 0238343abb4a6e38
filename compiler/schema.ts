/**
 * The context schema: a small JSON format that tells the checker what requests look like, so
 * that misspelt attributes and mismatched comparisons are found at compile time.
 *
 * ```json
 * {
 *   "context":   { "user": { "clearance": "string", "need_to_know": ["string"] }, "session": { "mfa_verified": "boolean" } },
 *   "principal": { "role": "string" },
 *   "resource":  { "classification": "string" },
 *   "actions":   { "read": { "groups": ["data_access"] }, "aggregate": { "groups": ["statistical_operations"] } },
 *   "ladders":   { "priority": ["low", "medium", "high"] },
 *   "functions": { "check_rate_limit": { "params": ["string"], "returns": "boolean", "doc": "True while under the limit." } },
 *   "open": false
 * }
 * ```
 * A type is `"string" | "number" | "boolean" | "duration" | "any"`, `[T]` (array of T), or a
 * record `{ attr: T }`. Records are closed (unknown attributes warn) unless `"open": true`.
 */
import { PARAM_TYPES, type ParamType } from '../stdlib/builtin-types.js'
import { BUILTINS } from '../stdlib/builtins.js'
import { isRecord } from '../stdlib/value.js'

/** A schema type. */
export type SchemaType =
  | { readonly kind: 'string' | 'number' | 'boolean' | 'duration' | 'any' }
  | { readonly kind: 'array'; readonly element: SchemaType }
  | { readonly kind: 'record'; readonly fields: ReadonlyMap<string, SchemaType> }

/** A validated schema. */
export interface Schema {
  /** Top-level context keys. */
  readonly context: ReadonlyMap<string, SchemaType>
  readonly principal: SchemaType
  readonly resource: SchemaType
  /** Groups by action name. */
  readonly actions: ReadonlyMap<string, readonly string[]>
  /** Extra ladders. */
  readonly ladders: Readonly<Record<string, readonly string[]>>
  /** When true, unknown attributes are allowed silently. */
  readonly open: boolean
  /** Host functions the embedder provides, by name: checked like builtins, implemented by the host. */
  readonly functions: ReadonlyMap<string, HostFunctionDecl>
}

/** A host function as a schema declares it: its signature and one line of documentation. */
export interface HostFunctionDecl {
  readonly name: string
  /** Parameter types, one per argument (value types only: host functions take no lambdas). */
  readonly params: readonly ParamType[]
  readonly returns: ParamType
  /** Also callable as `x.name(…)` with `x` as the first argument. */
  readonly method: boolean
  /** One line shown on hover and in completions. */
  readonly doc?: string
}

const ANY: SchemaType = { kind: 'any' }
const SCALARS = new Set(['string', 'number', 'boolean', 'duration', 'any'])
const TOP_KEYS = new Set(['context', 'principal', 'resource', 'actions', 'ladders', 'functions', 'open'])
const FUNCTION_KEYS = new Set(['params', 'returns', 'method', 'doc'])
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/** A schema error, naming the JSON path of the bad value. */
export class SchemaError extends Error {
  constructor(readonly path: string, message: string) {
    super(`${path}: ${message}`)
    this.name = 'SchemaError'
  }
}

function parseType(v: unknown, path: string): SchemaType {
  if (typeof v === 'string') {
    if (!SCALARS.has(v)) throw new SchemaError(path, `unknown type '${v}' (expected string, number, boolean, duration, any, [T] or a record)`)
    return { kind: v as 'string' }
  }
  if (Array.isArray(v)) {
    if (v.length !== 1) throw new SchemaError(path, 'an array type is written [T] with exactly one element type')
    return { kind: 'array', element: parseType(v[0], `${path}[0]`) }
  }
  if (isRecord(v)) {
    const fields = new Map<string, SchemaType>()
    for (const [k, t] of Object.entries(v)) fields.set(k, parseType(t, `${path}.${k}`))
    return { kind: 'record', fields }
  }
  throw new SchemaError(path, 'a type must be a type name, [T] or a record of types')
}

/** Validates a parsed JSON schema; throws `SchemaError` naming the bad path. */
export function parseSchema(json: unknown): Schema {
  if (!isRecord(json)) throw new SchemaError('$', 'a schema must be a JSON object')
  for (const k of Object.keys(json)) if (!TOP_KEYS.has(k)) throw new SchemaError(`$.${k}`, `unknown key (expected one of ${[...TOP_KEYS].join(', ')})`)
  const context = new Map<string, SchemaType>()
  const ctx = json['context'] ?? {}
  if (!isRecord(ctx)) throw new SchemaError('$.context', 'must be a record of attribute types')
  for (const [k, t] of Object.entries(ctx)) context.set(k, parseType(t, `$.context.${k}`))
  const actions = new Map<string, readonly string[]>()
  const acts = json['actions'] ?? {}
  if (!isRecord(acts)) throw new SchemaError('$.actions', 'must map action names to { groups: [...] }')
  for (const [name, spec] of Object.entries(acts)) {
    const groups = isRecord(spec) ? spec['groups'] ?? [] : undefined
    if (!Array.isArray(groups) || groups.some((g) => typeof g !== 'string')) throw new SchemaError(`$.actions.${name}.groups`, 'must be an array of group names')
    actions.set(name, groups as string[])
  }
  const ladders = json['ladders'] ?? {}
  if (!isRecord(ladders)) throw new SchemaError('$.ladders', 'must map ladder names to arrays of strings')
  for (const [name, rungs] of Object.entries(ladders)) {
    if (!Array.isArray(rungs) || rungs.some((r) => typeof r !== 'string')) throw new SchemaError(`$.ladders.${name}`, 'must be an array of strings, lowest first')
  }
  const open = json['open'] ?? false
  if (typeof open !== 'boolean') throw new SchemaError('$.open', 'must be true or false')
  const functions = parseFunctions(json['functions'] ?? {})
  return {
    context,
    principal: json['principal'] === undefined ? ANY : parseType(json['principal'], '$.principal'),
    resource: json['resource'] === undefined ? ANY : parseType(json['resource'], '$.resource'),
    actions,
    ladders: ladders as Record<string, string[]>,
    open,
    functions,
  }
}

function parseValueType(v: unknown, path: string): ParamType {
  if (typeof v !== 'string' || !(PARAM_TYPES as readonly string[]).includes(v) || v === 'function') {
    throw new SchemaError(path, `must be a value type (${PARAM_TYPES.filter((t) => t !== 'function').join(', ')})`)
  }
  return v as ParamType
}

function parseFunctions(json: unknown): ReadonlyMap<string, HostFunctionDecl> {
  if (!isRecord(json)) throw new SchemaError('$.functions', 'must map function names to { params, returns, method?, doc? }')
  const out = new Map<string, HostFunctionDecl>()
  for (const [name, spec] of Object.entries(json)) {
    const path = `$.functions.${name}`
    if (!IDENT.test(name)) throw new SchemaError(path, 'a function name must be an identifier')
    if (BUILTINS.has(name)) throw new SchemaError(path, `'${name}' is a builtin; a host function cannot shadow it`)
    if (!isRecord(spec)) throw new SchemaError(path, 'must be { params, returns, method?, doc? }')
    for (const k of Object.keys(spec)) if (!FUNCTION_KEYS.has(k)) throw new SchemaError(`${path}.${k}`, `unknown key (expected one of ${[...FUNCTION_KEYS].join(', ')})`)
    const params = spec['params'] ?? []
    if (!Array.isArray(params)) throw new SchemaError(`${path}.params`, 'must be an array of parameter types')
    const method = spec['method'] ?? false
    if (typeof method !== 'boolean') throw new SchemaError(`${path}.method`, 'must be true or false')
    if (method && params.length === 0) throw new SchemaError(`${path}.method`, 'a method takes its receiver as the first parameter, so it needs at least one')
    const doc = spec['doc']
    if (doc !== undefined && typeof doc !== 'string') throw new SchemaError(`${path}.doc`, 'must be a string')
    const decl = {
      name,
      params: Object.freeze(params.map((t, i) => parseValueType(t, `${path}.params[${i}]`))),
      returns: parseValueType(spec['returns'], `${path}.returns`),
      method,
    }
    out.set(name, Object.freeze(doc === undefined ? decl : { ...decl, doc }))
  }
  return out
}

/** The type of an attribute of a schema type, or undefined when the record has no such field. */
export function fieldType(t: SchemaType, name: string): SchemaType | undefined {
  if (t.kind === 'any') return ANY
  if (t.kind !== 'record') return undefined
  return t.fields.get(name)
}

/** Short name of a schema type for messages. */
export function typeLabel(t: SchemaType): string {
  if (t.kind === 'array') return `[${typeLabel(t.element)}]`
  if (t.kind === 'record') return 'record'
  return t.kind
}

export { ANY as ANY_TYPE }
