import type { Builtin } from './builtin-types.js'
import { contains, endsWith, has, keys, len, length, lower, startsWith, upper } from './builtins-basic.js'
import { all, any, count, filter, map, max, min, sum } from './builtins-collections.js'
import { defineBuiltin } from './define-builtin.js'
import { parseDuration } from './durations.js'
import { EVAL_CODES, fail } from './eval-codes.js'

/**
 * `now()`: the request's time, or the engine clock read once per decision (SEMANTICS.md §5) —
 * fixed within a decision, so evaluation stays deterministic. A clock that yields no finite
 * time is an error, never 0: `deny: read if now() > token.expires_at` must not go quiet.
 */
export const now: Builtin = defineBuiltin({
  name: 'now',
  params: [],
  returns: 'number',
  method: false,
  impl: (_args, _fns, ctx) => {
    const t = ctx.now
    if (typeof t !== 'number' || !Number.isFinite(t)) return fail(EVAL_CODES.BAD_VALUE, 'now(): the engine clock did not give a finite time')
    return t
  },
})

/** `duration("5m")`: parses the literal syntax at run time (see parseDuration). */
export const durationFn: Builtin = defineBuiltin({
  name: 'duration',
  params: ['string'],
  returns: 'duration',
  method: false,
  impl: ([s]) => parseDuration(s as string),
})

/** Every builtin of SEMANTICS.md §5 by name. Host functions may not reuse these names. */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(
  [contains, startsWith, endsWith, length, len, lower, upper, keys, has, any, all, count, map, filter, min, max, sum, now, durationFn].map(
    (b) => [b.name, b] as const,
  ),
)
