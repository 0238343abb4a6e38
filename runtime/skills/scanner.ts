import { constants } from 'node:fs'
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import type { ScanRule, SkillFinding, SkillSeverity } from './rule.js'
import type { ScanLimits } from './limits.js'
import { isBlocking } from './rule.js'
import { resolveLimits } from './limits.js'
import { BUILTIN_RULES } from './builtin-rules.js'
import { allowedExecutablesOnly } from './allowed-executables.js'
import { customRule, CustomRuleError } from './custom-rule.js'
import { scanText } from './scan-text.js'
import { CONTROL_BYTES, isScriptLike, mostlyText } from './normalize.js'

/** Findings of one file (or of the skill as a whole, under the root's path). */
export interface FileScanResult {
  /** Path as displayed: the scanned path joined with the file's path below it. */
  readonly path: string
  /** Findings, by line. */
  readonly findings: readonly SkillFinding[]
}

/** The outcome of scanning one skill. */
export interface ScanReport {
  /** False when any finding is critical or high: the skill is refused. */
  readonly passed: boolean
  /** Every file looked at, in path order. */
  readonly files: readonly FileScanResult[]
}

/** Options of a scanner. */
export interface ScannerOptions {
  /** Rules to run; default the 40 built-in rules. */
  readonly rules?: readonly ScanRule[]
  /** When given, adds an `allowed-executables-only` rule with this list. */
  readonly allowedExecutables?: readonly string[]
  /** Overrides of the default limits. */
  readonly limits?: Partial<ScanLimits>
}

/** The scanned path does not exist or cannot be read (a usage/I/O problem, not a finding). */
export class ScanIOError extends Error {
  override readonly name = 'ScanIOError'
}

const BINARY_PROBE = 8000

function finding(rule: string, severity: SkillSeverity, message: string, line = 0): SkillFinding {
  return { rule, severity, category: 'scanner-limits', line, message }
}

/** The ClawHavoc skill scanner: built-in rules, an optional executable allow-list, custom rules. */
export class SkillScanner {
  private readonly ruleList: ScanRule[]
  /** Limits in force. */
  readonly limits: ScanLimits

  constructor(options: ScannerOptions = {}) {
    this.ruleList = [...(options.rules ?? BUILTIN_RULES)]
    if (options.allowedExecutables !== undefined) this.ruleList.push(allowedExecutablesOnly(options.allowedExecutables))
    this.limits = resolveLimits(options.limits)
  }

  /** The rules in force, in order. */
  get rules(): readonly ScanRule[] {
    return this.ruleList
  }

  /** Adds a rule; a duplicate name is an error. */
  addRule(rule: ScanRule): this {
    if (this.ruleList.some((r) => r.name === rule.name)) throw new CustomRuleError(`a rule named '${rule.name}' already exists`)
    this.ruleList.push(rule)
    return this
  }

  /** Adds a regex rule after checking the pattern cannot backtrack catastrophically (see custom-rule.ts). */
  addCustomRule(name: string, pattern: string | RegExp, severity: SkillSeverity, message: string): this {
    return this.addRule(customRule(name, pattern, severity, message))
  }

  /** Scans text as if it were the file `path`. */
  scanText(text: string, path = '<text>'): FileScanResult {
    return { path, findings: scanText(text, path, this.ruleList, this.limits) }
  }

  /** Scans a skill: one file, or a directory tree (symlinks are never followed). */
  async scanPath(path: string): Promise<ScanReport> {
    let info
    try {
      info = await stat(path)
    } catch (e) {
      throw new ScanIOError(`cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
    const files: FileScanResult[] = []
    if (info.isFile()) files.push(await this.scanFile(path, path, info.size))
    else if (info.isDirectory()) await this.scanDirectory(path, files)
    else throw new ScanIOError(`'${path}' is neither a file nor a directory`)
    const passed = files.every((f) => f.findings.every((x) => !isBlocking(x.severity)))
    return { passed, files }
  }

  private async scanDirectory(display: string, files: FileScanResult[]): Promise<void> {
    const root = await realpath(display)
    const rootFindings: SkillFinding[] = []
    const state = { count: 0, bytes: 0, stopped: false }
    const inside = (p: string): boolean => p === root || p.startsWith(root + sep)
    const walk = async (dir: string, depth: number): Promise<void> => {
      let entries
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch (e) {
        rootFindings.push(finding('unreadable-path', 'high', `cannot read directory '${relative(root, dir) || '.'}': ${(e as NodeJS.ErrnoException).code ?? 'error'}`))
        return
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      for (const entry of entries) {
        if (state.stopped) return
        const full = join(dir, entry.name)
        const rel = relative(root, full).split(sep).join('/')
        const shown = join(display, rel).split(sep).join('/')
        if (entry.isSymbolicLink()) {
          files.push({ path: shown, findings: [await this.symlinkFinding(full, root, inside)] })
        } else if (entry.isDirectory()) {
          if (depth + 1 > this.limits.maxDepth) {
            files.push({ path: shown, findings: [finding('limit-depth', 'high', `directory nesting exceeds ${this.limits.maxDepth} levels; not scanned`)] })
          } else await walk(full, depth + 1)
        } else if (entry.isFile()) {
          state.count++
          if (state.count > this.limits.maxFiles) {
            rootFindings.push(finding('limit-file-count', 'high', `skill has more than ${this.limits.maxFiles} files; scan stopped`))
            state.stopped = true
            return
          }
          const size = (await lstat(full)).size
          state.bytes += Math.min(size, this.limits.maxFileBytes + 1)
          if (state.bytes > this.limits.maxTotalBytes) {
            rootFindings.push(finding('limit-total-size', 'high', `skill is larger than ${this.limits.maxTotalBytes} bytes; scan stopped`))
            state.stopped = true
            return
          }
          files.push(await this.scanFile(full, shown, size))
        } else {
          files.push({ path: shown, findings: [finding('special-file', 'high', 'special file (device, FIFO or socket) in a skill; not read')] })
        }
      }
    }
    await walk(root, 0)
    if (rootFindings.length > 0) files.unshift({ path: display, findings: rootFindings })
  }

  private async symlinkFinding(full: string, root: string, inside: (p: string) => boolean): Promise<SkillFinding> {
    const target = await readlink(full)
    const lexical = resolve(dirname(full), target)
    let real: string | undefined
    try {
      real = await realpath(full)
    } catch {
      real = undefined
    }
    if (inside(lexical) && (real === undefined || inside(real))) {
      return finding('symlink-skipped', 'info', `symbolic link to '${target}' not followed (its target inside the skill is scanned at its own path)`)
    }
    return finding('symlink-outside-root', 'high', `symbolic link to '${target}' points outside the skill; not followed`)
  }

  private async scanFile(full: string, shown: string, size: number): Promise<FileScanResult> {
    if (size > this.limits.maxFileBytes) {
      return { path: shown, findings: [finding('limit-file-size', 'high', `file is ${size} bytes; the limit is ${this.limits.maxFileBytes}, so it was not scanned`)] }
    }
    let buf: Buffer
    try {
      // O_NOFOLLOW: a file swapped for a symlink after the directory listing is not followed.
      const fh = await open(full, constants.O_RDONLY | constants.O_NOFOLLOW)
      try {
        const cap = this.limits.maxFileBytes + 1
        buf = Buffer.alloc(cap)
        let n = 0
        for (;;) {
          const r = await fh.read(buf, n, cap - n, n)
          if (r.bytesRead === 0 || n + r.bytesRead >= cap) {
            n += r.bytesRead
            break
          }
          n += r.bytesRead
        }
        buf = buf.subarray(0, n)
      } finally {
        await fh.close()
      }
    } catch (e) {
      return { path: shown, findings: [finding('unreadable-path', 'high', `cannot read file: ${(e as NodeJS.ErrnoException).code ?? 'error'}`)] }
    }
    if (buf.length > this.limits.maxFileBytes) {
      return { path: shown, findings: [finding('limit-file-size', 'high', `file grew past ${this.limits.maxFileBytes} bytes while being read; not scanned`)] }
    }
    if (buf.subarray(0, BINARY_PROBE).includes(0)) {
      const text = buf.toString('utf8')
      // A NUL does not stop bash or python from running a script, so it must not stop the scan:
      // a script-like file is scanned with its control bytes removed, and the NUL is itself a finding.
      // `sh payload.dat` runs a file whatever its name: text with a few NULs sprinkled in counts too.
      if (!isScriptLike(shown, text.slice(0, 2)) && !mostlyText(buf)) return { path: shown, findings: [finding('binary-file-skipped', 'info', 'binary file (contains NUL bytes); not scanned')] }
      const scanned = this.scanText(text.replace(CONTROL_BYTES, ''), shown)
      return { path: shown, findings: [finding('binary-in-script', 'high', 'NUL or other binary bytes in a script (a disguise: the interpreter still runs it); scanned without them'), ...scanned.findings] }
    }
    return this.scanText(buf.toString('utf8'), shown)
  }
}
