/**
 * Linear-time helpers that find command invocations on one line of shell-like text.
 * Rules use these instead of regexes such as `rm\s+(-\w+\s+)*\/` because a hand-written
 * scanner with bounded look-ahead cannot backtrack, whatever the line contains.
 */

/** One place where a command name appears, with the words that follow it. */
export interface Invocation {
  /** The command name as matched (lower-cased). */
  readonly name: string
  /** Offset of the name in the line. */
  readonly index: number
  /** Up to `maxArgs` following words, surrounding quotes removed, cut at a shell separator. */
  readonly args: readonly string[]
}

/** How many words after a command name are inspected; bounds the work per occurrence. */
export const MAX_ARGS = 32
/** Longest word kept for matching; longer words are truncated (they are never flags or hosts). */
export const MAX_WORD = 512

const SEPARATORS = new Set([';', '|', '&', '<', '>', ')', '`', '\n'])
const PREFIX_WORDS = new Set(['then', 'do', 'else', 'exec', 'xargs', 'env', 'nohup', 'time', 'sudo', 'doas', 'command', 'nice', 'timeout', '!', 'watch'])

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12 || c === 13
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === 46
}

function stripQuotes(w: string): string {
  let s = 0
  let e = w.length
  while (s < e && (w[s] === '"' || w[s] === "'" || w[s] === '(' || w[s] === '[' || w[s] === ',')) s++
  while (e > s && (w[e - 1] === '"' || w[e - 1] === "'" || w[e - 1] === ']' || w[e - 1] === ',')) e--
  return w.slice(s, Math.min(e, s + MAX_WORD))
}

/**
 * The last run of word characters `wordsAfter` scanned on a line: every position inside it ends
 * where it ends. Without it, a line that is one long word holding many invocations
 * (`"less"less"less…`) was rescanned to its end once per invocation — quadratic, seconds on
 * 100 KB (found by test/runtime/skills/redos.test.ts).
 */
export interface WordRun {
  start: number
  end: number
}

/**
 * Reads the words after `from` until a separator, `max` words, or a word that is another
 * invocation of `stopAt` (which gets its own turn), so each word is read by one invocation.
 */
export function wordsAfter(line: string, from: number, max = MAX_ARGS, stopAt?: string, run?: WordRun): string[] {
  const words: string[] = []
  let i = from
  while (words.length < max && i < line.length) {
    while (i < line.length && isSpace(line.charCodeAt(i))) i++
    if (i >= line.length || SEPARATORS.has(line[i] as string)) break
    const start = i
    if (run !== undefined && start >= run.start && start < run.end) i = run.end
    else {
      while (i < line.length && !isSpace(line.charCodeAt(i)) && !SEPARATORS.has(line[i] as string)) i++
      if (run !== undefined) {
        run.start = start
        run.end = i
      }
    }
    const w = stripQuotes(line.slice(start, Math.min(i, start + MAX_WORD + 2)))
    if (stopAt !== undefined && w.endsWith(stopAt) && (w.length === stopAt.length || !isWordChar(w.charCodeAt(w.length - stopAt.length - 1)))) break
    if (w.length > 0) words.push(w)
  }
  return words
}

/**
 * True when the word at `index` stands where a shell command starts: at the start of the line
 * (after indentation or a prompt/list marker), after a separator or quote, or after a prefix
 * word such as `sudo` or `then`. Prose like "requires sudo access" is not a command position.
 */
export function isCommandPosition(line: string, index: number, depth = 0): boolean {
  let i = index - 1
  while (i >= 0 && isSpace(line.charCodeAt(i))) i--
  if (i < 0) return true
  const c = line[i] as string
  if (';|&(`{"\'$'.includes(c)) return true
  if (c === '/') {
    // `/usr/bin/sudo`: a path prefix; judge the position of the path instead.
    let j = i
    while (j >= 0 && !isSpace(line.charCodeAt(j)) && !';|&(`{"\''.includes(line[j] as string)) j--
    return depth === 0 && j < i && isCommandPosition(line, j + 1, 1)
  }
  let j = i
  while (j >= 0 && i - j < 16 && !isSpace(line.charCodeAt(j))) j--
  const prev = line.slice(j + 1, i + 1)
  if (PREFIX_WORDS.has(prev)) return true
  // Markdown list markers and shell prompts at line start: "- sudo …", "$ sudo …", "1. sudo …".
  if (/^(?:[-*+>$%]|\d{1,3}[.)])$/.test(prev)) {
    let k = j
    while (k >= 0 && isSpace(line.charCodeAt(k))) k--
    return k < 0
  }
  return false
}

/**
 * Finds invocations of any of `names` (matched case-sensitively as whole words; a leading path
 * such as `/bin/` is allowed). With `strict`, only invocations at a command position count.
 */
export function invocations(line: string, names: readonly string[], strict = false): Invocation[] {
  return [...eachInvocation(line, names, strict)]
}

/** Lazy form of {@link invocations}, so that a caller can stop at the first match. */
export function* eachInvocation(line: string, names: readonly string[], strict = false): Generator<Invocation> {
  const run: WordRun = { start: -1, end: -1 }
  for (const name of names) {
    let from = 0
    for (;;) {
      const at = line.indexOf(name, from)
      if (at < 0) break
      from = at + name.length
      const before = at > 0 ? line.charCodeAt(at - 1) : 32
      const after = from < line.length ? line.charCodeAt(from) : 32
      if (isWordChar(before) || isWordChar(after)) continue
      if (after !== 32 && after !== 9 && !SEPARATORS.has(line[from] as string) && from < line.length && line[from] !== '"' && line[from] !== "'") continue
      if (strict && !isCommandPosition(line, at)) continue
      yield { name, index: at, args: wordsAfter(line, from, MAX_ARGS, name, run) }
    }
  }
}

/** Short-option letters of a word like `-rf` (empty for long options and non-options). */
export function shortFlags(word: string): string {
  if (word.length < 2 || word[0] !== '-' || word[1] === '-') return ''
  let end = 1
  while (end < word.length && /[A-Za-z]/.test(word[end] as string)) end++
  return word.slice(1, end)
}

/** The first argument that is not an option (does not start with `-`). */
export function firstOperand(args: readonly string[]): string | undefined {
  return args.find((a) => !a.startsWith('-'))
}
