/** How serious a finding is; `critical` and `high` refuse the skill. */
export type SkillSeverity = 'critical' | 'high' | 'medium' | 'warning' | 'info'

/** Severities from most to least serious. */
export const SEVERITIES: readonly SkillSeverity[] = ['critical', 'high', 'medium', 'warning', 'info']

/** True for the severities that refuse a skill. */
export function isBlocking(severity: SkillSeverity): boolean {
  return severity === 'critical' || severity === 'high'
}

/** True when `s` names a severity. */
export function isSkillSeverity(s: unknown): s is SkillSeverity {
  return typeof s === 'string' && (SEVERITIES as readonly string[]).includes(s)
}

/** The category a rule belongs to (the seed's grouping of the 40 built-in rules, plus ours). */
export type RuleCategory =
  | 'original-defences'
  | 'reverse-shells'
  | 'credential-harvesting'
  | 'network-exfiltration'
  | 'process-injection'
  | 'privilege-escalation'
  | 'symlink-path-traversal'
  | 'downloader-chains'
  | 'allowed-executables'
  | 'custom'
  | 'scanner-limits'

/** The kind of file a line came from, so that shell-aware rules know where commands are. */
export type FileKind = 'shell' | 'python' | 'markdown' | 'other'

/** What a rule may know about the line besides its text. */
export interface LineContext {
  /** Kind of the file, from its extension or shebang. */
  readonly fileKind: FileKind
  /** For Markdown: the info string of the fenced code block the line is in; `undefined` outside blocks. */
  readonly codeBlock?: string
}

/** One line-by-line rule. `test` must run in time linear in the line length. */
export interface ScanRule {
  /** Stable kebab-case name, e.g. `pipe-to-shell`. */
  readonly name: string
  /** Severity of its findings. */
  readonly severity: SkillSeverity
  /** Category the rule belongs to. */
  readonly category: RuleCategory
  /** What a finding means, in one sentence. */
  readonly message: string
  /** True when the line triggers the rule. */
  readonly test: (line: string, context: LineContext) => boolean
  /**
   * Lower-case substrings of which the lower-cased line must contain at least one for the rule
   * to fire. A pre-filter that lets the scanner skip the rule on most lines; it must be a
   * necessary condition (a test checks this on random and hostile lines).
   */
  readonly triggers?: readonly string[]
  /** A message specific to the line, for rules whose finding names what it found. */
  readonly explain?: (line: string, context: LineContext) => string
}

/** A rule that fired on one line of one file. */
export interface SkillFinding {
  /** Rule name. */
  readonly rule: string
  /** Rule severity. */
  readonly severity: SkillSeverity
  /** Rule category. */
  readonly category: RuleCategory
  /** 1-based line number; 0 for findings about the whole file. */
  readonly line: number
  /** What was found. */
  readonly message: string
}
