/**
 * The disguise normaliser every rule shares (RUNTIME.md "Skill scanner"). A shell reads
 * `| "sh"`, `| 'sh'`, `| s\h`, `| s''h` and `curl${IFS}-s` exactly as `| sh` and `curl -s`, and it
 * joins a line ending in `\` with the next; a rule written for the plain spelling must see the
 * plain spelling. The scanner runs each rule on the line as written and, when that differs, on
 * its normal form: a finding on either counts (so rules that rely on quotes still see them).
 *
 * Everything here is a single left-to-right pass per line: no regex backtracking, linear time.
 */

/** One logical line: the text with continuations joined, and the 1-based line where it starts. */
export interface LogicalLine {
  readonly text: string
  readonly line: number
}

/**
 * Splits text into logical lines: a physical line ending in an odd number of backslashes is
 * joined with the next (the backslash removed), as `sh`, `bash` and Python do. The joined line
 * is reported at its first physical line. `maxJoin` bounds how many lines one logical line may
 * span, so a file of trailing backslashes cannot build one huge line.
 */
export function logicalLines(text: string, maxJoin = 64): LogicalLine[] {
  const physical = text.split(/\r\n|\r|\n/)
  const out: LogicalLine[] = []
  for (let i = 0; i < physical.length; i++) {
    let line = physical[i] as string
    const start = i
    let joined = 0
    while (endsWithContinuation(line) && i + 1 < physical.length && joined < maxJoin) {
      line = line.slice(0, -1) + (physical[++i] as string)
      joined++
    }
    out.push({ text: line, line: start + 1 })
    // Keep one entry per physical line so that line numbers of later lines stay right.
    for (let k = start + 1; k <= i; k++) out.push({ text: '', line: k + 1 })
  }
  return out
}

function endsWithContinuation(line: string): boolean {
  let n = 0
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++
  return n % 2 === 1
}

/**
 * The normal form of a line as a shell would read its words: quote characters removed
 * (`"sh"`, `'sh'`, `s''h` → `sh`), a backslash escape reduced to the escaped character
 * (`s\h` → `sh`), `$IFS` / `${IFS}` (and `${IFS%…}`-style expansions of IFS) read as a space,
 * runs of spaces and tabs collapsed to one space. Returns the line itself when nothing changes.
 */
export function normalizeShellLine(line: string): string {
  let out = ''
  let changed = false
  let lastSpace = false
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (c === '"' || c === "'") {
      changed = true
      continue
    }
    if (c === '\\' && i + 1 < line.length) {
      changed = true
      out += line[++i] as string
      lastSpace = false
      continue
    }
    if (c === '$') {
      const ifs = ifsLength(line, i)
      if (ifs > 0) {
        changed = true
        if (!lastSpace) out += ' '
        lastSpace = true
        i += ifs - 1
        continue
      }
    }
    if (c === ' ' || c === '\t') {
      if (lastSpace) {
        changed = true
        continue
      }
      if (c === '\t') changed = true
      out += ' '
      lastSpace = true
      continue
    }
    out += c
    lastSpace = false
  }
  return changed ? out : line
}

/** Length of an IFS expansion at `i` (`$IFS`, `${IFS}`, `${IFS%??}`, …), or 0. */
function ifsLength(line: string, i: number): number {
  if (line.startsWith('$IFS', i)) return line.charCodeAt(i + 4) >= 48 && /\w/.test(line[i + 4] ?? '') ? 0 : 4
  if (!line.startsWith('${IFS', i)) return 0
  const close = line.indexOf('}', i + 5)
  // Bounded look-ahead: an unterminated or long expansion is left alone.
  return close < 0 || close - i > 32 ? 0 : close - i + 1
}

/** Control characters other than tab, newline and carriage return (NUL first among them). */
export const CONTROL_BYTES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g

/**
 * Whether a file is a script by its name or its first line: such a file is run by an
 * interpreter that skips stray NUL bytes, so a NUL in it must not stop the scan.
 */
export function isScriptLike(path: string, head: string): boolean {
  if (head.startsWith('#!')) return true
  return /\.(?:sh|bash|zsh|ksh|dash|fish|command|py|pyw|pl|pm|rb|js|mjs|cjs|ts|php|ps1|psm1|bat|cmd|lua|tcl|awk)$/i.test(path)
}

/**
 * Whether bytes are text with a few binary bytes sprinkled in (at least 95 % printable ASCII,
 * tabs and newlines, or bytes of UTF-8 sequences, in the first 8 KB): a disguised script rather
 * than an image or an archive, whose bytes are spread over the whole range.
 */
export function mostlyText(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 8192)
  if (n === 0) return false
  let text = 0
  for (let i = 0; i < n; i++) {
    const b = buf[i] as number
    if ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d || b >= 0x80) text++
  }
  return text / n >= 0.95
}
