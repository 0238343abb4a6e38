import { LineIndex } from '../../diagnostics/index.js'
import type { AuthzRequest, Decision, TraceStep } from '../../stdlib/decision.js'
import { parseArgs } from '../args.js'
import { EXIT, type Command } from '../io.js'
import { readJson, startRequestCommand } from '../load-policies.js'

const HELP = `Usage: symbi-policy explain <policy files or dirs> --request <file.json|-> [--schema f]

Decides the request and prints, in words, every rule considered and what happened to it,
with the rule's source line.
`

const OUTCOMES: Record<TraceStep['outcome'], string> = {
  not_applicable: 'does not apply to this action',
  fired: 'FIRED',
  guard_false: 'applies, guard is false',
  error: 'ERROR while evaluating',
  met: 'requirements met',
  unmet: 'requirement NOT met',
  granted: 'approval granted',
  attached: 'obligation attached',
}

function headline(d: Decision): string {
  switch (d.effect) {
    case 'allow':
      return 'ALLOW'
    case 'deny':
      return `DENY — ${d.reason}`
    case 'allow_with_conditions':
      return `ALLOW WITH CONDITIONS — ${d.conditions.map((c) => (c.value === undefined ? c.name : `${c.name} = ${JSON.stringify(c.value)}`)).join(', ')}`
    case 'require_approval':
      return `REQUIRE APPROVAL — from ${d.approvers.join(', ')}`
  }
}

/** `symbi-policy explain`. */
export const explain: Command = async (args, io) => {
  const a = parseArgs(args, { flags: ['--help'], options: ['--request', '--schema'] })
  const start = await startRequestCommand(a, io, HELP)
  if (typeof start === 'number') return start
  const { requestPath, loaded } = start
  const request = (await readJson(requestPath, io, 'request')) as AuthzRequest
  const d = loaded.engine.evaluate(request, { explain: true })
  const indexes = new Map(loaded.files.map((f) => [f.path, new LineIndex(f.text)]))
  const lines = [`decision: ${headline(d)}  (policy set version ${d.version})`, '']
  for (const step of d.trace ?? []) {
    const file = step.rule.source ?? '?'
    const index = indexes.get(file)
    const pos = index?.position(step.rule.span.start)
    const text = index && pos ? index.lineText(pos.line).trim() : ''
    // A scoped policy that does not govern the request says so instead of "does not apply to this action".
    const outcome = step.outcome === 'not_applicable' && step.detail?.startsWith('out of scope') ? 'does not apply to this request' : OUTCOMES[step.outcome]
    lines.push(`${file}:${pos?.line ?? 0}:${pos?.column ?? 0}  ${step.rule.policy}[${step.rule.rule}] ${step.rule.kind}: ${outcome}${step.detail ? ` (${step.detail})` : ''}`)
    if (text) lines.push(`    ${text}`)
  }
  if (d.errors.length > 0) {
    lines.push('', 'evaluation errors:')
    for (const e of d.errors) lines.push(`  ${e.rule.policy}[${e.rule.rule}] ${e.code}: ${e.message}`)
  }
  io.out(`${lines.join('\n')}\n`)
  return EXIT.ok
}
