/**
 * Request normalisation (compiler/request.ts) on its own: every malformed field is refused with
 * the field and a message a caller can act on, action names are refused (never repaired) with
 * the offending character described by class, and groups, folding and the request time come out
 * as every evaluator reads them.
 */
import { describe, expect, it } from 'vitest'
import { MAX_ACTION_NAME, RequestError, actionNameProblem, asciiFold, invalidRequestReason, normalizeRequest } from '../../compiler/request.js'
import type { AuthzRequest } from '../../stdlib/decision.js'

const NONE = { groupsOf: new Map<string, readonly string[]>() }
const P = { id: 'alice' }

function refusal(req: unknown, vocabulary = NONE): { field: string; message: string } {
  try {
    normalizeRequest(req as AuthzRequest, vocabulary)
  } catch (e) {
    if (e instanceof RequestError) {
      expect(e.name).toBe('RequestError')
      return { field: e.field, message: e.message }
    }
    throw e
  }
  throw new Error('the request was accepted')
}

describe('actionNameProblem', () => {
  it('accepts ASCII letters, digits and _ . : / -', () => {
    for (const ok of ['read', 'tool_call::web.fetch', 'a/b-c', 'X9', 'x'.repeat(MAX_ACTION_NAME)]) expect(actionNameProblem(ok)).toBeUndefined()
  })

  it.each([
    ['', 'action name must not be empty'],
    ['x'.repeat(MAX_ACTION_NAME + 1), `action name is ${MAX_ACTION_NAME + 1} characters long; at most ${MAX_ACTION_NAME} are allowed`],
    ['shell ', 'action name has a space (U+0020) at position 5; only ASCII letters, digits and _ . : / - are allowed'],
    ['sh\tell', 'action name has a control character (U+0009) at position 2; only ASCII letters, digits and _ . : / - are allowed'],
    ['\u0000x', 'action name has a control character (U+0000) at position 0; only ASCII letters, digits and _ . : / - are allowed'],
    ['x\u001f', 'action name has a control character (U+001F) at position 1; only ASCII letters, digits and _ . : / - are allowed'],
    ['del\u007f', 'action name has a control character (U+007F) at position 3; only ASCII letters, digits and _ . : / - are allowed'],
    ['a!b', 'action name has the character "!" (U+0021) at position 1; only ASCII letters, digits and _ . : / - are allowed'],
    ['a~', 'action name has the character "~" (U+007E) at position 1; only ASCII letters, digits and _ . : / - are allowed'],
    ['read\u200b', 'action name has an invisible or space character (U+200B) at position 4; only ASCII letters, digits and _ . : / - are allowed'],
    ['a\u00a0b', 'action name has an invisible or space character (U+00A0) at position 1; only ASCII letters, digits and _ . : / - are allowed'],
    ['a\u2028', 'action name has an invisible or space character (U+2028) at position 1; only ASCII letters, digits and _ . : / - are allowed'],
    ['a\u2029', 'action name has an invisible or space character (U+2029) at position 1; only ASCII letters, digits and _ . : / - are allowed'],
    ['sh\u0435ll', 'action name has the non-ASCII character "е" (U+0435) at position 2; only ASCII letters, digits and _ . : / - are allowed'],
    ['\u00e9', 'action name has the non-ASCII character "é" (U+00E9) at position 0; only ASCII letters, digits and _ . : / - are allowed'],
    // Positions count UTF-16 units, and an astral character is described whole.
    ['a\u{1f600}!', 'action name has the non-ASCII character "\u{1f600}" (U+1F600) at position 1; only ASCII letters, digits and _ . : / - are allowed'],
    ['\u{1f600}!', 'action name has the non-ASCII character "\u{1f600}" (U+1F600) at position 0; only ASCII letters, digits and _ . : / - are allowed'],
    ['ok\u{1f600}', 'action name has the non-ASCII character "\u{1f600}" (U+1F600) at position 2; only ASCII letters, digits and _ . : / - are allowed'],
  ])('%j → %s', (name, message) => {
    expect(actionNameProblem(name)).toBe(message)
  })
})

describe('asciiFold', () => {
  it('lowers ASCII letters only, runs of capitals included', () => {
    expect(asciiFold('ReadALL_Files')).toBe('readall_files')
    expect(asciiFold('ÉCRIRE')).toBe('Écrire')
    expect(asciiFold('already')).toBe('already')
  })
})

describe('normalizeRequest refuses a malformed request, naming the field', () => {
  it.each([
    ['not an object', 'x', 'request', 'request must be an object'],
    ['no principal', { action: 'read' }, 'principal', 'principal must be an object with an id'],
    ['a principal without a string id', { principal: { id: 7 }, action: 'read' }, 'principal.id', 'principal.id must be a string'],
    ['no action', { principal: P }, 'action', 'action must be a string or an object with a name'],
    ['an action record without a name', { principal: P, action: { args: [] } }, 'action.name', 'action.name must be a string'],
    ['args that are not an array', { principal: P, action: { name: 'read', args: 'x' } }, 'action.args', 'action.args must be an array'],
    ['an undefined argument', { principal: P, action: { name: 'read', args: [1, undefined] } }, 'action.args[1]', 'an argument must be a value, not undefined or a hole'],
    ['groups that are not an array', { principal: P, action: { name: 'read', groups: 'g' } }, 'action.groups', 'action.groups must be an array of strings'],
    ['a group that is not a string', { principal: P, action: { name: 'read', groups: ['g', 1] } }, 'action.groups[1]', 'a group must be a string'],
    ['a malformed group name', { principal: P, action: { name: 'read', groups: ['ok', 'bad name'] } }, 'action.groups[1]', 'group name has a space (U+0020) at position 3; only ASCII letters, digits and _ . : / - are allowed'],
    ['a malformed action name', { principal: P, action: 'read\u200b' }, 'action.name', 'action name has an invisible or space character (U+200B) at position 4; only ASCII letters, digits and _ . : / - are allowed'],
    ['a resource that is not an object', { principal: P, action: 'read', resource: 'r' }, 'resource', 'resource must be an object'],
    ['a resource id that is not a string', { principal: P, action: 'read', resource: { id: 1 } }, 'resource.id', 'resource.id must be a string'],
    ['a context that is not an object', { principal: P, action: 'read', context: [] }, 'context', 'context must be an object'],
    ['approvals that are not an array', { principal: P, action: 'read', context: { approvals: 'boss' } }, 'context.approvals', 'context.approvals must be an array of approver names or { approver } records'],
    ['an approval of the wrong shape', { principal: P, action: 'read', context: { approvals: ['a', { who: 'b' }] } }, 'context.approvals[1]', 'an approval must be an approver name or a record with a string approver'],
    ['a request time that is not a number', { principal: P, action: 'read', context: { time: { now: '2026' } } }, 'context.time.now', 'context.time.now must be a finite number (epoch milliseconds)'],
    ['a request time that is not finite', { principal: P, action: 'read', context: { time: { now: Number.NaN } } }, 'context.time.now', 'context.time.now must be a finite number (epoch milliseconds)'],
  ])('%s', (_what, req, field, message) => {
    expect(refusal(req)).toEqual({ field, message })
  })

  it('refuses a malformed name on every call, also after a good one was cached', () => {
    for (let i = 0; i < 3; i++) {
      expect(normalizeRequest({ principal: P, action: 'Read' }, NONE).foldedName).toBe('read')
      expect(refusal({ principal: P, action: 'Read ' }).field).toBe('action.name')
    }
    // More distinct names than the cache holds: each is still checked and folded.
    for (let i = 0; i < 5000; i++) expect(normalizeRequest({ principal: P, action: `A${i}` }, NONE).foldedName).toBe(`a${i}`)
    expect(refusal({ principal: P, action: 'A1\u200b' }).field).toBe('action.name')
  })
})

describe('normalizeRequest: the shape evaluators read', () => {
  it('groups: the request\'s and the vocabulary\'s, exact for allow and folded across case-variants for deny', () => {
    const vocabulary = { groupsOf: new Map<string, readonly string[]>([['Export', ['Data_Out']], ['export', ['egress', 'data_out']]]) }
    const bare = normalizeRequest({ principal: P, action: 'read' }, vocabulary)
    expect([...bare.groups]).toEqual([])
    expect([...bare.foldedGroups]).toEqual([])
    const n = normalizeRequest({ principal: P, action: { name: 'Export', groups: ['Bulk'] } }, vocabulary)
    expect([...n.groups]).toEqual(['Bulk', 'Data_Out'])
    expect(n.foldedName).toBe('export')
    expect([...n.foldedGroups].sort()).toEqual(['bulk', 'data_out', 'egress'])
    const only = normalizeRequest({ principal: P, action: { name: 'other', groups: ['Bulk'] } }, vocabulary)
    expect([...only.groups]).toEqual(['Bulk'])
    expect([...only.foldedGroups]).toEqual(['bulk'])
    // The folded vocabulary of another vocabulary is its own.
    const other = normalizeRequest({ principal: P, action: 'EXPORT' }, { groupsOf: new Map([['export', ['x']]]) })
    expect([...other.foldedGroups]).toEqual(['x'])
    expect([...normalizeRequest({ principal: P, action: 'EXPORT' }, vocabulary).foldedGroups].sort()).toEqual(['data_out', 'egress'])
  })

  it('arguments, resource, context, approvals and the action value', () => {
    const n = normalizeRequest({ principal: P, action: { name: 'send', args: [1, 'x'] }, resource: { id: 'r1' }, context: { approvals: ['boss', { approver: 'cfo' }] } }, NONE)
    expect(n.args).toEqual([1, 'x'])
    expect(n.resource).toEqual({ id: 'r1' })
    expect([...n.approvals]).toEqual(['boss', 'cfo'])
    expect(n.actionValue).toEqual({ name: 'send', args: [1, 'x'], groups: [] })
    expect(n.actionValue).toBe(n.actionValue)
    const bare = normalizeRequest({ principal: P, action: 'read' }, NONE)
    expect(bare.resource).toBeUndefined()
    expect(bare.args).toEqual([])
    expect(bare.context).toEqual({})
    expect(Object.isFrozen(bare.context)).toBe(true)
    expect([...bare.approvals]).toEqual([])
    expect(normalizeRequest({ principal: P, action: 'read', resource: {} }, NONE).resource).toEqual({})
  })

  it('request time: context.time.now, else a numeric context.now, else none', () => {
    expect(normalizeRequest({ principal: P, action: 'read', context: { time: { now: 5 } } }, NONE).now).toBe(5)
    expect(normalizeRequest({ principal: P, action: 'read', context: { time: { now: 5 }, now: 9 } }, NONE).now).toBe(5)
    expect(normalizeRequest({ principal: P, action: 'read', context: { now: 9 } }, NONE).now).toBe(9)
    expect(normalizeRequest({ principal: P, action: 'read', context: { now: 'soon' } }, NONE).now).toBeUndefined()
    expect(normalizeRequest({ principal: P, action: 'read', context: { now: Number.POSITIVE_INFINITY } }, NONE).now).toBeUndefined()
    expect(normalizeRequest({ principal: P, action: 'read', context: { time: { zone: 'UTC' } } }, NONE).now).toBeUndefined()
    expect(normalizeRequest({ principal: P, action: 'read' }, NONE).now).toBeUndefined()
  })
})

describe('invalidRequestReason', () => {
  it('names the field, or what reading the request threw, or says it cannot print it', () => {
    expect(invalidRequestReason(new RequestError('principal.id', 'principal.id must be a string'))).toBe('invalid request: principal.id: principal.id must be a string')
    expect(invalidRequestReason(new Error('boom'))).toBe('invalid request: reading it threw: boom')
    expect(invalidRequestReason('plain')).toBe('invalid request: reading it threw: plain')
    const unprintable = { toString: () => { throw new Error('no') } }
    expect(invalidRequestReason(unprintable)).toBe('invalid request: reading it threw: a value that cannot be printed')
  })
})

describe('decision pieces (compiler/decisions.ts)', () => {
  it('the missing-argument error says whether a resource could have stood in', async () => {
    const { missingArgumentError, asEvalError, makeDecision, condition } = await import('../../compiler/decisions.js')
    expect(missingArgumentError(0).message).toBe("the action has no argument 0 and no resource, which the rule's pattern names")
    expect(missingArgumentError(2).message).toBe("the action has no argument 2, which the rule's pattern names")
    expect(missingArgumentError(1).code).toBe('EVAL004')
    // Anything thrown while evaluating becomes an internal error decision, never an exception.
    const { EvalError } = await import('../../stdlib/value.js')
    const original = new EvalError('EVAL101', 'type mismatch')
    expect(asEvalError(original)).toBe(original)
    expect(asEvalError(new RangeError('Maximum call stack size exceeded'))).toMatchObject({ code: 'EVAL005', message: 'evaluation exceeded the stack (input nests too deeply)' })
    expect(asEvalError(new TypeError('x is not a function'))).toMatchObject({ code: 'EVAL005', message: 'internal evaluation error: x is not a function' })
    expect(asEvalError('thrown string')).toMatchObject({ code: 'EVAL005', message: 'internal evaluation error: thrown string' })
    // Decisions carry a trace only when one was asked for; a require_approval with no approver names none.
    expect(makeDecision({ effect: 'allow' }, [], [], 3, undefined)).toEqual({ effect: 'allow', determining: [], errors: [], version: 3 })
    expect(makeDecision({ effect: 'allow' }, [], [], 3, [])).toEqual({ effect: 'allow', determining: [], errors: [], version: 3, trace: [] })
    expect(makeDecision({ effect: 'require_approval', approvers: [] }, [], [], 1, undefined)).toMatchObject({ approver: '', approvers: [] })
    // A condition has a value or modifiers only when it has them.
    expect(condition('obligation', 'encrypt', undefined, [])).toEqual({ kind: 'obligation', name: 'encrypt' })
    expect(condition('obligation', 'retain', 30, ['strict'])).toEqual({ kind: 'obligation', name: 'retain', value: 30, modifiers: ['strict'] })
  })
})
