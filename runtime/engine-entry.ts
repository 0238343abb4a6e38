/**
 * An engine's `evaluate` when it keeps no decision cache: a call of the active evaluator's own
 * `evaluate`, from a function made for this engine. V8 keeps type feedback per function, and a
 * function written once in engine.ts is one function for every engine in the process: its call
 * of `evaluator.evaluate` would see every engine's evaluator and stop inlining any (measured on
 * the evaluation bench's six engines: ~4–11 ns a decision). Made with `new Function`, as the
 * generated evaluators are; where that is disallowed the engine keeps its shared path.
 */
import type { Evaluator } from '../compiler/evaluator.js'
import type { AuthzRequest, Decision } from '../stdlib/decision.js'

/** What the entry reads on every call: the evaluator it may call directly, or undefined (then `slow`). */
export interface EntryTarget {
  evaluator: Evaluator | undefined
}

// Options (an explanation), no policy set, a decision cache: the engine's shared path decides.
// An evaluator does not throw; if one ever does, `failed` denies.
const ENTRY = [
  '"use strict"',
  'return function evaluate(request, opts) {',
  '  const e = target.evaluator',
  '  if (e === undefined || opts !== undefined) return slow(request, opts)',
  '  try {',
  '    return e.evaluate(request)',
  '  } catch (x) {',
  '    return failed(x, e.version)',
  '  }',
  '}',
].join('\n')

type EvaluateFn<O> = (request: AuthzRequest, opts?: O) => Decision

/** The entry over `target`; undefined where code generation from strings is disallowed. */
export function engineEntry<O>(target: EntryTarget, slow: EvaluateFn<O>, failed: (error: unknown, version: number) => Decision): EvaluateFn<O> | undefined {
  try {
    return (new Function('target', 'slow', 'failed', ENTRY) as (...a: unknown[]) => EvaluateFn<O>)(target, slow, failed)
  } catch {
    return undefined
  }
}
