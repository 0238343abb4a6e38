/**
 * An engine's `evaluate` when it keeps no decision cache: the active evaluator's plan functions
 * tried here (compiler/generate/plan.ts `PLAN_ATTEMPT`), then its full path, from a function made
 * for this engine. V8 keeps type feedback per function, and a function written once in engine.ts
 * is one function for every engine in the process: its calls would see every engine's
 * evaluator and inline none. Trying the plan functions here rather than calling the
 * evaluator's own entry, which does the same, saves a call a decision (~8 ns measured at 3
 * rules). Made with `new Function`, as the generated evaluators are; where that is disallowed
 * the engine keeps its shared path.
 */
import type { Evaluator } from '../compiler/evaluator.js'
import { PLAN_ATTEMPT, type PlanTable } from '../compiler/generate/plan.js'
import type { AuthzRequest, Decision } from '../stdlib/decision.js'

/** What the entry reads on every call: the evaluator it may decide with directly (and its plan functions), or undefined (then `slow`). */
export interface EntryTarget {
  evaluator: Evaluator | undefined
  plans: PlanTable | undefined
}

// Options (an explanation), no policy set, a decision cache: the engine's shared path decides.
// An evaluator's full path does not throw; if one ever does, `failed` denies.
const ENTRY = [
  '"use strict"',
  'return function evaluate(request, opts) {',
  '  const e = target.evaluator',
  '  if (e === undefined || opts !== undefined) return slow(request, opts)',
  '  const T = target.plans',
  '  if (T !== undefined) {',
  PLAN_ATTEMPT,
  '  }',
  '  try {',
  '    return T !== undefined ? T.full(request) : e.evaluate(request)',
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
