/**
 * The JSON text of a served decision, written without a second serialisation by fastify and
 * byte for byte what `JSON.stringify({ ...decision, decisionId, approvalId })` writes. Rule
 * references and the evaluator's shared decisions are deep-frozen objects (null-prototype ones
 * take V8's slow stringify path), so their text is made once and kept beside them.
 */
import type { Decision } from '../stdlib/decision.js'
import type { Served } from './decide.js'

const textOf = new WeakMap<object, string>()

function frozenJson(v: object): string {
  let text = textOf.get(v)
  if (text === undefined) {
    text = JSON.stringify(v)
    textOf.set(v, text)
  }
  return text
}

function refsJson(refs: readonly unknown[]): string {
  let out = '['
  for (let i = 0; i < refs.length; i++) {
    const r = refs[i]
    if (i > 0) out += ','
    out += typeof r === 'object' && r !== null && Object.isFrozen(r) ? frozenJson(r) : (JSON.stringify(r) ?? 'null')
  }
  return `${out}]`
}

/** The decision's own text: its fields in their order, as `JSON.stringify` writes them. */
export function decisionJson(d: Decision): string {
  if (Object.isFrozen(d)) return frozenJson(d)
  let out = ''
  for (const key of Object.keys(d)) {
    const v = (d as unknown as Record<string, unknown>)[key]
    // JSON.stringify leaves out what it cannot write as a property value.
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue
    const text = key === 'determining' && Array.isArray(v) ? refsJson(v) : JSON.stringify(v)
    out += `${out === '' ? '{' : ','}${JSON.stringify(key)}:${text}`
  }
  return out === '' ? '{}' : `${out}}`
}

/** The JSON text of a served decision: the decision's fields, then `decisionId` (and `approvalId`). */
export function servedJson(s: Served): string {
  const json = decisionJson(s.decision)
  const ids = `"decisionId":${JSON.stringify(s.decisionId)}${s.approvalId !== undefined ? `,"approvalId":${JSON.stringify(s.approvalId)}` : ''}`
  return json === '{}' ? `{${ids}}` : `${json.slice(0, -1)},${ids}}`
}
