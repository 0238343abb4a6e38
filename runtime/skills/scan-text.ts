import type { FileKind, LineContext, ScanRule, SkillFinding } from './rule.js'
import type { ScanLimits } from './limits.js'

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

const FENCE = /^\s{0,3}(`{3,}|~{3,})\s*([\w+-]*)/

/**
 * Scans text line by line with every rule. A line longer than the limit is a `high` finding
 * (it is still scanned up to the limit) because an attacker could otherwise hide a payload
 * behind an unscannable line.
 */
export function scanText(text: string, path: string, rules: readonly ScanRule[], limits: ScanLimits): SkillFinding[] {
  const findings: SkillFinding[] = []
  const lines = text.split(/\r\n|\r|\n/)
  const fileKind = fileKindOf(path, lines[0] ?? '')
  let fence: string | undefined
  let block: string | undefined
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string
    if (line.length > limits.maxLineLength) {
      findings.push({
        rule: 'limit-line-length',
        severity: 'high',
        category: 'scanner-limits',
        line: i + 1,
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
    for (const r of rules) {
      if (r.test(line, ctx)) {
        findings.push({ rule: r.name, severity: r.severity, category: r.category, line: i + 1, message: r.explain ? r.explain(line, ctx) : r.message })
      }
    }
  }
  return findings
}
