/**
 * Policy set → the plain data a compiled module embeds (format.ts), including the source map
 * from rules to policy lines.
 */
import { LineIndex } from '../../diagnostics/source-map.js'
import { createFunctionTable } from '../../stdlib/function-table.js'
import type { PolicySet, PolicySource } from '../pipeline.js'
import { COMPILER_VERSION } from '../version.js'
import { collectNumberPatches, COMPILED_FORMAT, type CompiledSetData, type RuleLocation } from './format.js'

/** A set that cannot be embedded in a module (it uses host functions, which are code). */
export class CodegenError extends Error {
  override readonly name = 'CodegenError'
}

/**
 * The embeddable data of a set. `sources` are the texts the set was compiled from (for line
 * numbers); `version` is stamped on decisions, 1 by default like an engine's first load.
 */
export function compiledSetData(set: PolicySet, sources: readonly PolicySource[], version = 1): CompiledSetData {
  const builtins = createFunctionTable()
  const host = [...set.functions.keys()].filter((name) => set.functions.get(name) !== builtins.get(name))
  if (host.length > 0) {
    throw new CodegenError(`host functions cannot be compiled into a module (${host.sort().join(', ')}); use createEngine with the registry instead`)
  }
  if (!Number.isSafeInteger(version) || version <= 0) throw new CodegenError(`version must be a positive integer, got ${version}`)
  const texts = new Map(sources.map((s) => [s.name, new LineIndex(s.source)]))
  const locations: RuleLocation[] = []
  for (const policy of set.checked.policies) {
    for (const rule of policy.rules) {
      const file = policy.file ?? rule.ref.source ?? ''
      const index = texts.get(file)
      const start = index?.position(rule.ref.span.start) ?? { line: 0, column: 0 }
      const end = index?.position(rule.ref.span.end) ?? { line: 0, column: 0 }
      locations.push({ policy: rule.ref.policy, rule: rule.ref.rule, kind: rule.ref.kind, file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column })
    }
  }
  // Ladder names come from schemas and embedders: a null prototype keeps `__proto__` a key.
  const ladders: Record<string, readonly string[]> = Object.create(null) as Record<string, readonly string[]>
  for (const [name, rungs] of set.ladders.byName) if (name !== 'classification') ladders[name] = rungs
  const base = {
    format: COMPILED_FORMAT,
    compilerVersion: COMPILER_VERSION,
    hash: set.hash,
    version,
    policies: set.checked.policies,
    groups: [...set.checked.vocabulary.groupsOf].map(([name, groups]) => [name, [...groups]] as const),
    ladders,
    limits: set.limits,
    numbers: [],
    sources: locations,
  }
  return { ...base, numbers: collectNumberPatches(base) }
}
