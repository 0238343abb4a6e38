/**
 * Highlighting for the policy editor: a CodeMirror stream tokenizer that follows the lexer's
 * token classes (grammar/tokens.ts). The squiggles come from the real parser (lint.ts), so
 * this only has to colour, not to judge.
 */
import { StreamLanguage, type StreamParser } from '@codemirror/language'
import { KEYWORDS as LEXER_KEYWORDS } from '../../grammar/tokens.js'

const RULE_KINDS = new Set(['allow', 'deny', 'require', 'audit'])
const ATOMS = new Set(['true', 'false', 'null'])
/** The lexer's keywords; rule kinds are coloured only before their `:`, atoms and `_` apart. */
const KEYWORDS = new Set(
  LEXER_KEYWORDS.map((t) => (t.PATTERN as RegExp).source).filter((w) => !RULE_KINDS.has(w) && !ATOMS.has(w) && w !== '_'),
)

const parser: StreamParser<{ afterDecl: boolean }> = {
  name: 'symbi-policy',
  startState: () => ({ afterDecl: false }),
  token(stream, state) {
    if (stream.eatSpace()) return null
    if (stream.match('//') || stream.match('#')) {
      stream.skipToEnd()
      return 'comment'
    }
    if (stream.peek() === '"') {
      stream.next()
      let escaped = false
      let ch: string | void
      while ((ch = stream.next()) !== undefined) {
        if (ch === '"' && !escaped) break
        escaped = !escaped && ch === '\\'
      }
      return 'string'
    }
    if (stream.match(/^vault:\/\/[A-Za-z0-9_\-./]+/)) return 'string.special'
    if (stream.match(/^\d+(?:_\d+)*(?:months|\.(?:seconds|minutes|hours)|[smhdwy])(?![A-Za-z0-9_])/)) return 'number'
    if (stream.match(/^\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?/)) return 'number'
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null
    if (word) {
      const w = word[0]
      if (state.afterDecl) {
        state.afterDecl = false
        return 'definition'
      }
      if (RULE_KINDS.has(w) && stream.peek() === ':') return 'keyword'
      if (['policy', 'agent', 'function', 'type', 'channel', 'schedule', 'memory', 'webhook'].includes(w)) state.afterDecl = true
      if (KEYWORDS.has(w)) return 'keyword'
      if (ATOMS.has(w)) return 'atom'
      if (stream.match(/^\s*\(/, false)) return 'function'
      return 'variable'
    }
    if (stream.match(/^(?:&&|\|\||==|!=|>=|<=|=>|->|[<>!+\-*/%=.])/)) return 'operator'
    stream.next()
    return null
  },
}

export const symbiPolicy = StreamLanguage.define(parser)
