import type { Builtin, CallContext, Callable } from './builtin-types.js'
import { BUILTINS } from './builtins.js'
import { EVAL_CODES, fail, typeName } from './eval-codes.js'
import type { HostFunctionRegistry } from './host-functions.js'
import { EvalError } from './value.js'
import type { Value } from './value.js'

/**
 * One name space for builtins and host functions, and the two call forms. Evaluators resolve
 * a name once (compile time) with `createFunctionTable`/`lookupFunction` and call `Builtin.call`
 * directly; `callFunction`/`callMethod` are for evaluators that resolve late. Method form is the
 * function form with the receiver prepended, so `xs.contains(x)` and `contains(xs, x)` cannot
 * differ.
 */

/** Builtins and the registry's host functions in one lookup table (a snapshot). */
export function createFunctionTable(registry?: HostFunctionRegistry): ReadonlyMap<string, Builtin> {
  const table = new Map(BUILTINS)
  if (registry !== undefined) for (const [k, v] of registry.functions) table.set(k, v)
  return table
}

/** Finds a builtin or host function by name. */
export function lookupFunction(name: string, registry?: HostFunctionRegistry): Builtin | undefined {
  return BUILTINS.get(name) ?? registry?.functions.get(name)
}

/** `name(args…)` through a function table; an unknown name is EVAL122. */
export function callFunction(
  table: ReadonlyMap<string, Builtin>,
  name: string,
  args: readonly Value[],
  fns: readonly (Callable | undefined)[],
  ctx: CallContext,
): Value {
  const f = table.get(name)
  if (f === undefined) return fail(EVAL_CODES.UNKNOWN_FUNCTION, `unknown function '${name}'`)
  return f.call(args, fns, ctx)
}

/** `receiver.name(args…)`: the function form with the receiver prepended; only for `method` functions. */
export function callMethod(
  table: ReadonlyMap<string, Builtin>,
  name: string,
  receiver: Value,
  args: readonly Value[],
  fns: readonly (Callable | undefined)[],
  ctx: CallContext,
): Value {
  const f = table.get(name)
  if (f === undefined || !f.method) return fail(EVAL_CODES.UNKNOWN_FUNCTION, `${typeName(receiver)} has no method '${name}'`)
  return f.call([receiver, ...args], [undefined, ...fns], ctx)
}

/** True for an `EvalError` (narrowing helper for evaluators that catch). */
export function isEvalError(e: unknown): e is EvalError {
  return e instanceof EvalError
}
