/**
 * The skill gate: the one place a skill is admitted. A quarantined skill (incident response's
 * `quarantine_skill`) is refused without scanning; otherwise the scanner decides, and a blocked
 * skill is reported as a `scanner_block` security event (which detectors and response policies
 * see like any other).
 */
import type { SecurityEventSink } from '../events/security-event.js'
import type { ScanReport, SkillScanner } from './scanner.js'

export interface GateVerdict {
  readonly admitted: boolean
  /** Why not, when refused. */
  readonly reason?: string
  /** The scan, when one ran (a quarantined skill is not scanned). */
  readonly report?: ScanReport
}

export class SkillGate {
  private readonly quarantined = new Map<string, { since: number; reason: string }>()

  constructor(
    private readonly scanner: SkillScanner,
    private readonly options: { readonly security?: SecurityEventSink; readonly clock?: () => number } = {},
  ) {}

  /** Refuses the skill from now on, whatever its scan says (until `release`). */
  quarantine(skill: string, reason: string): void {
    if (!this.quarantined.has(skill)) this.quarantined.set(skill, { since: (this.options.clock ?? Date.now)(), reason })
  }

  release(skill: string): boolean {
    return this.quarantined.delete(skill)
  }

  isQuarantined(skill: string): boolean {
    return this.quarantined.has(skill)
  }

  /** Scans the skill at `path` (unless quarantined) and says whether it may be loaded. */
  async admit(skill: string, path: string, agent?: string): Promise<GateVerdict> {
    const q = this.quarantined.get(skill)
    if (q !== undefined) return { admitted: false, reason: `skill '${skill}' is quarantined since ${new Date(q.since).toISOString()}: ${q.reason}` }
    const report = await this.scanner.scanPath(path)
    if (report.passed) return { admitted: true, report }
    const worst = report.files.flatMap((f) => f.findings.map((x) => `${f.path}:${x.line} ${x.rule}`)).slice(0, 5)
    const reason = `skill '${skill}' blocked by the scanner: ${worst.join('; ')}`
    await this.options.security
      ?.emit({ severity: 'error', category: 'scanner_block', description: reason, affected: [`skill:${skill}`, ...(agent === undefined ? [] : [agent])], recommendedActions: ['quarantine the skill', 'review where it came from'], source: 'skill-gate', ...(agent === undefined ? {} : { agent }) })
      .catch(() => undefined)
    return { admitted: false, reason, report }
  }
}
