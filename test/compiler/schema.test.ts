/**
 * The schema format (compiler/schema.ts), including the example in docs/schema.md: it must
 * accept the seed policies without a diagnostic, drive the action vocabulary and ladders, and
 * catch the typo the page shows.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { compilePolicySet, parseSchema, SchemaError } from '../../compiler/index.js'
import { createEngine } from '../../index.js'

const SEED = ['data_flow_control', 'resource_governance', 'secure_data_access'].map((n) => ({
  name: `${n}.policy`,
  source: readFileSync(new URL(`../../examples/${n}.policy`, import.meta.url), 'utf8'),
}))

function docsExample(): unknown {
  const page = readFileSync(new URL('../../docs/schema.md', import.meta.url), 'utf8')
  const block = /## Example[\s\S]*?```json\n([\s\S]*?)```/.exec(page)?.[1]
  if (block === undefined) throw new Error('no JSON example in docs/schema.md')
  return JSON.parse(block)
}

describe('the docs/schema.md example', () => {
  it('accepts the seed policies without any diagnostic', () => {
    const r = compilePolicySet(SEED, { schema: docsExample() })
    expect(r.files.flatMap((f) => f.diagnostics.map((d) => `${f.name} ${d.code} ${d.message}`))).toEqual([])
    expect(r.value).toBeDefined()
  })

  it('reports the typo the page shows, at the attribute', () => {
    const source = (SEED[2]?.source ?? '').replace('user.clearance', 'user.clearence')
    const r = compilePolicySet([{ name: 'secure_data_access.policy', source }], { schema: docsExample() })
    const d = r.files[0]?.diagnostics
    expect(d?.map((x) => [x.code, x.severity, source.slice(x.span.start, x.span.end)])).toEqual([['CHECK021', 'warning', 'user.clearence']])
  })

  it('puts train in high_memory_operations for the engine', () => {
    const e = createEngine({ schema: docsExample() })
    expect(e.load([...SEED, { name: 'x.policy', source: 'policy x { allow: train }' }]).ok).toBe(true)
    expect(e.evaluate({ principal: { id: 'a' }, action: 'train', context: { system: { maintenance_mode: false } } })).toMatchObject({ effect: 'require_approval', approver: 'supervisor' })
  })

  it('declares the priority ladder', () => {
    const e = createEngine({ schema: docsExample() })
    expect(e.load([{ name: 'x.policy', source: 'policy x { allow: run if operation.priority >= "high" }' }]).ok).toBe(true)
    expect(e.evaluate({ principal: { id: 'a' }, action: 'run', context: { operation: { priority: 'critical' } } }).effect).toBe('allow')
    expect(e.evaluate({ principal: { id: 'a' }, action: 'run', context: { operation: { priority: 'low' } } }).effect).toBe('deny')
  })
})

describe('parseSchema', () => {
  it('reads every type form', () => {
    const s = parseSchema({ context: { a: 'string', b: ['number'], c: { d: 'duration', e: [{ f: 'boolean' }] }, g: 'any' }, principal: { role: 'string' }, open: true })
    expect(s.open).toBe(true)
    expect(s.context.get('b')).toEqual({ kind: 'array', element: { kind: 'number' } })
    expect(s.context.get('c')).toMatchObject({ kind: 'record' })
    expect(s.principal).toMatchObject({ kind: 'record' })
    expect(s.resource).toEqual({ kind: 'any' })
  })

  it('names the JSON path of every mistake', () => {
    const bad: [unknown, string][] = [
      [[], '$'],
      [{ context: [] }, '$.context'],
      [{ context: { a: { b: { c: 'text' } } } }, '$.context.a.b.c'],
      [{ context: { a: [] } }, '$.context.a'],
      [{ context: { a: 5 } }, '$.context.a'],
      [{ principal: 'strin' }, '$.principal'],
      [{ actions: [] }, '$.actions'],
      [{ actions: { read: 'x' } }, '$.actions.read.groups'],
      [{ actions: { read: { groups: [1] } } }, '$.actions.read.groups'],
      [{ ladders: [] }, '$.ladders'],
      [{ ladders: { p: [1, 2] } }, '$.ladders.p'],
      [{ open: 1 }, '$.open'],
      [{ extra: 1 }, '$.extra'],
    ]
    for (const [json, path] of bad) {
      let err: unknown
      try {
        parseSchema(json)
      } catch (e) {
        err = e
      }
      expect(err, path).toBeInstanceOf(SchemaError)
      expect((err as SchemaError).path).toBe(path)
    }
  })
})
