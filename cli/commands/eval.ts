import type { AuthzRequest, Decision } from '../../stdlib/decision.js'
import { normalizeRequest, RequestError } from '../../compiler/request.js'
import { parseArgs } from '../args.js'
import { EXIT, UsageError, type Command } from '../io.js'
import { readJson, startRequestCommand } from '../load-policies.js'
import { auditDecisions } from '../audit-decisions.js'

const HELP = `Usage: symbi-policy eval <policy files or dirs> --request <file.json|-> [--schema f] [--explain]
                         [--audit-log <file> --signing-key <private.pem> [--audit-mode every_event|checkpoint]]

Decides the request (a JSON object, or an array of them) and prints the decision as JSON.
Exit codes: 0 for any decision, 1 when the policies have errors, 2 for usage problems or a bad
request (the message names the field).
`

/** `symbi-policy eval`. */
export const evalCommand: Command = async (args, io) => {
  const a = parseArgs(args, { flags: ['--explain', '--help'], options: ['--request', '--schema', '--audit-log', '--signing-key', '--audit-mode'] })
  const start = await startRequestCommand(a, io, HELP)
  if (typeof start === 'number') return start
  const { requestPath, loaded } = start
  const json = await readJson(requestPath, io, 'request')
  const requests = Array.isArray(json) ? (json as AuthzRequest[]) : [json as AuthzRequest]
  const vocabulary = loaded.engine.policySet?.checked.vocabulary ?? { groupsOf: new Map() }
  requests.forEach((r, i) => {
    try {
      normalizeRequest(r, vocabulary)
    } catch (e) {
      if (e instanceof RequestError) throw new UsageError(`bad request${Array.isArray(json) ? ` [${i}]` : ''}: field '${e.field}': ${e.message}`)
      throw e
    }
  })
  const explain = a.flags.has('--explain')
  const decisions: Decision[] = requests.map((r) => loaded.engine.evaluate(r, { explain }))
  const auditLog = a.options.get('--audit-log')
  if (auditLog !== undefined) await auditDecisions(io.cwd, auditLog, a.options.get('--signing-key'), a.options.get('--audit-mode'), requests, decisions)
  io.out(`${JSON.stringify(Array.isArray(json) ? decisions : decisions[0], null, 2)}\n`)
  return EXIT.ok
}
