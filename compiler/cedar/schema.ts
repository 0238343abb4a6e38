/**
 * Our context schema → a Cedar JSON schema: principals are `Agent` entities, resources
 * `Resource` entities (each with its `id` attribute), every action and group named in the
 * schema or in a pattern is an action, groups are the `memberOf` parents of their actions.
 */
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js'
import type { ActionPattern, CheckedSet } from '../checked.js'
import type { Schema, SchemaType } from '../schema.js'
import { CEDAR } from './codes.js'

/** Entity type of principals without a `type`. */
export const DEFAULT_PRINCIPAL_TYPE = 'Agent'
/** Entity type of resources without a `type`. */
export const DEFAULT_RESOURCE_TYPE = 'Resource'

type CedarType = Record<string, unknown>

/** Builds the Cedar schema (JSON text, keys in a stable order). */
export function emitCedarSchema(schema: Schema, checked: CheckedSet): { text: string; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const note = (path: string): void => {
    diagnostics.push(diagnostic(CEDAR.schemaType, 'warning', `schema type \`any\` at ${path} has no Cedar counterpart; the attribute is left out of the Cedar schema`, { start: 0, end: 0 }))
  }
  const entityShape = (t: SchemaType, path: string): CedarType => {
    const attributes: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, { id: { type: 'String' } })
    if (t.kind === 'record') {
      for (const [k, v] of sorted(t.fields)) {
        if (k === 'id') continue
        const c = cedarType(v, `${path}.${k}`, note)
        if (c !== undefined) attributes[k] = c
      }
    }
    return { type: 'Record', attributes }
  }
  const contextAttrs: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const [k, v] of sorted(schema.context)) {
    const c = cedarType(v, `context.${k}`, note)
    if (c !== undefined) contextAttrs[k] = c
  }
  // The folded names the request mapping adds (request-mapping.ts FOLD_KEY); optional, so requests
  // built without our mapping still validate (folding rules then match exact names only).
  contextAttrs['symbi_fold'] = {
    type: 'Record', required: false,
    attributes: { action: { type: 'String' }, groups: { type: 'Set', element: { type: 'String' } }, principal: { type: 'String' }, channel: { type: 'String', required: false } },
  }
  const actionNames = new Set<string>(schema.actions.keys())
  const groups = new Set<string>()
  for (const gs of schema.actions.values()) for (const g of gs) groups.add(g)
  for (const p of checked.policies) for (const r of p.rules) for (const pat of [...r.patterns, ...(r.scope ?? [])]) collectNames(pat, actionNames)
  const actions: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (const name of [...new Set([...actionNames, ...groups])].sort()) {
    const entry: Record<string, unknown> = {}
    const memberOf = schema.actions.get(name)
    if (memberOf !== undefined && memberOf.length > 0) entry['memberOf'] = [...memberOf].sort().map((id) => ({ id }))
    if (!groups.has(name) || actionNames.has(name)) {
      entry['appliesTo'] = { principalTypes: [DEFAULT_PRINCIPAL_TYPE], resourceTypes: [DEFAULT_RESOURCE_TYPE], context: { type: 'Record', attributes: contextAttrs } }
    }
    actions[name] = entry
  }
  const json = {
    '': {
      entityTypes: {
        [DEFAULT_PRINCIPAL_TYPE]: { shape: entityShape(schema.principal, 'principal') },
        [DEFAULT_RESOURCE_TYPE]: { shape: entityShape(schema.resource, 'resource') },
      },
      actions,
    },
  }
  return { text: `${JSON.stringify(json, null, 2)}\n`, diagnostics }
}

function cedarType(t: SchemaType, path: string, note: (path: string) => void): CedarType | undefined {
  switch (t.kind) {
    case 'string':
      return { type: 'String' }
    case 'number':
      return { type: 'Long' }
    case 'boolean':
      return { type: 'Boolean' }
    case 'duration':
      return { type: 'Extension', name: 'duration' }
    case 'any':
      note(path)
      return undefined
    case 'array': {
      const element = cedarType(t.element, `${path}[]`, note)
      return element === undefined ? undefined : { type: 'Set', element }
    }
    case 'record': {
      // Attribute and action names come from the schema: null prototypes keep `__proto__` a key.
      const attributes: Record<string, unknown> = Object.create(null) as Record<string, unknown>
      for (const [k, v] of sorted(t.fields)) {
        const c = cedarType(v, `${path}.${k}`, note)
        if (c !== undefined) attributes[k] = c
      }
      return { type: 'Record', attributes }
    }
  }
}

function sorted<V>(m: ReadonlyMap<string, V>): [string, V][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function collectNames(p: ActionPattern, out: Set<string>): void {
  if (p.kind === 'name') out.add(p.name)
  else if (p.kind === 'call') collectNames(p.verb, out)
}
