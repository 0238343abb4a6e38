import { EVAL_CODES, fail, quote } from './eval-codes.js'
import { duration } from './value.js'
import type { Duration } from './value.js'

/**
 * Durations: `30s`, `5m`, `2h`, `7d`, `1w`, `6months`, `1y`, `30.seconds`, and the
 * `duration("5m")` builtin. Calendar units are fixed lengths — a month is 30 days and a year
 * 365 days — because evaluation must not depend on the calendar or the time zone; a policy that
 * needs calendar arithmetic should receive precomputed attributes.
 */

/** Units as the lexer spells them (mirrors `DurationUnit` of grammar/ir.ts, which stdlib must not import). */
export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'months' | 'y' | 'seconds' | 'minutes' | 'hours'

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** Milliseconds per unit. */
export const DURATION_UNIT_MS: Readonly<Record<DurationUnit, number>> = Object.freeze({
  s: SECOND,
  m: MINUTE,
  h: HOUR,
  d: DAY,
  w: 7 * DAY,
  months: 30 * DAY,
  y: 365 * DAY,
  seconds: SECOND,
  minutes: MINUTE,
  hours: HOUR,
})

const SHORT_UNITS = new Set(['s', 'm', 'h', 'd', 'w', 'months', 'y'])
const LONG_UNITS = new Set(['seconds', 'minutes', 'hours'])
const MAX_DURATION_TEXT = 64

/** The duration of a literal such as `6months`; `amount` is the non-negative integer written. */
export function durationFromLiteral(amount: number, unit: DurationUnit): Duration {
  const per = Object.hasOwn(DURATION_UNIT_MS, unit) ? DURATION_UNIT_MS[unit] : undefined
  if (per === undefined) return fail(EVAL_CODES.BAD_DURATION, `unknown duration unit ${quote(String(unit))}`)
  if (!Number.isInteger(amount) || amount < 0) {
    return fail(EVAL_CODES.BAD_DURATION, `duration amount must be a non-negative integer, got ${String(amount)}`)
  }
  const ms = amount * per
  if (!Number.isFinite(ms)) return fail(EVAL_CODES.BAD_DURATION, `duration ${amount}${unit} is too large`)
  return duration(ms)
}

/**
 * Parses the argument of `duration("…")`: exactly the literal syntax, `<integer><unit>` or
 * `<integer>.seconds|.minutes|.hours`, with optional `_` digit groups (`1_000s`). No sign, no
 * fraction, no exponent, no spaces, no `ms` — each rejected with a message saying why.
 */
export function parseDuration(text: string): Duration {
  if (text.length === 0) return bad(text, 'it is empty')
  if (text.length > MAX_DURATION_TEXT) return bad(text, `it is longer than ${MAX_DURATION_TEXT} characters`)
  let i = 0
  if (text[0] === '-' || text[0] === '+') return bad(text, 'durations have no sign')
  while (i < text.length && isDigitOrGroup(text, i)) i++
  if (i === 0) return bad(text, 'it must start with a whole number, e.g. "5m"')
  const digits = text.slice(0, i)
  const rest = text.slice(i)
  if (rest.length === 0) return bad(text, 'it has no unit (use s, m, h, d, w, months or y)')
  let unit: string
  if (rest[0] === '.') {
    unit = rest.slice(1)
    if (/^[0-9]/.test(unit)) return bad(text, 'fractional amounts are not allowed; use a smaller unit')
    if (!LONG_UNITS.has(unit)) return bad(text, `'.${unit}' is not a unit (use .seconds, .minutes or .hours)`)
  } else {
    unit = rest
    if (!SHORT_UNITS.has(unit)) return bad(text, unitHint(unit))
  }
  const amount = Number(digits.replaceAll('_', ''))
  return durationFromLiteral(amount, unit as DurationUnit)
}

function isDigitOrGroup(text: string, i: number): boolean {
  const c = text.charCodeAt(i)
  if (c >= 48 && c <= 57) return true
  // '_' counts only when followed by a digit, so "90_days" stops before '_days'.
  const next = text.charCodeAt(i + 1)
  return c === 95 && i > 0 && next >= 48 && next <= 57
}

function unitHint(unit: string): string {
  if (unit === 'ms') return "there is no 'ms' unit: durations are whole seconds or longer"
  if (/^[eE][+-]?[0-9]/.test(unit)) return 'exponents are not allowed'
  if (unit.startsWith('_')) return `'${unit}' is not a unit: write the unit right after the number, e.g. "90d"`
  if (/^\s/.test(unit) || /\s$/.test(unit)) return 'spaces are not allowed'
  return `'${unit}' is not a unit (use s, m, h, d, w, months, y, .seconds, .minutes or .hours)`
}

function bad(text: string, why: string): never {
  return fail(EVAL_CODES.BAD_DURATION, `invalid duration ${quote(text)}: ${why}`)
}
