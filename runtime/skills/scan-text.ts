import type { FileKind, LineContext, ScanRule, SkillFinding } from './rule.js'
import type { ScanLimits } from './limits.js'
import { logicalLines, normalizeShellLine } from './normalize.js'

/** Guesses how to read a file from its name and first line. */
export function fileKindOf(path: string, firstLine: string): FileKind {
  const lower = path.toLowerCase()
  if (/\.(?:sh|bash|zsh|ksh)$/.test(lower)) return 'shell'
  if (/\.pyw?$/.test(lower)) return 'python'
  if (/\.(?:md|markdown|mdx)$/.test(lower)) return 'markdown'
  if (/^#!.*\b(?:ba|z|da|k)?sh\b/.test(firstLine)) return 'shell'
  if (/^#!.*\bpython/.test(firstLine)) return 'python'
  return 'other'
}

/**
 * Finds which trigger words a line contains with one regex pass instead of one `includes` per
 * trigger per rule (about 4x faster on bench/scanner.mjs's generated file). The search restarts
 * one character after each match, so overlapping triggers are all seen; a trigger that is a
 * substring of a matched one (`nc` in `ncat`) is added through `implied`.
 */
class TriggerIndex {
  private readonly re: RegExp | undefined
  private readonly implied = new Map<string, readonly string[]>()

  constructor(rules: readonly ScanRule[]) {
    const all = [...new Set(rules.flatMap((r) => r.triggers ?? []))].sort((a, b) => b.length - a.length)
    for (const t of all) this.implied.set(t, all.filter((u) => t.includes(u)))
    this.re = all.length === 0 ? undefined : new RegExp(all.map((t) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'g')
  }

  /** The triggers present in a lower-cased line. */
  present(lower: string): Set<string> {
    const found = new Set<string>()
    if (this.re === undefined) return found
    this.re.lastIndex = 0
    for (let m = this.re.exec(lower); m !== null; m = this.re.exec(lower)) {
      for (const t of this.implied.get(m[0]) ?? [m[0]]) found.add(t)
      this.re.lastIndex = m.index + 1
    }
    return found
  }
}

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)/

/**
 * Scans text line by line with every rule. A line longer than the limit is a `high` finding
 * (it is still scanned up to the limit) because an attacker could otherwise hide a payload
 * behind an unscannable line.
 */
export function scanText(text: string, path: string, rules: readonly ScanRule[], limits: ScanLimits): SkillFinding[] {
  const findings: SkillFinding[] = []
  // Continuations are joined (normalize.ts): `curl … \` + `| sh` is one command to a shell.
  const lines = logicalLines(text)
  const fileKind = fileKindOf(path, lines[0]?.text ?? '')
  const triggers = new TriggerIndex(rules)
  let fence: string | undefined
  let block: string | undefined
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] as { text: string }).text
    const lineNo = (lines[i] as { line: number }).line
    if (line.length > limits.maxLineLength) {
      findings.push({
        rule: 'limit-line-length',
        severity: 'high',
        category: 'scanner-limits',
        line: lineNo,
        message: `line is ${line.length} characters long; the limit is ${limits.maxLineLength}, so it was only partly scanned`,
      })
      line = line.slice(0, limits.maxLineLength)
    }
    if (fileKind === 'markdown') {
      const m = FENCE.exec(line)
      if (m !== null) {
        const marker = m[1] as string
        if (fence === undefined) {
          fence = marker
          block = (m[2] as string).toLowerCase()
          continue
        }
        if (marker[0] === fence[0] && marker.length >= fence.length && (m[2] as string) === '') {
          fence = undefined
          block = undefined
          continue
        }
      }
    }
    const ctx: LineContext = block === undefined ? { fileKind } : { fileKind, codeBlock: block }
    // Every rule sees the line as written and, when it differs, as a shell reads its words.
    const normal = normalizeShellLine(line)
    const variants = normal === line ? [line] : [line, normal]
    // Trigger words let most rules skip most lines (bench/results/scanner.md measures the effect).
    const present = triggers.present(variants.join('\n').toLowerCase())
    for (const r of rules) {
      if (r.triggers !== undefined && !r.triggers.some((t) => present.has(t))) continue
      const hit = variants.find((v) => r.test(v, ctx))
      if (hit !== undefined) {
        findings.push({ rule: r.name, severity: r.severity, category: r.category, line: lineNo, message: r.explain ? r.explain(hit, ctx) : r.message })
      }
    }
  }
  return findings
}
