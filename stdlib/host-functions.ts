import { PARAM_TYPES, matchesParamType } from './builtin-types.js'
import type { Builtin, CallContext, Callable, ParamType } from './builtin-types.js'
import { BUILTINS } from './builtins.js'
import { checkValue } from './check-value.js'
import { checkArgs } from './define-builtin.js'
import { EVAL_CODES, fail, typeName } from './eval-codes.js'
import type { Value } from './value.js'

/**
 * Host functions: pure, synchronous functions an embedder adds to the policy language with
 * declared types, e.g. `ip_in_range(ip, cidr)`. They are wrapped so that a misbehaving host
 * function can only produce an `EvalError` — wrong argument types never reach it, whatever it
 * throws is wrapped (EVAL120), and a result of the wrong type or a non-value such as a Promise or
 * NaN is refused (EVAL121). Purity cannot be enforced in JavaScript: a host function must not
 * mutate its arguments, keep state, or do I/O.
 */

/** What an embedder registers. */
export interface HostFunctionSpec {
  /** Name as written in policies: an identifier that is not a builtin. */
  readonly name: string
  /** Declared parameter types, one per argument (never `function`: host functions take no lambdas). */
  readonly params: readonly ParamType[]
  /** Declared result type; checked on every call. */
  readonly returns: ParamType
  /** The implementation. */
  readonly fn: (...args: Value[]) => Value
  /** Also callable as `x.name(…)` with `x` as the first argument; default false. */
  readonly method?: boolean
}

/** A set of host functions; build with `createHostFunctionRegistry`, add with `registerHostFunction`. */
export interface HostFunctionRegistry {
  /** Registered functions by name; read-only so that every addition goes through the checks of registerHostFunction. */
  readonly functions: ReadonlyMap<string, Builtin>
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/

/** An empty registry. */
export function createHostFunctionRegistry(): HostFunctionRegistry {
  return { functions: new Map<string, Builtin>() }
}

/**
 * Registers a host function. Throws a plain `Error` for a bad declaration: a name that is not an
 * identifier, shadows a builtin or is already registered, an unknown or `function` parameter
 * type, or an `fn` that is not a function.
 */
export function registerHostFunction(registry: HostFunctionRegistry, spec: HostFunctionSpec): Builtin {
  const { name } = spec
  if (typeof name !== 'string' || !IDENT.test(name)) throw new Error(`host function name ${JSON.stringify(name)} must be an identifier`)
  if (BUILTINS.has(name)) throw new Error(`host function '${name}' would shadow the builtin of that name`)
  if (registry.functions.has(name)) throw new Error(`host function '${name}' is already registered`)
  if (!Array.isArray(spec.params)) throw new Error(`host function '${name}': params must be an array of types`)
  spec.params.forEach((t, i) => {
    if (!PARAM_TYPES.includes(t)) throw new Error(`host function '${name}': parameter ${i + 1} has unknown type ${JSON.stringify(t)} (known: ${PARAM_TYPES.join(', ')})`)
    if (t === 'function') throw new Error(`host function '${name}': parameter ${i + 1} cannot be a function; host functions take values only`)
  })
  if (!PARAM_TYPES.includes(spec.returns) || spec.returns === 'function') {
    throw new Error(`host function '${name}': return type ${JSON.stringify(spec.returns)} is not a value type`)
  }
  if (typeof spec.fn !== 'function') throw new Error(`host function '${name}': fn must be a function`)
  const fn = spec.fn
  const returns = spec.returns
  const builtin: Builtin = Object.freeze({
    name,
    minArgs: spec.params.length,
    maxArgs: spec.params.length,
    params: Object.freeze([...spec.params]),
    returns,
    method: spec.method === true,
    call(args: readonly Value[], fns: readonly (Callable | undefined)[], ctx: CallContext): Value {
      checkArgs(builtin, args, fns, ctx)
      let result: unknown
      try {
        result = fn(...args)
      } catch (e) {
        return fail(EVAL_CODES.HOST_FUNCTION_FAILED, `host function '${name}' failed: ${errorText(e)}`)
      }
      return checkResult(name, returns, result, ctx)
    },
  })
  // The map is created mutable by createHostFunctionRegistry; the interface hides that from callers.
  const functions = registry.functions as Map<string, Builtin>
  functions.set(name, builtin)
  return builtin
}

function checkResult(name: string, returns: ParamType, result: unknown, ctx: CallContext): Value {
  if (typeof result === 'object' && result !== null && typeof (result as { then?: unknown }).then === 'function') {
    return fail(EVAL_CODES.HOST_FUNCTION_RESULT, `host function '${name}' returned a Promise; host functions must be synchronous`)
  }
  try {
    checkValue(result, ctx.limits, `result of host function '${name}'`)
  } catch (e) {
    return fail(EVAL_CODES.HOST_FUNCTION_RESULT, errorText(e))
  }
  if (!matchesParamType(result, returns)) {
    return fail(EVAL_CODES.HOST_FUNCTION_RESULT, `host function '${name}' must return ${returns}, returned ${typeName(result)}`)
  }
  return result
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? e.message : typeof e === 'string' ? e : `a thrown ${typeName(e)}`
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

/**
 * A host function that a schema declares but no registry implements: it type-checks like the
 * real one (so `check`, editors and `compile` accept calls to it) and fails every call with
 * EVAL120. Engines refuse to load a set that needs one (CHECK051), so it decides nothing.
 */
export function unimplementedHostFunction(name: string, params: readonly ParamType[], returns: ParamType, method: boolean): Builtin {
  const builtin: Builtin = Object.freeze({
    name,
    minArgs: params.length,
    maxArgs: params.length,
    params: Object.freeze([...params]),
    returns,
    method,
    call(args: readonly Value[], fns: readonly (Callable | undefined)[], ctx: CallContext): Value {
      checkArgs(builtin, args, fns, ctx)
      return fail(EVAL_CODES.HOST_FUNCTION_FAILED, `host function '${name}' is declared in the schema but has no implementation`)
    },
  })
  return builtin
}
