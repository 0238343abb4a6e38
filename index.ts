/**
 * symbi-policy: compiler, interpreter and runtime for the Symbiont policy language.
 * The root entry point wires the compiler into the engine; `symbi-policy/runtime` offers the
 * engine core without the parser.
 */
export type { Diagnostic, Span, Severity, Result } from './diagnostics/index.js'
export type { AuthzRequest, Decision, Condition, DeterminingRule, DecisionError, TraceStep, Entity, PolicyDecider, Effect } from './stdlib/decision.js'
export type { Value, ValueRecord, Duration } from './stdlib/value.js'
export type { Program, Policy, Rule, Expr, Item } from './grammar/ir.js'
export type { ParseOptions, ParseResult, FormatResult } from './grammar/index.js'
export type { PolicySource, CompileOptions, PolicySet, CompileResult, SourceDiagnostics, Evaluator, EvaluatorMode, EvaluatorOptions } from './compiler/index.js'
export type { Engine, EngineOptions, LoadResult, EvaluateOptions } from './runtime/engine.js'
export type { PolicyWatcher, WatchOptions } from './runtime/watch.js'
export type { HostFunctionRegistry, HostFunctionSpec } from './stdlib/index.js'

import { compilePolicySet } from './compiler/pipeline.js'
import { createEngineCore, type Engine, type EngineOptions } from './runtime/engine.js'

export { parse, format, printProgram } from './grammar/index.js'
export { compilePolicySet, interpret, createEvaluator, parseSchema } from './compiler/index.js'
export { createEngineCore } from './runtime/engine.js'
export { readPolicyDir } from './runtime/watch.js'
export { isPermitted } from './stdlib/decision.js'
export { createHostFunctionRegistry, registerHostFunction, duration } from './stdlib/index.js'
export { formatDiagnostic, LineIndex } from './diagnostics/index.js'

/** Creates an engine that compiles policy sources itself (`engine.load([{ name, source }])`). */
export function createEngine(options: EngineOptions = {}): Engine {
  return createEngineCore(compilePolicySet, options)
}
