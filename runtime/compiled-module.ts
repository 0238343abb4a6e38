/**
 * The run-time half of `symbi-policy compile --target js`: rebuilds the compiled evaluator from
 * the policy data a generated module embeds, with the generated functions it carries. It loads
 * the evaluator compilers and the stdlib, never the parser or the checker, so a compiled module
 * starts without Chevrotain (test/codegen/no-parser.test.ts proves it).
 */
import { applyNumberPatches, COMPILED_FORMAT, type CompiledSetData, type RuleLocation } from '../compiler/codegen/format.js'
import type { CheckedSet } from '../compiler/checked.js'
import { makeDecision } from '../compiler/decisions.js'
import { deepFreeze } from '../compiler/compile-rules.js'
import { createEvaluator, type EvaluatorMode } from '../compiler/evaluator.js'
import { preloadedChunks, type ChunkFactory } from '../compiler/generate/chunk.js'
import { COMPILER_VERSION } from '../compiler/version.js'
import type { PolicySet } from '../compiler/pipeline.js'
import type { AuthzRequest, Decision, DeterminingRule } from '../stdlib/decision.js'
import { createFunctionTable } from '../stdlib/function-table.js'
import { createLadders } from '../stdlib/ladders.js'
import { resolveLimits } from '../stdlib/limits.js'
import { isRecord } from '../stdlib/value.js'

/** A policy set loaded from compiled data. */
export interface CompiledPolicySet {
  /** Decides one request; never throws (a malformed request is a deny). */
  evaluate(request: AuthzRequest): Decision
  /** Content hash of the policy set. */
  readonly hash: string
  /** Policy-set version stamped on decisions. */
  readonly version: number
  /** Compiler version that produced the data. */
  readonly compilerVersion: string
  /** Where every rule was written, in set order. */
  readonly sources: readonly RuleLocation[]
  /** The source location of a determining rule, or undefined when the set has no such rule. */
  locate(rule: Pick<DeterminingRule, 'policy' | 'rule' | 'source'>): RuleLocation | undefined
  /** How it decides: generated code (the module's own, or generated here) or closures. */
  readonly evaluator: EvaluatorMode
  /** Runs of rules decided by closures in generated mode (see `Evaluator.fallbackRuns`). */
  readonly fallbackRuns: number
}

/** Options of {@link loadCompiledSet}. */
export interface LoadCompiledSetOptions {
  /**
   * The generated functions a module carries, each with its source. Used only when the module
   * was compiled by this compiler version (the functions call this runtime's helpers).
   */
  readonly chunks?: readonly (readonly [string, ChunkFactory])[]
}

/** Compiled data that cannot be loaded: wrong format, altered, or produced by another version. */
export class CompiledDataError extends Error {
  override readonly name = 'CompiledDataError'
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new CompiledDataError(`compiled policy data: ${what}`)
}

/** Parses the JSON text a module embeds and restores the numbers JSON cannot carry. */
export function decodeCompiledSet(text: string): CompiledSetData {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw new CompiledDataError(`compiled policy data is not valid JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  expect(isRecord(data), 'must be an object')
  const d = data as Record<string, unknown>
  expect(d['format'] === COMPILED_FORMAT, `format ${String(d['format'])} is not supported (this runtime reads format ${COMPILED_FORMAT}); recompile the policies`)
  expect(Array.isArray(d['policies']), '`policies` must be an array')
  expect(Array.isArray(d['groups']), '`groups` must be an array')
  expect(Array.isArray(d['numbers']), '`numbers` must be an array')
  expect(Array.isArray(d['sources']), '`sources` must be an array')
  expect(isRecord(d['ladders']) && isRecord(d['limits']), '`ladders` and `limits` must be objects')
  expect(typeof d['hash'] === 'string' && typeof d['compilerVersion'] === 'string', '`hash` and `compilerVersion` must be strings')
  expect(typeof d['version'] === 'number' && Number.isSafeInteger(d['version']) && (d['version'] as number) > 0, '`version` must be a positive integer')
  try {
    applyNumberPatches(data, d['numbers'] as CompiledSetData['numbers'])
  } catch (e) {
    throw new CompiledDataError(e instanceof Error ? e.message : String(e))
  }
  return data as CompiledSetData
}

/** Rebuilds a ready-to-run policy set from decoded data (or from the JSON text a module embeds). */
export function loadCompiledSet(input: string | CompiledSetData, options: LoadCompiledSetOptions = {}): CompiledPolicySet {
  // Frozen so that nothing handed out (sources, the rule references inside decisions) can be
  // used to change what later decisions say.
  const data = deepFreeze(typeof input === 'string' ? decodeCompiledSet(input) : input)
  let set: PolicySet
  try {
    const checked: CheckedSet = {
      policies: data.policies,
      vocabulary: { groupsOf: new Map(data.groups.map(([name, groups]) => [name, [...groups]])) },
    }
    set = {
      checked,
      functions: createFunctionTable(),
      ladders: createLadders(data.ladders),
      limits: resolveLimits(data.limits as unknown as Record<string, unknown>),
      hash: data.hash,
      sources: [...new Set(data.sources.map((s) => s.file))],
    }
  } catch (e) {
    throw new CompiledDataError(`compiled policy data: ${e instanceof Error ? e.message : String(e)}`)
  }
  let evaluator: ReturnType<typeof createEvaluator>
  try {
    const chunks = options.chunks !== undefined && data.compilerVersion === COMPILER_VERSION ? preloadedChunks(options.chunks) : undefined
    evaluator = createEvaluator(set, data.version, undefined, chunks === undefined ? {} : { chunks })
  } catch (e) {
    throw new CompiledDataError(`compiled policy data: the policies cannot be rebuilt: ${e instanceof Error ? e.message : String(e)}`)
  }
  const byRule = new Map(data.sources.map((s) => [`${s.file}\u0000${s.policy}\u0000${s.rule}`, s]))
  const version = data.version
  return {
    evaluate: (request) => {
      try {
        return evaluator.evaluate(request)
      } catch (e) {
        // Same fail-closed answer and wording as the engine's guard around its evaluator.
        return makeDecision({ effect: 'deny', reason: `internal engine error: ${e instanceof Error ? e.message : String(e)}` }, [], [], version, undefined)
      }
    },
    hash: data.hash,
    version: data.version,
    compilerVersion: data.compilerVersion,
    sources: data.sources,
    locate: (rule) => byRule.get(`${rule.source ?? ''}\u0000${rule.policy}\u0000${rule.rule}`),
    evaluator: evaluator.mode,
    get fallbackRuns() {
      return evaluator.fallbackRuns
    },
  }
}
