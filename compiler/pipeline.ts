/**
 * The compile pipeline: sources → parse → check → a policy set ready for either evaluator.
 * All-or-nothing: a set is produced only when no file has an error.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { diagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js'
import { parse } from '../grammar/parse.js'
import { collectChannelClassifications, collectScopedPolicies } from '../grammar/ir-utils.js'
import { classificationPolicy } from './classification.js'
import type { Builtin } from '../stdlib/builtin-types.js'
import { createFunctionTable } from '../stdlib/function-table.js'
import { unimplementedHostFunction, type HostFunctionRegistry } from '../stdlib/host-functions.js'
import { createLadders, type Ladders } from '../stdlib/ladders.js'
import { resolveLimits, type Limits } from '../stdlib/limits.js'
import type { CheckedSet } from './checked.js'
import { checkPolicies, type SourcePolicy } from './checker.js'
import { CHECK } from './codes.js'
import { parseSchema, SchemaError, type Schema } from './schema.js'
import { COMPILER_VERSION } from './version.js'

export { COMPILER_VERSION }

/** One named policy source. */
export interface PolicySource {
  /** File name or label, shown in diagnostics and decisions. */
  readonly name: string
  /** Source text. */
  readonly source: string
}

/** Options of compilation. */
export interface CompileOptions {
  /** A context schema (parsed JSON or validated). */
  readonly schema?: Schema | unknown
  /** Extra ladders, e.g. `{ priority: ['low', 'medium', 'high'] }`. */
  readonly ladders?: Readonly<Record<string, readonly string[]>>
  /** Embedder functions. */
  readonly hostFunctions?: HostFunctionRegistry
  /** Limit overrides. */
  readonly limits?: Readonly<Record<string, unknown>>
  /** Report seed extensions as errors. */
  readonly strict?: boolean
  /**
   * Refuse a set when a host function the schema declares has no implementation in
   * `hostFunctions` (CHECK051). Engines set it; `check` and editors do not, since they only
   * type-check calls.
   */
  readonly requireHostImplementations?: boolean
}

/** Everything an evaluator needs: the checked set and the resolved environment. */
export interface PolicySet {
  readonly checked: CheckedSet
  readonly functions: ReadonlyMap<string, Builtin>
  readonly ladders: Ladders
  readonly limits: Limits
  /** Content hash of the set (sources' IR and compiler version). */
  readonly hash: string
  /** Names of the sources, in load order. */
  readonly sources: readonly string[]
}

/** Diagnostics of one source. */
export interface SourceDiagnostics {
  readonly name: string
  readonly diagnostics: readonly Diagnostic[]
}

/** The result of compiling: a set when there were no errors, and every file's diagnostics. */
export interface CompileResult {
  readonly value?: PolicySet
  readonly files: readonly SourceDiagnostics[]
}

/** The resolved environment of a compilation. */
export interface Environment {
  readonly functions: ReadonlyMap<string, Builtin>
  readonly ladders: Ladders
  readonly limits: Limits
  readonly schema?: Schema
  /** Host functions the schema declares that no registry implements, in declaration order. */
  readonly unimplemented: readonly string[]
}

/** Resolves options into the evaluation environment; throws a plain Error for bad options. */
export function resolveEnvironment(options: CompileOptions): Environment {
  const schema = options.schema === undefined ? undefined : isSchema(options.schema) ? options.schema : parseSchema(options.schema)
  const ladders = createLadders({ ...(schema?.ladders ?? {}), ...(options.ladders ?? {}) })
  const limits = resolveLimits(options.limits ?? {})
  const table = new Map(createFunctionTable(options.hostFunctions))
  const unimplemented: string[] = []
  for (const decl of schema?.functions.values() ?? []) {
    const registered = options.hostFunctions?.functions.get(decl.name)
    if (registered === undefined) {
      table.set(decl.name, unimplementedHostFunction(decl.name, decl.params, decl.returns, decl.method))
      unimplemented.push(decl.name)
    } else if (signature(registered) !== signature(decl)) {
      throw new Error(`host function '${decl.name}' is declared in the schema as ${signature(decl)} but registered as ${signature(registered)}`)
    }
  }
  const functions: ReadonlyMap<string, Builtin> = table
  return schema ? { functions, ladders, limits, schema, unimplemented } : { functions, ladders, limits, unimplemented }
}

function signature(f: { readonly params: readonly string[]; readonly returns: string; readonly method: boolean }): string {
  return `${f.method ? 'method ' : ''}(${f.params.join(', ')}) -> ${f.returns}`
}

function isSchema(s: unknown): s is Schema {
  return typeof s === 'object' && s !== null && (s as { context?: unknown }).context instanceof Map
}

/** Compiles policy sources into a set. Never throws for bad policies; bad options throw. */
export function compilePolicySet(sources: readonly PolicySource[], options: CompileOptions = {}): CompileResult {
  let env: Environment
  try {
    env = resolveEnvironment(options)
  } catch (e) {
    const message = e instanceof SchemaError ? `bad schema: ${e.message}` : e instanceof Error ? e.message : String(e)
    return { files: [{ name: '<options>', diagnostics: [diagnostic(CHECK.badSchema, 'error', message, { start: 0, end: 0 })] }] }
  }
  if (options.requireHostImplementations === true && env.unimplemented.length > 0) {
    const names = env.unimplemented.map((n) => `'${n}'`).join(', ')
    const message = `the schema declares host function${env.unimplemented.length === 1 ? '' : 's'} ${names} with no implementation registered`
    const help = 'register each with registerHostFunction and pass the registry as `hostFunctions`, or remove the declaration'
    return { files: [{ name: '<schema>', diagnostics: [diagnostic(CHECK.unimplementedHostFunction, 'error', message, { start: 0, end: 0 }, { help })] }] }
  }
  const files: { name: string; diagnostics: Diagnostic[] }[] = []
  const policies: SourcePolicy[] = []
  // Stryker disable next-line ArrayDeclaration: a constant first entry goes into every set's hash alike
  const irs: string[] = []  // per source: its name and text, hashed below
  for (const s of sources) {
    const maxBytes = env.limits.maxPolicyBytes
    const r = parse(s.source, { strict: options.strict ?? false, maxBytes })
    files.push({ name: s.name, diagnostics: [...r.diagnostics] })
    if (r.value) {
      for (const { policy, host } of collectScopedPolicies(r.value)) policies.push(host === undefined ? { policy, file: s.name } : { policy, file: s.name, host })
      // A channel's data classification is checked on every message on it (classification.ts).
      for (const { channel, block } of collectChannelClassifications(r.value)) {
        const fileDiagnostics = files[files.length - 1] as { diagnostics: Diagnostic[] }
        const policy = classificationPolicy(channel, block, (d) => fileDiagnostics.diagnostics.push(d))
        if (policy.rules.length > 0) policies.push({ policy, file: s.name, host: { kind: 'Channel', name: channel, span: block.span } })
      }
      // The IR (spans included) is a pure function of the source text and COMPILER_VERSION, so
      // hashing the source identifies the IR's content without serialising it (which cost more
      // than parsing on a 10,000-rule set).
      irs.push(JSON.stringify([s.name, s.source]))
    }
  }
  const checked = checkPolicies(policies, env)
  for (const [file, ds] of checked.diagnostics) {
    const entry = files.find((f) => f.name === file)
    if (entry) entry.diagnostics.push(...ds)
    else files.push({ name: file ?? '<set>', diagnostics: ds })
  }
  for (const f of files) f.diagnostics.sort((a, b) => a.span.start - b.span.start)
  if (files.some((f) => hasErrors(f.diagnostics))) return { files }
  // Everything the compiled closures depend on: compiler, environment and the IR itself.
  const environment = JSON.stringify({
    ladders: [...env.ladders.byName],
    actions: [...(env.schema?.actions ?? [])],
    functions: [...env.functions.keys()],
    limits: env.limits,
  })
  const hash = bytesToHex(sha256(utf8ToBytes(`${COMPILER_VERSION}\n${environment}\n${irs.join('\n')}`)))
  return {
    value: { checked: checked.set, functions: env.functions, ladders: env.ladders, limits: env.limits, hash, sources: sources.map((s) => s.name) },
    files,
  }
}
