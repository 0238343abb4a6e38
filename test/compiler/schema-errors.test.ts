/**
 * A bad schema is refused with the JSON path of the bad value (compiler/schema.ts), every way it
 * can be bad; good optional parts (`doc`, a method with a receiver) are kept. The path and the
 * offending name are data the error must carry; the wording is not asserted (STYLE.md §6).
 */
import { describe, expect, it } from 'vitest'
import { fieldType, parseSchema, SchemaError, typeLabel } from '../../compiler/schema.js'

/** The error parseSchema throws for `json`. */
function refusal(json: unknown): SchemaError {
  try {
    parseSchema(json)
  } catch (e) {
    if (e instanceof SchemaError) return e
    throw e
  }
  throw new Error(`accepted: ${JSON.stringify(json)}`)
}

const fn = (spec: unknown) => ({ context: {}, functions: { f: spec } })

describe('a bad schema names the JSON path of the bad value', () => {
  it.each([
    ['not an object', [], '$'],
    ['a context that is not a record', { context: 5 }, '$.context'],
    ['an unknown top-level key', { context: {}, extra: 1 }, '$.extra'],
    ['an unknown type name', { context: { a: 'strnig' } }, '$.context.a'],
    ['an array type with two element types', { context: { a: ['string', 'number'] } }, '$.context.a'],
    ['a type that is a number', { context: { a: 5 } }, '$.context.a'],
    ['a bad element type', { context: { a: ['nope'] } }, '$.context.a[0]'],
    ['actions that are not a record', { context: {}, actions: 5 }, '$.actions'],
    ['groups that are not strings', { context: {}, actions: { read: { groups: [1] } } }, '$.actions.read.groups'],
    ['ladders that are not a record', { context: {}, ladders: 5 }, '$.ladders'],
    ['a rung that is not a string', { context: {}, ladders: { p: ['a', 1] } }, '$.ladders.p'],
    ['open that is not a boolean', { context: {}, open: 'yes' }, '$.open'],
    ['a resource type that is not a type', { context: {}, resource: 5 }, '$.resource'],
    ['functions that are not a record', { context: {}, functions: 5 }, '$.functions'],
    ['a function that is not a record', fn(5), '$.functions.f'],
    ['an unknown key of a function', fn({ params: [], returns: 'boolean', extra: 1 }), '$.functions.f.extra'],
    ['params that are not an array', fn({ params: 'string', returns: 'boolean' }), '$.functions.f.params'],
    ['a parameter that is not a value type', fn({ params: ['function'], returns: 'boolean' }), '$.functions.f.params[0]'],
    ['a parameter that is not a string', fn({ params: [5], returns: 'boolean' }), '$.functions.f.params[0]'],
    ['method that is not a boolean', fn({ params: ['string'], returns: 'boolean', method: 'yes' }), '$.functions.f.method'],
    ['a method without a receiver', fn({ params: [], returns: 'boolean', method: true }), '$.functions.f.method'],
    ['doc that is not a string', fn({ params: [], returns: 'boolean', doc: 5 }), '$.functions.f.doc'],
  ])('%s', (_what, json, path) => {
    const e = refusal(json)
    expect(e.name).toBe('SchemaError')
    expect(e.path).toBe(path)
    expect(e.message.startsWith(`${path}: `)).toBe(true)
    expect(e.message.length).toBeGreaterThan(path.length + 2)
  })

  it('names what it found and, for keys and types, what it expects', () => {
    expect(refusal({ context: { a: 'strnig' } }).message).toContain('strnig')
    expect(refusal({ context: {}, extra: 1 }).message).toContain('context')
    expect(refusal(fn({ params: [], returns: 'boolean', extra: 1 })).message).toContain('params')
    // The value types a parameter may have: not `function`.
    const m = refusal(fn({ params: ['function'], returns: 'boolean' })).message
    expect(m).toContain('string')
    expect(m.slice(m.indexOf(':') + 1)).not.toMatch(/\bfunction\b/)
  })
})

describe('good optional parts are kept', () => {
  it('a function’s doc, its method flag, an action without groups', () => {
    const s = parseSchema({ context: {}, actions: { read: {} }, functions: { f: { params: ['string'], returns: 'boolean', method: true, doc: 'True while under the limit.' } } })
    expect(s.functions.get('f')).toMatchObject({ name: 'f', method: true, doc: 'True while under the limit.' })
    expect(s.actions.get('read')).toEqual([])
    expect('doc' in (parseSchema(fn({ params: [], returns: 'boolean' })).functions.get('f') ?? {})).toBe(false)
  })
})

describe('types', () => {
  it('labels arrays by their elements and records as records', () => {
    const s = parseSchema({ context: { tags: ['string'], grid: [['number']], profile: { dept: 'string' }, n: 'number' } })
    expect(typeLabel(s.context.get('tags') as never)).toBe('[string]')
    expect(typeLabel(s.context.get('grid') as never)).toBe('[[number]]')
    expect(typeLabel(s.context.get('profile') as never)).toBe('record')
    expect(typeLabel(s.context.get('n') as never)).toBe('number')
  })

  it('an attribute of `any` is `any`, of a record its field, of anything else nothing', () => {
    const s = parseSchema({ context: { profile: { dept: 'string' }, n: 'number' }, resource: { id: 'string' } })
    expect(fieldType(s.principal, 'whatever')).toEqual({ kind: 'any' })
    expect(fieldType(s.context.get('profile') as never, 'dept')).toEqual({ kind: 'string' })
    expect(fieldType(s.context.get('profile') as never, 'nope')).toBeUndefined()
    expect(fieldType(s.context.get('n') as never, 'dept')).toBeUndefined()
    expect(fieldType(s.resource, 'id')).toEqual({ kind: 'string' })
  })
})
