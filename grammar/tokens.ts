/**
 * Token definitions. Order is significant: Chevrotain tries patterns in array order and takes
 * the first that matches, so error shapes (`500ms`, `512MB`, `1e5`) precede durations, which
 * precede numbers; keywords precede `Identifier` and name it as `longer_alt`.
 *
 * Keywords are contextual (LANGUAGE.md §1): every keyword token also belongs to the
 * `IdentLike` category, so rules that take a name consume `IdentLike` and accept them.
 */
import { createToken, Lexer, type TokenType } from 'chevrotain'

/** Tokens the lexer recognises only to report a helpful error (group `invalid`). */
export const INVALID_GROUP = 'invalid'
/** Comments are kept (group `comments`) so the formatter can preserve them. */
export const COMMENT_GROUP = 'comments'

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED })
export const LineComment = createToken({ name: 'LineComment', pattern: /(?:\/\/|#)[^\n\r]*/, group: COMMENT_GROUP })
// An unclosed `/*` runs to the end of the input (no `$` anchor: Chevrotain rejects anchors).
export const BlockComment = createToken({ name: 'BlockComment', pattern: /\/\*(?:[^*]|\*(?!\/))*(?:\*\/)?/, group: INVALID_GROUP })

export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\]|\\[\s\S])*"/ })
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\]|\\[\s\S])*/, group: INVALID_GROUP })
export const SingleQuoted = createToken({ name: 'SingleQuoted', pattern: /'(?:[^'\\\n\r]|\\.)*'?/, group: INVALID_GROUP })
export const DollarParam = createToken({ name: 'DollarParam', pattern: /\$[A-Za-z_][A-Za-z0-9_]*/, group: INVALID_GROUP })

// Numeric shapes that are not part of the language but that people write.
export const MillisError = createToken({ name: 'MillisError', pattern: /\d+(?:_\d+)*ms(?![A-Za-z0-9_])/, group: INVALID_GROUP })
export const SizeError = createToken({
  name: 'SizeError',
  pattern: /\d+(?:_\d+)*(?:\.\d+)?(?:[kKmMgGtTpP]i?[bB]|[bB]ytes?|[bB])(?![A-Za-z0-9_])/,
  group: INVALID_GROUP,
})
export const ExponentError = createToken({ name: 'ExponentError', pattern: /\d+(?:\.\d+)?[eE][+-]?\d+/, group: INVALID_GROUP })
export const HexError = createToken({ name: 'HexError', pattern: /0[xXoObB][0-9a-fA-F_]+/, group: INVALID_GROUP })
export const UnitUnderscoreError = createToken({ name: 'UnitUnderscoreError', pattern: /\d+(?:_\d+)*_[A-Za-z][A-Za-z0-9_]*/, group: INVALID_GROUP })

export const DottedDuration = createToken({ name: 'DottedDuration', pattern: /\d+(?:_\d+)*\.(?:seconds|minutes|hours)(?![A-Za-z0-9_])/ })
// Longest unit first; no lookahead on purpose: `5min` is `5m in` (LANGUAGE.md §1).
export const DurationLiteral = createToken({ name: 'DurationLiteral', pattern: /\d+(?:_\d+)*(?:months|[smhdwy])/ })
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?/ })

export const VaultRef = createToken({ name: 'VaultRef', pattern: /vault:\/\/[A-Za-z0-9_\-./]+/ })

export const IdentLike = createToken({ name: 'IdentLike', pattern: Lexer.NA })
export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [IdentLike] })

function keyword(word: string, name: string): TokenType {
  return createToken({ name, pattern: new RegExp(word), longer_alt: Identifier, categories: [IdentLike] })
}

export const Metadata = keyword('metadata', 'Metadata')
export const Agent = keyword('agent', 'Agent')
export const Policy = keyword('policy', 'Policy')
export const Allow = keyword('allow', 'Allow')
export const Deny = keyword('deny', 'Deny')
export const Require = keyword('require', 'Require')
export const Audit = keyword('audit', 'Audit')
export const If = keyword('if', 'If')
export const Else = keyword('else', 'Else')
export const Let = keyword('let', 'Let')
export const For = keyword('for', 'For')
export const In = keyword('in', 'In')
export const Match = keyword('match', 'Match')
export const Try = keyword('try', 'Try')
export const Catch = keyword('catch', 'Catch')
export const Return = keyword('return', 'Return')
export const Function = keyword('function', 'Function')
export const Schedule = keyword('schedule', 'Schedule')
export const Channel = keyword('channel', 'Channel')
export const Memory = keyword('memory', 'Memory')
export const Webhook = keyword('webhook', 'Webhook')
export const Search = keyword('search', 'Search')
export const Filter = keyword('filter', 'Filter')
export const DataClassification = keyword('data_classification', 'DataClassification')
export const Type = keyword('type', 'Type')
export const With = keyword('with', 'With')
export const Capabilities = keyword('capabilities', 'Capabilities')
export const Not = keyword('not', 'Not')
export const True = keyword('true', 'True')
export const False = keyword('false', 'False')
export const StringType = keyword('String', 'StringType')
export const IntType = keyword('int', 'IntType')
export const FloatType = keyword('float', 'FloatType')
export const BoolType = keyword('bool', 'BoolType')
export const Underscore = keyword('_', 'Underscore')

export const Arrow = createToken({ name: 'Arrow', pattern: /->/ })
export const FatArrow = createToken({ name: 'FatArrow', pattern: /=>/ })
export const OrOr = createToken({ name: 'OrOr', pattern: /\|\|/ })
export const AndAnd = createToken({ name: 'AndAnd', pattern: /&&/ })
export const Pipe = createToken({ name: 'Pipe', pattern: /\|/ })
export const Ampersand = createToken({ name: 'Ampersand', pattern: /&/, group: INVALID_GROUP })
export const EqEq = createToken({ name: 'EqEq', pattern: /==/ })
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/ })
export const LessEq = createToken({ name: 'LessEq', pattern: /<=/ })
export const GreaterEq = createToken({ name: 'GreaterEq', pattern: /(?:>=)/ })
export const Less = createToken({ name: 'Less', pattern: /</ })
export const Greater = createToken({ name: 'Greater', pattern: />/ })
export const Equals = createToken({ name: 'Equals', pattern: /=/ })
export const Bang = createToken({ name: 'Bang', pattern: /!/ })
export const Plus = createToken({ name: 'Plus', pattern: /\+/ })
export const Minus = createToken({ name: 'Minus', pattern: /-/ })
export const Star = createToken({ name: 'Star', pattern: /\*/ })
export const Slash = createToken({ name: 'Slash', pattern: /\// })
export const Percent = createToken({ name: 'Percent', pattern: /%/ })
export const DoubleColon = createToken({ name: 'DoubleColon', pattern: /::/ })
export const Colon = createToken({ name: 'Colon', pattern: /:/ })
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/ })
export const Comma = createToken({ name: 'Comma', pattern: /,/ })
export const Dot = createToken({ name: 'Dot', pattern: /\./ })
export const Question = createToken({ name: 'Question', pattern: /\?/ })
export const LParen = createToken({ name: 'LParen', pattern: /\(/ })
export const RParen = createToken({ name: 'RParen', pattern: /\)/ })
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ })
export const RBracket = createToken({ name: 'RBracket', pattern: /]/ })
export const LBrace = createToken({ name: 'LBrace', pattern: /{/ })
export const RBrace = createToken({ name: 'RBrace', pattern: /}/ })

/**
 * Keywords in the order they must be tried (before Identifier). A keyword that another keyword
 * prefixes comes first (`int` before `in`), or it could never match.
 */
export const KEYWORDS: readonly TokenType[] = [
  DataClassification, Metadata, Agent, Policy, Allow, Deny, Require, Audit, If, Else, Let, For, IntType, In, Match, Try,
  Catch, Return, Function, Schedule, Channel, Memory, Webhook, Search, Filter, Type, With, Capabilities, Not, True, False,
  StringType, FloatType, BoolType, Underscore,
]

/** Every token type, in lexing order. */
export const ALL_TOKENS: readonly TokenType[] = [
  WhiteSpace, LineComment, BlockComment,
  StringLiteral, UnterminatedString, SingleQuoted, DollarParam,
  MillisError, SizeError, ExponentError, HexError, UnitUnderscoreError,
  DottedDuration, DurationLiteral, NumberLiteral,
  VaultRef,
  ...KEYWORDS,
  Identifier, IdentLike,
  Arrow, FatArrow, OrOr, AndAnd, Pipe, Ampersand, EqEq, NotEq, LessEq, GreaterEq, Less, Greater, Equals, Bang,
  Plus, Minus, Star, Slash, Percent, DoubleColon, Colon, Semicolon, Comma, Dot, Question,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace,
]
