import { writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { mkdirSync } from 'node:fs'
import type { KeyObject } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { FrameworkError, loadFramework, renderHtml, ReportBuilder } from '../../compliance/index.js'
import { compilePolicySet } from '../../compiler/pipeline.js'
import { loadPublicKey } from '../../runtime/audit/keys.js'
import { verify } from '../../runtime/audit/verify-log.js'
import { parseArgs } from '../args.js'
import { collectFiles, readSources } from '../files.js'
import { EXIT, UsageError, type Command } from '../io.js'

const HELP = `Usage: symbi-policy report --framework hipaa|gdpr|sox|<file.json> -o <out>
         (--audit-log <file> | --postgres <url> [--chain <id>])
         [--policies <file or dir>]... [--public-key <public.pem>]
         [--from <ISO time>] [--to <ISO time>] [--retention-days <n>]

Runs a compliance framework's checks over the audit trail (and the policy set) and writes
<out>.html (charts of decisions, denials and security events over time; no JavaScript needed)
and <out>.json ({"framework","period","checks":[{"id","title","passed","evidence":[…]}],…}).
The chain is verified over the whole log (with --public-key, every signature too); the other
checks look at the records in [--from, --to].
Exit codes: 0 every check passed, 1 a check failed, 2 usage or I/O problem.
`

function time(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined
  const t = Date.parse(v)
  if (!Number.isFinite(t)) throw new UsageError(`${flag} must be an ISO date or time, got '${v}'`)
  return t
}

/** `symbi-policy report`. */
export const report: Command = async (args, io) => {
  const a = parseArgs(args, { flags: ['--help'], options: ['--framework', '-o', '--out', '--audit-log', '--postgres', '--chain', '--public-key', '--from', '--to', '--retention-days'], repeatable: ['--policies'] })
  if (a.flags.has('--help')) return void io.out(HELP), EXIT.ok
  const name = a.options.get('--framework')
  const out = a.options.get('-o') ?? a.options.get('--out')
  if (name === undefined || out === undefined) throw new UsageError(`--framework and -o are required\n\n${HELP}`)
  const logPath = a.options.get('--audit-log')
  const pg = a.options.get('--postgres')
  if ((logPath === undefined) === (pg === undefined)) throw new UsageError('give exactly one of --audit-log <file> or --postgres <url>')
  const from = time(a.options.get('--from'), '--from')
  const to = time(a.options.get('--to'), '--to')
  if (from !== undefined && to !== undefined && from > to) throw new UsageError('--from is after --to')
  const retentionText = a.options.get('--retention-days')
  const retentionDays = retentionText === undefined ? undefined : Number(retentionText)
  if (retentionDays !== undefined && !(Number.isFinite(retentionDays) && retentionDays >= 0)) throw new UsageError(`--retention-days must be a number of days, got '${retentionText}'`)

  let framework
  try {
    framework = loadFramework(/^(hipaa|gdpr|sox)$/.test(name) ? name : resolve(io.cwd, name))
  } catch (e) {
    if (e instanceof FrameworkError) throw new UsageError(e.message)
    throw e
  }
  let publicKey: KeyObject | undefined
  const keyPath = a.options.get('--public-key')
  if (keyPath !== undefined) {
    try {
      publicKey = loadPublicKey(resolve(io.cwd, keyPath))
    } catch (e) {
      throw new UsageError(e instanceof Error ? e.message : String(e))
    }
  }

  const policyPaths = a.repeated.get('--policies') ?? []
  let policies
  if (policyPaths.length > 0) {
    const files = readSources(collectFiles(policyPaths, io.cwd), io.cwd)
    const compiled = compilePolicySet(files.map((f) => ({ name: f.path, source: f.text })))
    if (compiled.value === undefined) throw new UsageError('the policies have errors; run `symbi-policy check` on them')
    policies = compiled.value.checked
  }
  const options = {
    framework,
    ...(retentionDays === undefined ? {} : { retentionDays }),
    ...(policies === undefined ? {} : { policies }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  }

  // The chain's verdict and the records, from a file (streamed twice: verified, then read into
  // the report — a log of millions of records is never held in memory) or from PostgreSQL.
  let chain: { ok: boolean; message: string }
  let builder: ReportBuilder
  if (logPath !== undefined) {
    const path = resolve(io.cwd, logPath)
    // One pass when the chain is sound: the verifier hands each verified record to the report.
    // The chain's verdict is only known at the end, so the builder is told it then.
    let pending: ReportBuilder | undefined = new ReportBuilder({ ...options, chain: { ok: true, message: '' } })
    let v
    try {
      v = await verify(path, publicKey === undefined ? {} : { publicKey }, (r) => pending?.add(r))
    } catch (e) {
      throw new UsageError(`cannot read audit log '${path}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`)
    }
    chain = v.ok ? { ok: true, message: `chain of ${v.count} records verifies (head ${v.head})${v.signaturesChecked ? `, ${v.signatures} signatures checked` : ', signatures not checked (no --public-key)'}` } : { ok: false, message: `chain broken at record ${v.index}: ${v.code}: ${v.message}` }
    if (v.ok) builder = (pending as ReportBuilder).withChain(chain)
    else {
      // A broken chain stops the verifier early: read every record again for the other checks.
      pending = undefined
      builder = new ReportBuilder({ ...options, chain })
      const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })
      for await (const line of lines) {
        if (line.trim() === '') continue
        try {
          builder.add(JSON.parse(line) as unknown)
        } catch {
          // A line that is not JSON is already the chain check's failure; it counts for nothing else.
        }
      }
    }
  } else {
    const { openPool, redactUrl } = await import('../../server/postgres/pool.js')
    const { readChains } = await import('../../server/postgres/audit-store.js')
    const pool = openPool(pg as string, { max: 2, queryTimeoutMs: 60_000 })
    try {
      const chains = await readChains(pool, a.options.get('--chain')).catch((e: unknown) => {
        throw new UsageError(`cannot read audit chains from ${redactUrl(pg as string)}: ${e instanceof Error ? e.message : String(e)}`)
      })
      const problems: string[] = []
      let count = 0
      for (const c of chains) {
        count += c.records.length
        const v = await verify(c.records, publicKey === undefined ? {} : { publicKey })
        if (!v.ok) problems.push(`chain ${c.chainId} broken at row ${c.seqs[v.index] ?? v.index + 1}: ${v.code}: ${v.message}`)
      }
      chain = problems.length === 0 ? { ok: true, message: `${chains.length} chain(s), ${count} records, all verify${publicKey === undefined ? ' (signatures not checked: no --public-key)' : ''}` } : { ok: false, message: problems.join('; ') }
      builder = new ReportBuilder({ ...options, chain })
      for (const c of chains) for (const r of c.records) builder.add(r)
    } finally {
      await pool.end().catch(() => undefined)
    }
  }
  const result = builder.finish()
  const base = resolve(io.cwd, out.replace(/\.(html|json)$/, ''))
  mkdirSync(dirname(base), { recursive: true })
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`)
  writeFileSync(`${base}.html`, await renderHtml(result))
  const failed = result.checks.filter((c) => !c.passed)
  io.out(`${result.title}: ${result.checks.length - failed.length} of ${result.checks.length} checks passed (${result.records} records)\n`)
  for (const c of failed) io.out(`  FAIL ${c.id}: ${c.title}\n       ${c.evidence[0] ?? ''}\n`)
  io.out(`wrote ${base}.html and ${base}.json\n`)
  return failed.length === 0 ? EXIT.ok : EXIT.failure
}
