/**
 * The front end's entry point: text → lexer → parser → (only when both are clean) IR.
 * Never throws on any input: every problem becomes a diagnostic with a span.
 */
import { tokenMatcher, type IRecognitionException, type IToken } from 'chevrotain'
import { diagnostic, hasErrors, replaceFix, type Diagnostic, type Result, type Span } from '../diagnostics/diagnostic.js'
import { PARSE } from './codes.js'
import { lintRecoveredTree, lowerProgram } from './cst-to-ir.js'
import { parseItemsDirect } from './direct-parser.js'
import type { Comment, Program } from './ir.js'
import { findTooDeep } from './ir-utils.js'
import { lex, tokenSpan } from './lexer.js'
import { getFastParser, getParser } from './parser.js'
import * as T from './tokens.js'

/** Options of `parse`. Unknown keys and bad values are rejected by `resolveParseOptions`. */
export interface ParseOptions {
  /** Report seed extensions as errors (LANGUAGE.md §4). */
  readonly strict?: boolean
  /** Deepest bracket nesting accepted before parsing (protects the recursive-descent parser). */
  readonly maxNesting?: number
  /** Deepest IR expression tree accepted (protects every recursive pass after parsing). */
  readonly maxDepth?: number
  /** Largest input in UTF-16 code units. */
  readonly maxBytes?: number
  /** Diagnostics reported before the rest are summarised in one PARSE015. */
  readonly maxErrors?: number
}

/** Frozen defaults of the front-end limits. */
export const PARSE_DEFAULTS = Object.freeze({ strict: false, maxNesting: 100, maxDepth: 256, maxBytes: 8 * 1024 * 1024, maxErrors: 100 })

/**
 * Defaults merged with `options`. Options come from the embedder, not from policy text, so a
 * mistake here is a programming error: an unknown key or a bad value throws a TypeError naming it
 * (a misspelt `maxDeph` must not silently leave the default in force).
 */
export function resolveParseOptions(options: ParseOptions): Required<ParseOptions> {
  const out: { -readonly [K in keyof ParseOptions]-?: NonNullable<ParseOptions[K]> } = { ...PARSE_DEFAULTS }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue
    if (!Object.hasOwn(PARSE_DEFAULTS, key)) throw new TypeError(`unknown parse option '${key}' (known: ${Object.keys(PARSE_DEFAULTS).join(', ')})`)
    if (key === 'strict') {
      if (typeof value !== 'boolean') throw new TypeError(`parse option 'strict' must be a boolean`)
    } else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new TypeError(`parse option '${key}' must be a positive integer, got ${String(value)}`)
    }
    ;(out as Record<string, unknown>)[key] = value
  }
  return out
}

/** The parse result: the program when error-free, and every diagnostic. */
export interface ParseResult extends Result<Program> {
  /** Comments, even when the file has errors (the formatter needs them only on clean files). */
  readonly comments: readonly Comment[]
}

const ITEM_STARTS = [T.Metadata, T.Agent, T.Policy, T.Type, T.Function, T.Schedule, T.Channel, T.Memory, T.Webhook]
const OPENERS: Record<string, string> = { '(': ')', '[': ']', '{': '}' }

/** Parses a `.policy` or `.symbi` text. */
export function parse(text: string, options: ParseOptions = {}): ParseResult {
  return parseText(text, options, true)
}

/**
 * `parse` with every item parsed by Chevrotain and lowered from its CST (no direct parser):
 * the reference the direct parser is tested against.
 */
export function parseViaCst(text: string, options: ParseOptions = {}): ParseResult {
  return parseText(text, options, false)
}

function parseText(text: string, options: ParseOptions, direct: boolean): ParseResult {
  const opts = resolveParseOptions(options)
  if (text.length > opts.maxBytes) {
    const d = diagnostic(PARSE.tooLarge, 'error', `input is ${text.length} characters; the limit is ${opts.maxBytes}`, { start: 0, end: 0 }, { help: 'split the policies over several files' })
    return { diagnostics: [d], comments: [] }
  }
  const { tokens, comments: commentTokens, diagnostics: lexDiags } = lex(text)
  const comments = commentTokens.map((t) => ({ text: t.image.replace(/\s+$/, ''), span: tokenSpan(t) }))
  const diagnostics: Diagnostic[] = [...lexDiags]

  const nesting = scanBrackets(tokens, opts.maxNesting)
  diagnostics.push(...nesting.diagnostics)
  if (nesting.tooDeep) return finish(diagnostics, undefined, comments, opts.maxErrors, text)

  const fast = hasErrors(diagnostics) || nesting.unclosed.length > 0 ? undefined : parseInChunks(tokens, opts.strict, direct)
  if (fast) {
    diagnostics.push(...fast.diagnostics)
    return complete(fast.items, diagnostics, comments, text, opts)
  }

  let cst
  try {
    const parsed = parseTokens(tokens, nesting)
    diagnostics.push(...parsed.diagnostics)
    cst = parsed.cst
  } catch (e) {
    if (!(e instanceof RangeError)) throw e
    // The bracket scan bounds most recursion; chains such as `a => b => …` or `else if` ladders
    // can still nest deeply without brackets, and are reported the same way.
    diagnostics.push(diagnostic(PARSE.tooDeep, 'error', 'input nests too deeply to parse', { start: 0, end: 0 }, { help: 'split deeply nested expressions or blocks' }))
    return finish(diagnostics, undefined, comments, opts.maxErrors, text)
  }
  if (cst === undefined) return finish(diagnostics, undefined, comments, opts.maxErrors, text)
  if (hasErrors(diagnostics)) {
    diagnostics.push(...lintRecoveredTree(cst, { strict: opts.strict }))
    return finish(diagnostics, undefined, comments, opts.maxErrors, text)
  }

  const lowered = lowerProgram(cst, { strict: opts.strict })
  diagnostics.push(...lowered.diagnostics)
  return complete(lowered.items, diagnostics, comments, text, opts)
}

/** Builds the program from lowered items, checks its depth, and finishes. */
function complete(items: Program['items'], diagnostics: Diagnostic[], comments: Comment[], text: string, opts: Required<ParseOptions>): ParseResult {
  const program: Program = { kind: 'Program', items, comments, span: { start: 0, end: text.length } }
  const deep = findTooDeep(program, opts.maxDepth + 8)
  if (deep) diagnostics.push(diagnostic(PARSE.exprTooDeep, 'error', `expression nests deeper than ${opts.maxDepth} levels`, deep, { help: 'split the expression into several rules' }))
  return finish(diagnostics, hasErrors(diagnostics) ? undefined : program, comments, opts.maxErrors, text)
}

/**
 * The fast path for clean input: parses one top-level item (a chunk; a `type X = Alias` rides
 * along with the next item) at a time and lowers it at once, so only one item's CST is alive.
 * On the 1 MB file of bench/parse.mjs this about halved parse time; the saving is garbage
 * collection of the whole-file CST.
 * Items are independent in the CST and in lowering, so the result is the same as lowering the
 * whole tree. Any syntax error (or a stack overflow) abandons the fast path: the caller then
 * parses the whole file with recovery, which reports every error the usual way.
 */
function parseInChunks(tokens: IToken[], strict: boolean, direct: boolean): { items: Program['items']; diagnostics: Diagnostic[] } | undefined {
  const parser = getFastParser()
  const items: Program['items'][number][] = []
  const diagnostics: Diagnostic[] = []
  const names = new Map<string, string>()
  let depth = 0
  let start = 0
  try {
    for (let i = 0; i <= tokens.length; i++) {
      const t = tokens[i]
      // A chunk ends before an item keyword at depth 0 right after a `}` that closed an item.
      // One item per chunk measured faster than chunks of ~2000 tokens (less CST alive at once).
      const boundary = t === undefined || (depth === 0 && i > start && tokens[i - 1]?.image === '}' && ITEM_STARTS.some((k) => tokenMatcher(t, k)))
      if (boundary) {
        const chunk = tokens.slice(start, i)
        const fast = direct ? parseItemsDirect(chunk, strict, names) : undefined
        if (fast !== undefined) items.push(...fast)
        else {
          parser.input = chunk
          const cst = parser.program()
          if (parser.errors.length > 0) return undefined
          const lowered = lowerProgram(cst, { strict })
          items.push(...lowered.items)
          diagnostics.push(...lowered.diagnostics)
        }
        start = i
      }
      if (t === undefined) break
      const img = t.image
      if (img.length === 1) {
        if (img === '(' || img === '[' || img === '{') depth++
        else if (img === ')' || img === ']' || img === '}') depth--
      }
    }
  } catch (e) {
    if (e instanceof RangeError) return undefined
    throw e
  }
  return { items, diagnostics }
}

function finish(diagnostics: Diagnostic[], program: Program | undefined, comments: Comment[], maxErrors: number, text: string): ParseResult {
  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end)
  // Text ending inside an unterminated string or comment would swallow brackets added at the end.
  const endsOpen = diagnostics.some((d) => d.span.end >= text.length && (d.code === 'LEX003' || (d.code === 'LEX002' && !text.trimEnd().endsWith('*/'))))
  const clamped = diagnostics.map((d) => clampDiagnostic(endsOpen && d.code === PARSE.unclosed ? withoutFixes(d) : d, text.length))
  let out = clamped
  if (clamped.length > maxErrors) {
    const rest = clamped.length - maxErrors
    const last = clamped[maxErrors - 1]?.span ?? { start: 0, end: 0 }
    out = [...clamped.slice(0, maxErrors), diagnostic(PARSE.tooManyErrors, 'error', `${rest} more diagnostic${rest === 1 ? '' : 's'} not shown`, last)]
  }
  return program ? { value: program, diagnostics: out, comments } : { diagnostics: out, comments }
}

function withoutFixes(d: Diagnostic): Diagnostic {
  const { fixes: _fixes, ...rest } = d
  return rest
}

/** Spans past the end (errors at end of file are reported there) are moved to the end, fix edits too. */
function clampDiagnostic(d: Diagnostic, length: number): Diagnostic {
  const inside = (s: Span): boolean => s.end <= length && s.start <= s.end
  if (inside(d.span) && (d.fixes ?? []).every((f) => f.edits.every((e) => inside(e.span)))) return d
  const out = { ...d, span: clampSpan(d.span, length) }
  if (d.fixes === undefined) return out
  return { ...out, fixes: d.fixes.map((f) => ({ title: f.title, edits: f.edits.map((e) => ({ span: clampSpan(e.span, length), text: e.text })) })) }
}

function clampSpan(s: Span, length: number): Span {
  const start = Math.max(0, Math.min(s.start, length))
  return { start, end: Math.max(start, Math.min(s.end, length)) }
}

interface BracketScan {
  readonly diagnostics: Diagnostic[]
  readonly tooDeep: boolean
  /** Opening brackets never closed, outermost first. */
  readonly unclosed: IToken[]
  /** Closing brackets that close nothing (value undefined) or do not match the open bracket (value: that bracket). */
  readonly strays: Map<IToken, IToken | undefined>
}

/** One linear pass over the tokens: bounds nesting depth and remembers unclosed openers. */
function scanBrackets(tokens: readonly IToken[], maxNesting: number): BracketScan {
  const stack: IToken[] = []
  const strays = new Map<IToken, IToken | undefined>()
  const diagnostics: Diagnostic[] = []
  for (const t of tokens) {
    const img = t.image
    if (img in OPENERS && t.image.length === 1) {
      stack.push(t)
      if (stack.length > maxNesting) {
        diagnostics.push(diagnostic(PARSE.tooDeep, 'error', `brackets nest deeper than ${maxNesting} levels`, tokenSpan(t), { help: 'flatten the expression or split it into several rules' }))
        return { diagnostics, tooDeep: true, unclosed: [], strays: new Map() }
      }
    } else if (img === ')' || img === ']' || img === '}') {
      const top = stack[stack.length - 1]
      if (top && OPENERS[top.image] === img) stack.pop()
      else strays.set(t, top)
    }
  }
  return { diagnostics, tooDeep: false, unclosed: stack, strays }
}

/**
 * Runs the parser over the tokens. When the parser stops before the end (input it cannot fit
 * to any item), the error is reported and parsing resumes at the next token that can start an
 * item, so every error in the file is found, not just the first.
 */
function parseTokens(tokens: IToken[], brackets: BracketScan): { cst: ReturnType<ReturnType<typeof getParser>['program']> | undefined; diagnostics: Diagnostic[] } {
  const parser = getParser()
  const diagnostics: Diagnostic[] = []
  let cst: ReturnType<typeof parser.program> | undefined
  let from = 0
  for (let round = 0; from < tokens.length || round === 0; round++) {
    parser.input = from === 0 ? tokens : tokens.slice(from)
    const result = parser.program()
    if (round === 0) cst = result
    const errors = parser.errors
    let resumeAt = -1
    for (const e of errors) {
      diagnostics.push(toDiagnostic(e, brackets))
      if (e.name === 'NotAllInputParsedException') resumeAt = tokens.indexOf(e.token, from)
    }
    if (resumeAt < 0) break
    const next = tokens.findIndex((t, i) => i > resumeAt && ITEM_STARTS.some((k) => tokenMatcher(t, k)))
    if (next < 0 || round > 1000) break
    from = next
  }
  return { cst, diagnostics }
}

const LABELS: Record<string, string> = {
  Colon: '`:`', Semicolon: '`;`', Comma: '`,`', RBrace: '`}`', LBrace: '`{`', RParen: '`)`', LParen: '`(`',
  RBracket: '`]`', LBracket: '`[`', IdentLike: 'a name', Identifier: 'a name', StringLiteral: 'a string',
  Equals: '`=`', FatArrow: '`=>`', Arrow: '`->`', Greater: '`>`', Pipe: '`|`', In: '`in`', Catch: '`catch`',
}

function describe(t: IToken): string {
  if (t.tokenType.name === 'EOF') return 'end of file'
  const img = t.image.length > 30 ? `${t.image.slice(0, 30)}…` : t.image
  return `\`${img}\``
}

function errorSpan(t: IToken): Span {
  if (t.tokenType.name === 'EOF' || Number.isNaN(t.startOffset)) return { start: Number.MAX_SAFE_INTEGER, end: Number.MAX_SAFE_INTEGER }
  return tokenSpan(t)
}

function toDiagnostic(e: IRecognitionException, { unclosed, strays }: BracketScan): Diagnostic {
  const token = e.token
  const expected = /Expecting token of type --> (\w+) <--/.exec(e.message)?.[1]
  const prev = (e as IRecognitionException & { previousToken?: IToken }).previousToken
  const atEof = token.tokenType.name === 'EOF'
  if (atEof && unclosed.length > 0) {
    const open = unclosed[unclosed.length - 1] as IToken
    const close = OPENERS[open.image] ?? '}'
    // Closing every open bracket, innermost first, at the end of the file is the repair that
    // certainly parses; where the user meant to close them is theirs to move.
    const closers = [...unclosed].reverse().map((t) => OPENERS[t.image] ?? '}').join('')
    const end = { start: Number.MAX_SAFE_INTEGER, end: Number.MAX_SAFE_INTEGER }
    return diagnostic(PARSE.unclosed, 'error', `\`${open.image}\` is never closed`, errorSpan(token), {
      help: `add \`${close}\``,
      related: [{ message: `the unclosed \`${open.image}\` is here`, span: tokenSpan(open) }],
      fixes: [replaceFix(`add \`${closers}\` at the end of the file`, end, `\n${closers}\n`)],
    })
  }
  if (strays.has(token)) {
    const open = strays.get(token)
    if (open === undefined) {
      return diagnostic(PARSE.unmatchedClose, 'error', `\`${token.image}\` closes nothing`, errorSpan(token), {
        help: 'remove it, or add the opening bracket it belongs to',
        fixes: [replaceFix(`remove the \`${token.image}\``, tokenSpan(token), '')],
      })
    }
    const close = OPENERS[open.image] ?? '}'
    return diagnostic(PARSE.mismatchedClose, 'error', `\`${token.image}\` does not close \`${open.image}\``, errorSpan(token), {
      help: `close the \`${open.image}\` with \`${close}\` first`,
      related: [{ message: `the open \`${open.image}\` is here`, span: tokenSpan(open) }],
    })
  }
  if (expected === 'Colon' && prev && ['allow', 'deny', 'require', 'audit'].includes(prev.image)) {
    const after = tokenSpan(prev).end
    return diagnostic(PARSE.missingColon, 'error', `expected \`:\` after \`${prev.image}\``, errorSpan(token), {
      help: `write \`${prev.image}: …\``,
      fixes: [replaceFix(`insert \`:\` after \`${prev.image}\``, { start: after, end: after }, ':')],
    })
  }
  if (e.name === 'NotAllInputParsedException') {
    return diagnostic(PARSE.syntax, 'error', `unexpected ${describe(token)} at top level`, errorSpan(token), {
      help: 'a file holds metadata, agent, policy, type, function, schedule, channel, memory and webhook items',
    })
  }
  const what = expected ? `expected ${LABELS[expected] ?? expected}, found ${describe(token)}` : `unexpected ${describe(token)}`
  const rule = e.context.ruleStack[e.context.ruleStack.length - 1]
  return diagnostic(PARSE.syntax, 'error', what, errorSpan(token), rule ? { help: `while reading ${ruleDescription(rule)}` } : {})
}

const RULE_DESCRIPTIONS: Record<string, string> = {
  rule: 'a rule', policyDef: 'a policy', agentDef: 'an agent', agentMember: 'an agent body', blockMember: 'a block body',
  statement: 'a statement', block: 'a block', primary: 'an expression', postfixExpr: 'an expression', argList: 'call arguments',
  array: 'an array', record: 'a record', recordField: 'a record field', paramList: 'parameters', typeRef: 'a type',
  metadataBlock: 'metadata', property: 'a property', matchArm: 'a match arm', withBlock: 'a with block', letStmt: 'a let statement',
}

function ruleDescription(rule: string): string {
  return RULE_DESCRIPTIONS[rule] ?? 'an expression'
}
