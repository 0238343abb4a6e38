import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { allowedExecutablesOnly, BUILTIN_RULES, DEFAULT_SCAN_LIMITS, scanText } from '../../../runtime/skills/index.js'
import type { LineContext, ScanRule } from '../../../runtime/skills/index.js'
import { RULE_CASES } from './rule-table.js'
import { normalizeShellLine } from '../../../runtime/skills/normalize.js'

const RUNS = Number(process.env['SYMBI_PROPERTY_RUNS'] ?? 6)
const LIMIT_MS = 50

/** Fragments of the rules' own trigger words, plus separators that keep partial matches alive. */
const FRAGMENTS = [
  ' ', '  ', '/', '//', '|', '-', '.', '"', "'", '`', '$', '(', ')', '=', ',', 'a', '0', '7', '\\', '%2f',
  'curl', 'wget', 'sh', 'bash', '| sh', '-i', 'eval(', 'exec', 'fetch', 'base64', '-d', 'rm', '-rf', 'chmod', '777', 'o+w', '+x', 'u+s',
  'nc', 'ncat', '-e', 'mkfifo', 'socket', '.connect(', 'dup2(', 'perl', 'TCPSocket', 'exec ', '/bin/sh',
  '~/.ssh/', 'id_rsa', '.aws/', '.kube/', '/Cookies', 'security', 'find-', 'keyctl', 'cat', '/etc/shadow',
  'dig', 'host', '/dev/tcp/', 'PTRACE_', 'LD_PRELOAD', '/proc/', '/mem', 'gdb', '-p', 'sudo', 'setcap', 'chown', 'root',
  'nsenter', 'unshare', 'ln', '-s', '../', '..', '-o', '-O', 'SOUL.md', 'MEMORY.md', 'write', 'edit', 'not ', '>', '>>', 'tee',
  'open(', '.env', 'os.chmod(', '0o', '4755', 'sed -i', 'home/', 'env ',
  // Issue 9 item 7: the interpreter families and disguises the normaliser and rules now read.
  '| exec ', 'busybox ', 'python3', ' -', 'node', 'php', 'ruby', 'pwsh', 'source <(', '. <(', '-c "$(', '$(', '${IFS}', '$IFS', '${IFS%??}',
  's\\h', '""', "''", 'socat', 'TCP:', 'EXEC:', 'fsockopen(', 'exec(', '/inet/tcp/', '|&', 'getline', 'iex', 'IEX (', 'DownloadString', 'Invoke-Expression',
  'new Function(', ')(', 'cp ', 'base64 --decode', 'eval "$(',
]

const hostileLine = fc
  .tuple(fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 6 }), fc.integer({ min: 50_000, max: 100_000 }))
  .map(([parts, size]) => {
    const unit = parts.join('')
    return unit.repeat(Math.ceil(size / unit.length)).slice(0, size)
  })

function timeRule(rule: ScanRule, line: string, ctx: LineContext): number {
  const t0 = performance.now()
  rule.test(line, ctx)
  return performance.now() - t0
}

let sink = 0

/** One plain pass over the line, the yardstick for "linear" on this machine at this moment. */
function timeLinearPass(line: string): number {
  let best = Number.POSITIVE_INFINITY
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now()
    for (let i = 0; i < line.length; i++) sink += line.charCodeAt(i)
    best = Math.min(best, performance.now() - t0)
  }
  return best
}

/**
 * The time a rule takes on a line, or 0 when it is within bounds. Over LIMIT_MS it is measured
 * again and compared with plain passes over the same line measured now: a loaded machine (a
 * parallel CI job, mutation testing) slows both, catastrophic backtracking only the rule (on
 * 100 KB it costs seconds, thousands of passes).
 */
function overBound(rule: ScanRule, line: string, ctx: LineContext): number {
  const ms = timeRule(rule, line, ctx)
  if (ms < LIMIT_MS) return 0
  const again = Math.min(ms, timeRule(rule, line, ctx))
  return again < Math.max(LIMIT_MS, 400 * timeLinearPass(line)) ? 0 : again
}

const contexts: LineContext[] = [{ fileKind: 'other' }, { fileKind: 'shell' }, { fileKind: 'markdown', codeBlock: 'bash' }, { fileKind: 'python' }]
const rules: ScanRule[] = [...BUILTIN_RULES, allowedExecutablesOnly(['git', 'ls'])]

/** Fragments specific to one rule: its triggers and the words of its own test lines. */
function ruleFragments(rule: ScanRule): string[] {
  const cases = RULE_CASES[rule.name]
  const lines = [...(cases?.hit ?? []), ...(cases?.miss ?? [])]
  const words = lines.flatMap((l) => l.split(/(\s+)/)).filter((w) => w.length > 0 && w.length < 40)
  return [...new Set([...(rule.triggers ?? []), ...words, ' ', '/', '|', '-', '"', "'", '(', '.'])]
}

/** Near-misses repeated to 100 KB: each positive line minus its last character, and each negative line. */
function nearMissLines(rule: ScanRule): string[] {
  const cases = RULE_CASES[rule.name]
  const seeds = [...(cases?.hit ?? []).map((h) => h.slice(0, -1)), ...(cases?.miss ?? []), ...(rule.triggers ?? [])]
  return seeds.flatMap((seed) => [`${seed} `, seed].map((unit) => unit.repeat(Math.ceil(100_000 / Math.max(1, unit.length)))))
}

describe('no rule backtracks catastrophically', () => {
  for (const rule of rules) {
    it(`${rule.name} stays under ${LIMIT_MS} ms on 50-100 KB hostile lines`, () => {
      // Warm up the regex compiler so that the first timed call measures matching, not compilation.
      rule.test('warm up line', contexts[0] as LineContext)
      const mixed = fc.tuple(fc.array(fc.constantFrom(...FRAGMENTS, ...ruleFragments(rule)), { minLength: 1, maxLength: 6 }), fc.integer({ min: 50_000, max: 100_000 }))
        .map(([parts, size]) => {
          const unit = parts.join('')
          return unit.repeat(Math.ceil(size / unit.length)).slice(0, size)
        })
      fc.assert(
        fc.property(fc.oneof(hostileLine, mixed), fc.constantFrom(...contexts), (line, ctx) => {
          expect(overBound(rule, line, ctx)).toBe(0)
        }),
        { numRuns: RUNS },
      )
    })
  }

  it('stays fast on one long word full of command names (`"less"less"less…`, a CI counterexample)', () => {
    // Every `less` in it is an invocation whose arguments start inside the same 100 KB word; each
    // used to rescan the word to its end (quadratic: 5.6 s at 80 KB for credential-etc-shadow).
    for (const name of ['less', 'cat', 'cp', 'curl', 'rm', 'sudo', 'chmod', 'ssh']) {
      const line = `"${name}`.repeat(Math.ceil(100_000 / (name.length + 1)))
      for (const rule of rules) expect(overBound(rule, line, { fileKind: 'other' }), `${rule.name} on "${name}…`).toBe(0)
    }
  })

  it('stays fast on each rule’s own near-miss lines and triggers repeated to 100 KB', () => {
    for (const rule of BUILTIN_RULES) {
      for (const line of nearMissLines(rule)) {
        expect(overBound(rule, line, { fileKind: 'other' }), `${rule.name} on '${line.slice(0, 60)}…'`).toBe(0)
      }
    }
  })

  it('also stays fast on each rule’s own positive lines repeated to 100 KB', () => {
    for (const rule of BUILTIN_RULES) {
      for (const hit of RULE_CASES[rule.name]?.hit ?? []) {
        const line = `${hit} `.repeat(Math.ceil(100_000 / (hit.length + 1)))
        expect(overBound(rule, line, { fileKind: 'other' }), `${rule.name} on '${hit}'`).toBe(0)
      }
    }
  })
})

describe('trigger words are necessary conditions', () => {
  const anyLine = fc.oneof(
    fc.array(fc.constantFrom(...FRAGMENTS, 'SOUL.MD', 'Cookies', 'IO::Socket', 'TCPSocket', 'CHMOD', 'Login Data', 'gcloud'), { maxLength: 12 }).map((p) => p.join('')),
    fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 }).map((p) => p.join(' ')),
  )
  it('no rule fires on a line that contains none of its triggers', () => {
    for (const rule of BUILTIN_RULES) {
      expect(rule.triggers?.length, rule.name).toBeGreaterThan(0)
      for (const hit of RULE_CASES[rule.name]?.hit ?? []) {
        expect(rule.triggers?.some((t) => hit.toLowerCase().includes(t)), `${rule.name}: ${hit}`).toBe(true)
      }
    }
    fc.assert(
      fc.property(anyLine, (line) => {
        const lower = line.toLowerCase()
        for (const rule of BUILTIN_RULES) {
          if (rule.test(line, { fileKind: 'other' })) expect(rule.triggers?.some((t) => lower.includes(t)), `${rule.name}: ${line}`).toBe(true)
        }
      }),
      { numRuns: RUNS * 100 },
    )
  })
})

describe('the trigger pre-filter changes no result', () => {
  it('scanText finds exactly the rules whose test fires, line by line', () => {
    const line = fc.array(fc.constantFrom(...FRAGMENTS, 'NCAT', 'digdb', 'ncat', 'gdb', 'Cookies', 'shadow'), { maxLength: 14 }).map((p) => p.join(''))
    fc.assert(
      fc.property(line, (l) => {
        const got = scanText(l, 'x.txt', BUILTIN_RULES, DEFAULT_SCAN_LIMITS).map((f) => f.rule)
        // scanText runs each rule on the line and on its normal form (normalize.ts).
        const normal = normalizeShellLine(l)
        const want = BUILTIN_RULES.filter((r) => r.test(l, { fileKind: 'other' }) || r.test(normal, { fileKind: 'other' })).map((r) => r.name)
        expect(got).toEqual(want)
      }),
      { numRuns: RUNS * 100 },
    )
  })
})

describe('the disguise normaliser is linear', () => {
  it('normalises and joins 100 KB hostile lines quickly', async () => {
    const { normalizeShellLine, logicalLines } = await import('../../../runtime/skills/normalize.js')
    for (const unit of ['\\', '"\'', '${IFS', '$IFS$IFS', '${IFS%' + 'x'.repeat(40), 'a\\\n', '\\\n']) {
      const line = unit.repeat(Math.ceil(100_000 / unit.length))
      const run = (): number => {
        const t0 = performance.now()
        normalizeShellLine(line)
        logicalLines(line)
        return performance.now() - t0
      }
      const ms = run()
      // As overBound: over the limit, the time must still be within a few hundred plain passes.
      if (ms >= LIMIT_MS * 4) expect(Math.min(ms, run()), JSON.stringify(unit)).toBeLessThan(Math.max(LIMIT_MS * 4, 400 * timeLinearPass(line)))
    }
  })
})
