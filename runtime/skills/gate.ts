/**
 * The skill gate: the one place a skill is admitted. A quarantined skill (incident response's
 * `quarantine_skill`) is refused without scanning; otherwise the scanner decides, and a blocked
 * skill is reported as a `scanner_block` security event (which detectors and response policies
 * see like any other).
 */
import type { SecurityEventSink } from '../events/security-event.js'
import { heldFields, RecordFile } from '../record-file.js'
import type { ScanReport, SkillScanner } from './scanner.js'

/** A quarantined skill, since when and why. */
export interface Quarantine {
  readonly skill: string
  /** Milliseconds since the epoch. */
  readonly since: number
  readonly reason: string
}

function parseQuarantine(v: unknown, where: string): Quarantine {
  const { id, since, reason } = heldFields(v, where, 'quarantine', 'skill')
  return { skill: id, since, reason }
}

export interface SkillGateOptions {
  readonly security?: SecurityEventSink
  readonly clock?: () => number
  /**
   * Where quarantines are kept (a JSON file, 0600, rewritten atomically): without it they live in
   * this process only and a restart admits a quarantined skill again. A damaged file is an error.
   */
  readonly quarantineFile?: string
}

export interface GateVerdict {
  readonly admitted: boolean
  /** Why not, when refused. */
  readonly reason?: string
  /** The scan, when one ran (a quarantined skill is not scanned). */
  readonly report?: ScanReport
}

export class SkillGate {
  private readonly quarantined = new Map<string, Quarantine>()
  readonly #file: RecordFile<Quarantine> | undefined

  constructor(
    private readonly scanner: SkillScanner,
    private readonly options: SkillGateOptions = {},
  ) {
    if (options.quarantineFile !== undefined) {
      this.#file = new RecordFile<Quarantine>(options.quarantineFile, 'quarantined', 'quarantine file')
      for (const q of this.#file.read(parseQuarantine)) this.quarantined.set(q.skill, q)
    }
  }

  /**
   * Refuses the skill from now on, whatever its scan says (until `release`). It takes effect at
   * once; a quarantine file that cannot be written is then thrown (the skill stays refused here).
   */
  quarantine(skill: string, reason: string): void {
    if (this.quarantined.has(skill)) return
    this.quarantined.set(skill, { skill, since: (this.options.clock ?? Date.now)(), reason })
    this.#file?.write([...this.quarantined.values()])
  }

  /** Admits the skill's scans again; written to the quarantine file first (if that fails, it stays quarantined). */
  release(skill: string): boolean {
    if (!this.quarantined.has(skill)) return false
    this.#file?.write([...this.quarantined.values()].filter((q) => q.skill !== skill))
    return this.quarantined.delete(skill)
  }

  isQuarantined(skill: string): boolean {
    return this.quarantined.has(skill)
  }

  /** Quarantined skills, oldest first. */
  quarantines(): Quarantine[] {
    return [...this.quarantined.values()].sort((a, b) => a.since - b.since || a.skill.localeCompare(b.skill))
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
