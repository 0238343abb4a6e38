/**
 * The Cedar schema emitted from our context schema, read as data: which attributes each entity
 * and the context get (and which are left out with CEDAR022), which actions exist and what they
 * apply to, and a key order that depends on nothing but the names (so the text is stable).
 */
import { describe, expect, it } from 'vitest'
import { checkParseSchema } from '@cedar-policy/cedar-wasm/nodejs'
import { compilePolicySet, parseSchema } from '../../compiler/index.js'
import { emitCedarSchema, DEFAULT_PRINCIPAL_TYPE, DEFAULT_RESOURCE_TYPE } from '../../compiler/cedar/schema.js'
import { CEDAR } from '../../compiler/cedar/codes.js'

interface Emitted {
  json: { '': { entityTypes: Record<string, { shape: { attributes: Record<string, unknown> } }>; actions: Record<string, Record<string, unknown>> } }
  diagnostics: ReturnType<typeof emitCedarSchema>['diagnostics']
}

function emit(schemaJson: Record<string, unknown>, source = 'policy p {\n  allow: read\n}\n'): Emitted {
  const schema = parseSchema({ open: true, ...schemaJson })
  const r = compilePolicySet([{ name: 'x.policy', source }], { schema })
  if (r.value === undefined) throw new Error(`does not compile: ${JSON.stringify(r.files)}`)
  const out = emitCedarSchema(schema, r.value.checked)
  const json = JSON.parse(out.text) as Emitted['json']
  // Everything emitted must be a schema Cedar accepts.
  expect(checkParseSchema(json as Parameters<typeof checkParseSchema>[0])).toEqual({ type: 'success' })
  return { json, diagnostics: out.diagnostics }
}

const contextOf = (e: Emitted, action = 'read'): Record<string, unknown> =>
  ((e.json[''].actions[action]?.['appliesTo'] as { context: { attributes: Record<string, unknown> } } | undefined)?.context.attributes) ?? {}

describe('emitCedarSchema', () => {
  it('maps each scalar type, arrays and records; principal and resource are entities with an id', () => {
    const e = emit({
      context: { s: 'string', n: 'number', b: 'boolean', d: 'duration', xs: ['number'], r: { t: 'string', deep: { on: 'boolean' } } },
      principal: { role: 'string' },
      resource: { size: 'number' },
    })
    const ctx = contextOf(e)
    expect(ctx['s']).toEqual({ type: 'String' })
    expect(ctx['n']).toEqual({ type: 'Long' })
    expect(ctx['b']).toEqual({ type: 'Boolean' })
    expect(ctx['d']).toEqual({ type: 'Extension', name: 'duration' })
    expect(ctx['xs']).toEqual({ type: 'Set', element: { type: 'Long' } })
    expect(ctx['r']).toEqual({ type: 'Record', attributes: { deep: { type: 'Record', attributes: { on: { type: 'Boolean' } } }, t: { type: 'String' } } })
    expect(e.json[''].entityTypes[DEFAULT_PRINCIPAL_TYPE]?.shape).toEqual({ type: 'Record', attributes: { id: { type: 'String' }, role: { type: 'String' } } })
    expect(e.json[''].entityTypes[DEFAULT_RESOURCE_TYPE]?.shape).toEqual({ type: 'Record', attributes: { id: { type: 'String' }, size: { type: 'Long' } } })
    expect(e.diagnostics).toEqual([])
  })

  it('an entity\'s id is always a String, whatever the schema says it is', () => {
    const e = emit({ principal: { id: 'number', a: 'string' }, resource: { id: ['string'] } })
    expect(e.json[''].entityTypes[DEFAULT_PRINCIPAL_TYPE]?.shape.attributes).toEqual({ a: { type: 'String' }, id: { type: 'String' } })
    expect(e.json[''].entityTypes[DEFAULT_RESOURCE_TYPE]?.shape.attributes).toEqual({ id: { type: 'String' } })
  })

  it('`any` is left out wherever it is, with one CEDAR022 warning naming its path; an array of `any` goes too', () => {
    const e = emit({
      context: { a: 'any', xs: ['any'], r: { keep: 'string', drop: 'any' } },
      principal: { p: 'any', q: 'number' },
      resource: { nested: { z: 'any' } },
    })
    expect(Object.keys(contextOf(e)).sort()).toEqual(['r', 'symbi_fold'])
    expect(contextOf(e)['r']).toEqual({ type: 'Record', attributes: { keep: { type: 'String' } } })
    expect(e.json[''].entityTypes[DEFAULT_PRINCIPAL_TYPE]?.shape.attributes).toEqual({ id: { type: 'String' }, q: { type: 'Long' } })
    expect(e.json[''].entityTypes[DEFAULT_RESOURCE_TYPE]?.shape.attributes).toEqual({ id: { type: 'String' }, nested: { type: 'Record', attributes: {} } })
    const paths = ['context.a', 'context.r.drop', 'context.xs[]', 'principal.p', 'resource.nested.z']
    expect(e.diagnostics.map((d) => [d.code, d.severity])).toEqual(paths.map(() => [CEDAR.schemaType, 'warning']))
    // Each warning names its own path (and no other's).
    const named = e.diagnostics.map((d) => paths.filter((p) => new RegExp(`${p.replace(/[.[\]]/g, '\\$&')}(?![\\w.[])`).test(d.message)))
    expect(named.flat().sort()).toEqual(paths)
    expect(named.every((n) => n.length === 1)).toBe(true)
  })

  it('keys are in name order, whatever order the schema declared them in', () => {
    const e = emit({ context: { zeta: 'string', alpha: 'string', mid: { y: 'number', b: 'number', k: 'number' } }, principal: { z: 'string', a: 'string', m: 'string' } })
    expect(Object.keys(contextOf(e))).toEqual(['alpha', 'mid', 'zeta', 'symbi_fold'])
    expect(Object.keys((contextOf(e)['mid'] as { attributes: object }).attributes)).toEqual(['b', 'k', 'y'])
    expect(Object.keys(e.json[''].entityTypes[DEFAULT_PRINCIPAL_TYPE]!.shape.attributes)).toEqual(['id', 'a', 'm', 'z'])
  })

  it('actions: from the schema, its groups, and every name or call verb a pattern or a `for` scope names — sorted', () => {
    const source = [
      'policy p {',
      '  allow: [read, copy(a, b), "tool.*"]',
      '  deny: any if false',
      '  audit: log for [export, send(x)]',
      '}',
      '',
    ].join('\n')
    const e = emit({ actions: { write: { groups: ['mutate', 'all_ops'] }, mutate: { groups: [] }, purge: { groups: ['mutate'] } } }, source)
    const actions = e.json[''].actions
    expect(Object.keys(actions)).toEqual(['all_ops', 'copy', 'export', 'mutate', 'purge', 'read', 'send', 'write'])
    // Groups that are only groups are parents, nothing applies to them; an action that is also a group applies.
    expect(Object.keys(actions['all_ops']!)).toEqual([])
    expect(actions['mutate']!['appliesTo']).toBeDefined()
    // memberOf only where there are groups, in name order.
    expect(actions['mutate']!['memberOf']).toBeUndefined()
    expect(actions['write']!['memberOf']).toEqual([{ id: 'all_ops' }, { id: 'mutate' }])
    expect(actions['purge']!['memberOf']).toEqual([{ id: 'mutate' }])
    for (const name of ['copy', 'export', 'purge', 'read', 'send', 'write']) {
      expect(actions[name]!['appliesTo']).toEqual({
        principalTypes: [DEFAULT_PRINCIPAL_TYPE],
        resourceTypes: [DEFAULT_RESOURCE_TYPE],
        context: { type: 'Record', attributes: contextOf(e) },
      })
    }
    expect(Object.keys(actions['read']!)).toEqual(['appliesTo'])
  })
})
