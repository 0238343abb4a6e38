/**
 * One set's three evaluators held to one answer: the reference interpreter, the closures and
 * generated code, which decides each request twice (the second may be a plan function's). Used
 * by the tests that pin a behaviour in every evaluator at once.
 */
import { isDeepStrictEqual } from 'node:util'
import { expect } from 'vitest'
import { createEvaluator, interpret, type Evaluator, type PolicySet } from '../../compiler/index.js'
import type { AuthzRequest, Decision } from '../../stdlib/decision.js'

export interface Agreeing {
  readonly closures: Evaluator
  readonly generated: Evaluator
  /** The interpreter's decision, once the closures and generated code (twice) decided exactly the same. */
  decide(req: AuthzRequest): Decision
}

/** A request for a failure message: non-finite numbers and functions named, as JSON cannot. */
export function showRequest(req: unknown): string {
  return JSON.stringify(req, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'function' ? '<function>' : v))
}

/** Equal as values (Object.is for numbers, so -0 is not 0) and as the JSON a caller receives. */
function same(a: Decision, b: Decision): boolean {
  return isDeepStrictEqual(a, b) && isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)))
}

/**
 * The evaluators of `set`, made once and asked every request, so that plan caches, plan functions
 * and the equality index are reused across requests as in production. Generated code must build:
 * a chunk that fell back to closures would decide the same and hide a broken template.
 */
export function agreeing(set: PolicySet, version = 1): Agreeing {
  const closures = createEvaluator(set, version, undefined, { mode: 'closures' })
  const generated = createEvaluator(set, version)
  expect(generated.mode).toBe('generated')
  const decide = (req: AuthzRequest): Decision => {
    const want = interpret(set.checked, req, { functions: set.functions, ladders: set.ladders, limits: set.limits, version })
    for (const [mode, got] of [['closures', closures.evaluate(req)], ['generated', generated.evaluate(req)], ['generated, again', generated.evaluate(req)]] as const) {
      if (!same(got, want)) expect.fail(`${mode} differs for ${showRequest(req)}\n got: ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`)
    }
    expect(generated.fallbackRuns).toBe(0)
    return want
  }
  return { closures, generated, decide }
}
