export type { Value, ValueRecord, Duration, TypeName } from './value.js'
export type {
  Entity,
  ActionObject,
  AuthzRequest,
  Condition,
  RuleKind,
  DeterminingRule,
  DecisionError,
  TraceStep,
  DecisionInfo,
  Decision,
  Effect,
  PolicyDecider,
} from './decision.js'
export type { EvalCode } from './eval-codes.js'
export type { Ladder, LadderPosition, Ladders, SharedRanks } from './ladders.js'
export type { DurationUnit } from './durations.js'
export type { Limits } from './limits.js'
export type { ParamType, Callable, CallContext, Builtin } from './builtin-types.js'
export type { BuiltinSpec } from './define-builtin.js'
export type { HostFunctionSpec, HostFunctionRegistry } from './host-functions.js'

export { duration, isDuration, isRecord, typeOf, EvalError } from './value.js'
export { isPermitted } from './decision.js'
export { EVAL_CODES } from './eval-codes.js'
export { valueEquals } from './equality.js'
export { CLASSIFICATION_LADDER, DEFAULT_LADDERS, createLadders, ladderPositions, ladderRank, sharedLadder } from './ladders.js'
export { compareValues, compareLadderStrings } from './compare.js'
export { add, sub, mul, div, mod, negate } from './arithmetic.js'
export { expectBool, inOp } from './operators.js'
export { getMember, getIndex, hasAttr } from './access.js'
export { DURATION_UNIT_MS, durationFromLiteral, parseDuration } from './durations.js'
export { DEFAULT_LIMITS, LIMIT_NAMES, resolveLimits } from './limits.js'
export { checkValue, checkCollectionSize, collectionSize } from './check-value.js'
export { globToMatcher, isGlobPattern } from './glob.js'
export { PARAM_TYPES, matchesParamType, paramTypeAt, createCallContext } from './builtin-types.js'
export { defineBuiltin } from './define-builtin.js'
export { BUILTINS } from './builtins.js'
export { createHostFunctionRegistry, registerHostFunction } from './host-functions.js'
export { createFunctionTable, lookupFunction, callFunction, callMethod, isEvalError } from './function-table.js'
