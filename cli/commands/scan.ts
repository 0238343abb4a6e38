import { isAbsolute, resolve } from 'node:path'
import type { Command } from '../io.js'
import { EXIT, UsageError } from '../io.js'
import { parseArgs } from '../args.js'
import { ScanIOError, SkillScanner } from '../../runtime/skills/index.js'
import type { ScanReport } from '../../runtime/skills/index.js'

const HELP = `Usage: symbi-policy scan <dir or file> [--format text|json] [--allow-exec name]...

Scans a skill with the 40 ClawHavoc rules. Exit 0 when it passes, 1 when it is refused
(any critical or high finding), 2 on a usage or I/O problem.

Options:
  --format text|json   output format (default text)
  --allow-exec NAME    only allow these executables (repeatable; adds allowed-executables-only)
`

function displayPath(path: string, given: string, cwd: string): string {
  return isAbsolute(given) ? path : path.startsWith(resolve(cwd)) ? path.slice(resolve(cwd).length + 1) : path
}

function toJson(report: ScanReport, fix: (p: string) => string): string {
  return JSON.stringify({
    passed: report.passed,
    files: report.files.map((f) => ({
      path: fix(f.path),
      findings: f.findings.map((x) => ({ rule: x.rule, severity: x.severity, line: x.line, message: x.message })),
    })),
  })
}

function toText(report: ScanReport, fix: (p: string) => string): string {
  const lines: string[] = []
  let count = 0
  for (const f of report.files) {
    for (const x of f.findings) {
      count++
      lines.push(`${fix(f.path)}:${x.line}: ${x.severity} ${x.rule}: ${x.message}`)
    }
  }
  const scanned = report.files.length
  lines.push(`${report.passed ? 'passed' : 'BLOCKED'}: ${count} finding${count === 1 ? '' : 's'} in ${scanned} file${scanned === 1 ? '' : 's'}`)
  return `${lines.join('\n')}\n`
}

/** `symbi-policy scan`: the ClawHavoc skill scanner. */
export const scan: Command = async (args, io) => {
  const parsed = parseArgs(args, { flags: ['--help', '-h'], options: ['--format'], repeatable: ['--allow-exec'] })
  if (parsed.flags.has('--help') || parsed.flags.has('-h')) {
    io.out(HELP)
    return EXIT.ok
  }
  const format = parsed.options.get('--format') ?? 'text'
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got '${format}'`)
  const targets = parsed.positionals
  if (targets.length !== 1) throw new UsageError(`expected exactly one directory or file to scan, got ${targets.length}\n\n${HELP}`)
  const given = targets[0] as string
  const allow = parsed.repeated.get('--allow-exec')
  const scanner = new SkillScanner(allow === undefined ? {} : { allowedExecutables: allow })
  let report: ScanReport
  try {
    report = await scanner.scanPath(resolve(io.cwd, given))
  } catch (e) {
    if (e instanceof ScanIOError) throw new UsageError(e.message.replace(resolve(io.cwd, given), given))
    throw e
  }
  const fix = (p: string): string => displayPath(p, given, io.cwd)
  io.out(format === 'json' ? `${toJson(report, fix)}\n` : toText(report, fix))
  return report.passed ? EXIT.ok : EXIT.failure
}
