import { validateGrammar } from './validate-grammar.js'
import { createTokenInstance, Lexer, type IToken, type TokenType } from 'chevrotain'
import { diagnostic, replaceFix, type Diagnostic } from '../diagnostics/diagnostic.js'
import { ALL_TOKENS, AndAnd, COMMENT_GROUP, Identifier, INVALID_GROUP, NumberLiteral, StringLiteral } from './tokens.js'

/** What lexing produced: tokens for the parser, comments for the formatter, and diagnostics. */
export interface LexOutput {
  readonly tokens: IToken[]
  readonly comments: IToken[]
  readonly diagnostics: Diagnostic[]
}

// Validations are expensive and only catch mistakes in tokens.ts; tests construct the lexer
// with them on (see test/grammar/lexer.test.ts), production skips them.
const lexer = new Lexer([...ALL_TOKENS], {
  ensureOptimizations: true,
  positionTracking: 'onlyOffset',
  skipValidations: !validateGrammar(),
})

/** Builds a lexer with all validations on; used by tests to prove the token set is sound. */
export function createValidatedLexer(): Lexer {
  return new Lexer([...ALL_TOKENS], { ensureOptimizations: true, positionTracking: 'onlyOffset' })
}

/** Span of a token as half-open offsets (Chevrotain's `endOffset` is inclusive). */
export function tokenSpan(t: IToken): { start: number; end: number } {
  return { start: t.startOffset, end: t.startOffset + t.image.length }
}

/** `fix`, when present, is the text that replaces the token (a certain repair, offered as a quick fix). */
const INVALID_MESSAGES: Record<string, (image: string) => { code: string; message: string; help: string; fix?: string }> = {
  BlockComment: () => ({
    code: 'LEX002',
    message: 'block comments `/* */` are not supported',
    help: 'start each comment line with `//` or `#`',
  }),
  UnterminatedString: () => ({
    code: 'LEX003',
    message: 'unterminated string literal',
    help: 'close the string with `"`',
  }),
  SingleQuoted: (image) => {
    // Escapes mean different things in the two quotings; only a plain string is rewritten.
    const closed = image.length > 1 && image.endsWith("'") && !image.includes('\\')
    const quoted = `"${image.replace(/^'|'$/g, '').replace(/"/g, '\\"')}"`
    return closed
      ? { code: 'LEX004', message: 'single-quoted strings are not supported', help: `use double quotes: ${quoted}`, fix: quoted }
      : { code: 'LEX004', message: 'single-quoted strings are not supported', help: `use double quotes: ${quoted}` }
  },
  DollarParam: (image) => ({
    code: 'LEX005',
    message: `\`${image}\` parameter macros are not supported`,
    help: `refer to the value by name, e.g. \`${image.slice(1)}\` or \`context.${image.slice(1)}\``,
  }),
  MillisError: (image) => {
    // Whole seconds have an exact duration literal; anything finer can only be a string.
    const ms = Number(image.slice(0, -2).replace(/_/g, ''))
    const fix = ms > 0 && ms % 1000 === 0 ? `${ms / 1000}s` : `"${image}"`
    return {
      code: 'LEX006',
      message: `\`${image}\` is not a duration: there is no \`ms\` unit`,
      help: 'durations take s, m, h, d, w, months or y; use `1s` or a string such as "500ms"',
      fix,
    }
  },
  SizeError: (image) => ({
    code: 'LEX007',
    message: `\`${image}\` is not a number: the language has no size literals`,
    help: `write the size as a string: "${image}"`,
    fix: `"${image}"`,
  }),
  ExponentError: (image) => ({
    code: 'LEX008',
    message: `\`${image}\`: exponent notation is not supported`,
    help: 'write the number out in full; `_` may group digits: 100_000',
  }),
  HexError: (image) => ({
    code: 'LEX009',
    message: `\`${image}\`: only decimal numbers are supported`,
    help: 'write the number in decimal',
  }),
  UnitUnderscoreError: (image) => {
    const m = /^(\d+(?:_\d+)*)_([A-Za-z]\w*)$/.exec(image)
    const unit = m?.[2] ?? ''
    const units: Record<string, string> = { days: 'd', day: 'd', hours: 'h', hour: 'h', minutes: 'm', minute: 'm', seconds: 's', second: 's', weeks: 'w', week: 'w', years: 'y', year: 'y', months: 'months', month: 'months' }
    const key = unit.toLowerCase()
    // `10_constructor` must not find Object.prototype.constructor.
    const suggestion = Object.hasOwn(units, key) ? units[key] : undefined
    const message = `\`${image}\` is not a duration or a number`
    return suggestion
      ? { code: 'LEX010', message, help: `write \`${m?.[1] ?? ''}${suggestion}\``, fix: `${m?.[1] ?? ''}${suggestion}` }
      : { code: 'LEX010', message, help: 'durations are written like `90d`; digit groups like `10_000`' }
  },
  Ampersand: () => ({ code: 'LEX011', message: 'a single `&` is not an operator', help: 'use `&&` for logical and', fix: '&&' }),
}

/**
 * Invalid shapes stand in the token stream as the token the user meant, so that one `500ms`
 * yields one diagnostic rather than a cascade of syntax errors. Files with any diagnostic never
 * reach IR, so the stand-ins cannot change a decision.
 */
const STAND_INS: Record<string, TokenType> = {
  UnterminatedString: StringLiteral, SingleQuoted: StringLiteral, DollarParam: Identifier, MillisError: NumberLiteral,
  SizeError: NumberLiteral, ExponentError: NumberLiteral, HexError: NumberLiteral, UnitUnderscoreError: NumberLiteral,
  Ampersand: AndAnd,
}

/** Tokenises a source text. Never throws; unknown characters become LEX001 diagnostics. */
export function lex(text: string): LexOutput {
  const result = lexer.tokenize(text)
  const diagnostics: Diagnostic[] = []
  for (const e of result.errors) {
    const ch = text.slice(e.offset, e.offset + e.length)
    diagnostics.push(
      diagnostic('LEX001', 'error', `unexpected character${e.length > 1 ? 's' : ''} ${JSON.stringify(ch.slice(0, 20))}`, {
        start: e.offset,
        end: e.offset + Math.max(1, e.length),
      }),
    )
  }
  const standIns: IToken[] = []
  for (const t of result.groups[INVALID_GROUP] ?? []) {
    const make = INVALID_MESSAGES[t.tokenType.name]
    if (!make) continue
    const { code, message, help, fix } = make(t.image)
    const span = tokenSpan(t)
    const fixes = fix === undefined ? undefined : [replaceFix(`replace \`${t.image}\` with \`${fix}\``, span, fix)]
    diagnostics.push(diagnostic(code, 'error', message, span, { help, fixes }))
    const type = STAND_INS[t.tokenType.name]
    if (type) standIns.push(createTokenInstance(type, t.image, t.startOffset, t.startOffset + t.image.length - 1, NaN, NaN, NaN, NaN))
  }
  diagnostics.sort((a, b) => a.span.start - b.span.start)
  const tokens = standIns.length === 0 ? result.tokens : [...result.tokens, ...standIns].sort((a, b) => a.startOffset - b.startOffset)
  return { tokens, comments: result.groups[COMMENT_GROUP] ?? [], diagnostics }
}
