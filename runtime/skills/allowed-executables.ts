import type { LineContext, ScanRule, SkillSeverity } from './rule.js'

/*
 * Detection of command invocations, deliberately simple and documented (docs/skills.md):
 * - shell files (`.sh`, `.bash`, `.zsh`, or a shell shebang): every line;
 * - Markdown: lines inside fenced blocks tagged sh/bash/shell/zsh/console/terminal (or untagged),
 *   and inline `$ cmd` prompts anywhere;
 * - Python: the first element of `subprocess.*([...])`, `os.system("…")`, `os.popen("…")` and
 *   `os.exec*("…")` calls whose command is a string literal.
 * Within a command line, the word at the start of each pipeline segment (after `;`, `&&`, `||`,
 * `|`, `$(`, a backtick or `(`) is the executable, after skipping `VAR=value` assignments and
 * wrapper words (`sudo`, `env`, `nohup`, `time`, `exec`, `xargs`, `command`, `nice`, `timeout`,
 * `doas`) — the wrapper itself is checked as an executable too. Shell keywords and builtins
 * are not executables. Not understood: heredoc bodies, multi-line strings, `case` patterns,
 * (`start)` is read as a command `start`), aliases and functions defined in the file, commands built from variables (`$CMD args`,
 * which is reported as not allowed because it cannot be checked).
 */

const SHELL_BLOCKS = new Set(['', 'sh', 'bash', 'shell', 'zsh', 'console', 'terminal', 'shell-session', 'shellsession'])
const KEYWORDS = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', 'in', 'select',
  '{', '}', '[[', ']]', '!', 'cd', 'echo', 'printf', 'export', 'set', 'unset', 'local', 'read', 'return', 'exit', 'shift',
  'true', 'false', 'test', '[', 'alias', 'declare', 'readonly', 'trap', 'wait', 'pwd', 'type', ':', 'shopt', 'break', 'continue',
])
const WRAPPERS = new Set(['sudo', 'doas', 'env', 'nohup', 'time', 'exec', 'xargs', 'command', 'nice', 'timeout'])
const SEGMENT_SPLIT = /&&|\|\||[;|&`(]|\$\(/

function isShellLine(ctx: LineContext, line: string): boolean {
  if (ctx.fileKind === 'shell') return true
  if (ctx.fileKind === 'markdown') return ctx.codeBlock !== undefined && SHELL_BLOCKS.has(ctx.codeBlock.toLowerCase())
  return false
}

/** Executables invoked by one line of shell, in order. */
export function shellExecutables(line: string): string[] {
  const text = line.replace(/^\s*(?:[$%>]|\w[\w.-]{0,31}[@:][\w~./-]{0,64}[$#])\s+/, '')
  if (/^\s*#/.test(text)) return []
  const found: string[] = []
  for (const segment of text.split(SEGMENT_SPLIT)) {
    const words = segment.trim().split(/\s+/).filter((w) => w.length > 0)
    let i = 0
    while (i < words.length) {
      const w = (words[i] as string).replace(/^["']+/, '').replace(/[)"']+$/, '')
      if (w.startsWith('#')) break
      if (/^[A-Za-z_]\w*=/.test(w) || w === '') {
        i++
        continue
      }
      if (KEYWORDS.has(w)) {
        if (w === 'then' || w === 'do' || w === 'else' || w === '!' || w === '{' || w === 'time') {
          i++
          continue
        }
        break
      }
      found.push(w)
      if (!WRAPPERS.has(basename(w))) break
      i++
      while (i < words.length && (words[i] as string).startsWith('-')) i++
      if (basename(w) === 'timeout' && i < words.length && /^\d/.test(words[i] as string)) i++
    }
  }
  return found
}

const PY_CALL = /\b(?:subprocess\.(?:run|call|check_call|check_output|Popen)|os\.(?:system|popen|exec\w{1,3}|spawn\w{1,3}))\s*\(\s*\[?\s*[rbf]?["']([^"'\s]{1,256})/g

/** Executables invoked by one line of Python (string-literal commands only). */
export function pythonExecutables(line: string): string[] {
  const found: string[] = []
  PY_CALL.lastIndex = 0
  for (let m = PY_CALL.exec(line); m !== null; m = PY_CALL.exec(line)) found.push(m[1] as string)
  return found
}

function basename(p: string): string {
  const i = p.lastIndexOf('/')
  return i >= 0 ? p.slice(i + 1) : p
}

/** Options of `allowedExecutablesOnly`. */
export interface AllowedExecutablesOptions {
  /** Severity of a finding; default `high` (refuses the skill). */
  readonly severity?: SkillSeverity
  /** Rule name; default `allowed-executables-only`. */
  readonly name?: string
}

/**
 * A rule that flags invocations of executables not in `allowed`. An entry with a `/` must match
 * the invoked path exactly; a bare name matches that basename at any path.
 */
export function allowedExecutablesOnly(allowed: readonly string[], options: AllowedExecutablesOptions = {}): ScanRule {
  const exact = new Set(allowed.filter((a) => a.includes('/')))
  const names = new Set(allowed.filter((a) => !a.includes('/')))
  const permitted = (exe: string): boolean => exact.has(exe) || (names.has(basename(exe)) && !exe.includes('$'))
  const firstBad = (line: string, ctx: LineContext): string | undefined => {
    let exes: string[] = []
    if (isShellLine(ctx, line)) exes = shellExecutables(line)
    else if (ctx.fileKind === 'markdown') {
      const m = /(?:^\s{0,8}|`)\$\s+([^`]{1,1000})/.exec(line)
      if (m !== null) exes = shellExecutables(m[1] as string)
    } else if (ctx.fileKind === 'python') exes = pythonExecutables(line)
    return exes.find((e) => !permitted(e))
  }
  return {
    name: options.name ?? 'allowed-executables-only',
    severity: options.severity ?? 'high',
    category: 'allowed-executables',
    message: 'executable not in the allowed list',
    test: (line, ctx) => firstBad(line, ctx) !== undefined,
    explain: (line, ctx) => `executable '${firstBad(line, ctx) ?? '?'}' is not in the allowed list`,
  }
}

/** The seed's spelling. */
export const AllowedExecutablesOnly = allowedExecutablesOnly
