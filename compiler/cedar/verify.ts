/**
 * Checks emitted Cedar with the Cedar engine itself (cedar-wasm): the policy text must parse,
 * the schema must parse, and with a schema the policies are run through Cedar's validator.
 * Kept apart from compile.ts so that the translation stays a pure function.
 */
import { checkParsePolicySet, checkParseSchema, validate, type DetailedError } from '@cedar-policy/cedar-wasm/nodejs'
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js'
import { CEDAR } from './codes.js'

/** Diagnostics from checking emitted Cedar; empty when Cedar accepts it. */
export function verifyCedar(text: string, schemaJson?: string): Diagnostic[] {
  const out: Diagnostic[] = []
  const parsed = checkParsePolicySet({ staticPolicies: text })
  if (parsed.type !== 'success') {
    for (const e of parsed.errors) out.push(diagnostic(CEDAR.emitParse, 'error', `emitted Cedar does not parse: ${describe(e)}`, NOWHERE, { help: 'this is a bug in the Cedar backend; please report it with the input policy' }))
    return out
  }
  if (schemaJson === undefined) return out
  let schema: unknown
  try {
    schema = JSON.parse(schemaJson)
  } catch {
    out.push(diagnostic(CEDAR.schemaParse, 'error', 'emitted Cedar schema is not JSON', NOWHERE))
    return out
  }
  const s = checkParseSchema(schema as Parameters<typeof checkParseSchema>[0])
  if (s.type !== 'success') {
    for (const e of s.errors) out.push(diagnostic(CEDAR.schemaParse, 'error', `emitted Cedar schema does not parse: ${describe(e)}`, NOWHERE))
    return out
  }
  const v = validate({ schema: schema as Parameters<typeof validate>[0]['schema'], policies: { staticPolicies: text }, validationSettings: { mode: 'strict' } })
  // Stryker disable all: unreachable with cedar-wasm 4 — validate fails only when the policies or
  // the schema cannot be built (syntax, templates, undeclared types, action cycles: tried), and the
  // two checks above refuse each of those first (test/cedar/verify.test.ts); the branch stays so
  // that a later Cedar that fails here reports instead of reading validationErrors of a failure
  if (v.type !== 'success') {
    for (const e of v.errors) out.push(diagnostic(CEDAR.validation, 'error', `Cedar validation failed: ${describe(e)}`, NOWHERE))
    return out
  }
  // Stryker restore all
  for (const e of v.validationErrors) out.push(diagnostic(CEDAR.validation, 'error', `Cedar validator (policy ${e.policyId}): ${describe(e.error)}`, NOWHERE))
  return out
}

const NOWHERE = { start: 0, end: 0 }

function describe(e: DetailedError): string {
  return e.help === null || e.help === '' ? e.message : `${e.message} (${e.help})`
}
