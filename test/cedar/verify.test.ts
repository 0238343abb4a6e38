/**
 * verifyCedar fed Cedar that the backend never emits: text that does not parse, a schema that is
 * not JSON or that Cedar refuses, policies the validator rejects. Each diagnostic carries Cedar's
 * own message and help (so the user sees what Cedar saw) under the backend's code, as an error.
 */
import { describe, expect, it } from 'vitest'
import { checkParsePolicySet, checkParseSchema, validate, type DetailedError } from '@cedar-policy/cedar-wasm/nodejs'
import { verifyCedar, CEDAR } from '../../compiler/cedar/index.js'

const SCHEMA = { '': { entityTypes: { User: {} }, actions: { a: { appliesTo: { principalTypes: ['User'], resourceTypes: ['User'] } } } } }
const PERMIT = 'permit (principal, action, resource);'

/** What Cedar itself reports, to hold each diagnostic to. */
function parseErrors(text: string): DetailedError[] {
  const r = checkParsePolicySet({ staticPolicies: text })
  if (r.type === 'success') throw new Error(`expected ${text} not to parse`)
  return r.errors
}

function schemaErrors(schema: unknown): DetailedError[] {
  const r = checkParseSchema(schema as Parameters<typeof checkParseSchema>[0])
  if (r.type === 'success') throw new Error('expected the schema not to parse')
  return r.errors
}

function validationErrors(text: string): { policyId: string; error: DetailedError }[] {
  const r = validate({ schema: SCHEMA, policies: { staticPolicies: text }, validationSettings: { mode: 'strict' } })
  if (r.type !== 'success') throw new Error('expected validation to run')
  return r.validationErrors
}

describe('verifyCedar on Cedar the backend does not emit', () => {
  it('text that does not parse: one CEDAR020 error per Cedar parse error, with help, and nothing validated', () => {
    for (const text of ['permit (principal, action resource);', 'permit (principal, action, resource) when { 1 +++ };', 'permit (principal == ?principal, action, resource);']) {
      const expected = parseErrors(text)
      // A schema is given: a text that does not parse must not reach the validator.
      const got = verifyCedar(text, JSON.stringify(SCHEMA))
      expect(got).toHaveLength(expected.length)
      got.forEach((d, i) => {
        const e = expected[i]!
        expect([d.code, d.severity, d.span]).toEqual([CEDAR.emitParse, 'error', { start: 0, end: 0 }])
        // Cedar's parse errors carry no help of their own: the message ends with Cedar's.
        expect(e.help).toBeNull()
        expect(d.message.endsWith(e.message)).toBe(true)
        expect(d.message.length).toBeGreaterThan(e.message.length)
        expect(d.help).toMatch(/\S/)
      })
    }
  })

  it('a schema that is not JSON: one CEDAR023 error that names JSON', () => {
    for (const schema of ['{', '', '{"a": }']) {
      const got = verifyCedar(PERMIT, schema)
      expect(got.map((d) => [d.code, d.severity, d.span])).toEqual([[CEDAR.schemaParse, 'error', { start: 0, end: 0 }]])
      expect(got[0]!.message).toMatch(/JSON/)
    }
  })

  it('a schema Cedar refuses: CEDAR023 with Cedar\'s message, and its help when it has one', () => {
    const undeclared = { '': { entityTypes: { User: { shape: { type: 'Record', attributes: { m: { type: 'Entity', name: 'Missing' } } } } }, actions: {} } }
    const [withHelp] = schemaErrors(undeclared)
    expect(withHelp?.help).toMatch(/\S/)
    const a = verifyCedar(PERMIT, JSON.stringify(undeclared))
    expect(a.map((d) => [d.code, d.severity])).toEqual([[CEDAR.schemaParse, 'error']])
    expect(a[0]!.message.endsWith(`${withHelp!.message} (${withHelp!.help})`)).toBe(true)

    const notAMap = { '': { entityTypes: 5 } }
    const [noHelp] = schemaErrors(notAMap)
    expect(noHelp?.help).toBeNull()
    const b = verifyCedar(PERMIT, JSON.stringify(notAMap))
    expect(b.map((d) => [d.code, d.severity])).toEqual([[CEDAR.schemaParse, 'error']])
    expect(b[0]!.message.endsWith(noHelp!.message)).toBe(true)
    expect(b[0]!.message).not.toContain('(null)')

    // Cycles among actions are refused here too, before the validator would fail on them.
    const cycle = { '': { entityTypes: { User: {} }, actions: { a: { memberOf: [{ id: 'b' }], appliesTo: { principalTypes: ['User'], resourceTypes: ['User'] } }, b: { memberOf: [{ id: 'a' }] } } } }
    expect(verifyCedar(PERMIT, JSON.stringify(cycle)).map((d) => d.code)).toEqual([CEDAR.schemaParse])
  })

  it('policies the validator rejects: one CEDAR021 error per validation error, naming the policy, with Cedar\'s help when it has one', () => {
    const text = 'permit (principal, action, resource) when { principal.nope };\npermit (principal, action == Action::"zz", resource);'
    const expected = validationErrors(text)
    expect(expected.map((e) => e.error.help === null)).toEqual([true, false])
    const got = verifyCedar(text, JSON.stringify(SCHEMA))
    expect(got.map((d) => [d.code, d.severity, d.span])).toEqual(expected.map(() => [CEDAR.validation, 'error', { start: 0, end: 0 }]))
    got.forEach((d, i) => {
      const { policyId, error } = expected[i]!
      const cedars = error.help === null ? error.message : `${error.message} (${error.help})`
      expect(d.message.endsWith(cedars)).toBe(true)
      // Cedar's message names the policy too; ours must name it before Cedar's words.
      expect(d.message.slice(0, -cedars.length)).toContain(policyId)
      expect(d.message).not.toContain('(null)')
    })
  })

  it('what Cedar accepts gives no diagnostics, with and without a schema', () => {
    expect(verifyCedar(PERMIT)).toEqual([])
    expect(verifyCedar(PERMIT, JSON.stringify(SCHEMA))).toEqual([])
    // Without a schema nothing is validated: an attribute no schema declares is fine.
    expect(verifyCedar('permit (principal, action, resource) when { principal.nope };')).toEqual([])
  })
})
