import { describe, expect, it } from 'vitest'
import { createEngine } from '../../index.js'
import { checkValue } from '../../stdlib/check-value.js'
import { DEFAULT_LIMITS } from '../../stdlib/limits.js'

function message(v: unknown): string {
  try {
    checkValue(v, DEFAULT_LIMITS, 'user')
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
  return 'ok'
}

describe('checkValue names one place whatever the key order', () => {
  it('the first bad place in sorted key order, for every order of the same record', () => {
    const orders = [
      { tags: undefined, role: 'admin', scores: undefined },
      { scores: undefined, role: 'admin', tags: undefined },
      { role: 'admin', scores: undefined, tags: undefined },
    ]
    expect(orders.map(message)).toEqual(Array(3).fill('user.scores is undefined, not a policy value'))
    expect(message({ b: { y: NaN, x: [1, () => 1] }, a: 1 })).toBe('user.b.x[1] is a function, not a policy value')
  })

  it('a decision cache cannot serve one ordering the message of another (found by the cache property)', () => {
    const source = 'policy p { require: doc.size > 0 if "level" in user\n allow: read if true }'
    const cached = createEngine({ decisionCache: true })
    const plain = createEngine()
    for (const e of [cached, plain]) expect(e.load([{ name: 'p.policy', source }]).ok).toBe(true)
    const a = { principal: { id: 'x' }, action: 'read', context: { doc: { size: 1 }, user: { tags: undefined, scores: undefined } } }
    const b = { principal: { id: 'x' }, action: 'read', context: { doc: { size: 1 }, user: { scores: undefined, tags: undefined } } }
    expect(JSON.stringify(cached.evaluate(a))).toBe(JSON.stringify(plain.evaluate(a)))
    expect(JSON.stringify(cached.evaluate(b))).toBe(JSON.stringify(plain.evaluate(b)))
    expect(plain.evaluate(b)).toMatchObject({ effect: 'deny', reason: expect.stringContaining('.scores is undefined') })
  })

  it('data that fails once and passes when walked again is still refused', () => {
    let calls = 0
    const flip = Object.defineProperty({}, 'a', { enumerable: true, get: () => (calls++ === 0 ? undefined : 1) })
    expect(message(flip)).toBe('user.a is undefined, not a policy value')
  })
})
