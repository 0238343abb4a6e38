/**
 * The data format a compiled JavaScript module embeds: the checked policy set and the resolved
 * environment as plain JSON, plus a source map from rules back to policy lines. The generator
 * (compiler/codegen) writes it and the runtime (runtime/compiled-module.ts) reads it, so this
 * file imports nothing but types and is safe to load without the parser.
 */
import type { Limits } from '../../stdlib/limits.js'
import type { CheckedPolicy } from '../checked.js'

/** Bumped whenever the embedded data changes shape; the runtime refuses formats it does not know. */
// 2: policies carry their agent/channel `scope` (SEMANTICS.md §6). A format-1 runtime would ignore
// it and let an agent's allows grant everyone, so the number changes and old runtimes refuse.
export const COMPILED_FORMAT = 2

/** Where one rule was written, for mapping decisions back to policy lines. */
export interface RuleLocation {
  /** Policy name. */
  readonly policy: string
  /** Index of the rule within its policy, 0-based (as in `DeterminingRule.rule`). */
  readonly rule: number
  /** Rule kind. */
  readonly kind: 'allow' | 'deny' | 'require' | 'audit'
  /** Policy file as it was named at compile time. */
  readonly file: string
  /** 1-based line of the rule's first character. */
  readonly line: number
  /** 1-based column (UTF-16 units) of the rule's first character. */
  readonly column: number
  /** 1-based line just after the rule's last character. */
  readonly endLine: number
  /** 1-based column just after the rule's last character. */
  readonly endColumn: number
}

/** A number JSON cannot carry, and where it sits in the data. */
export type NumberPatch = readonly [path: readonly (string | number)[], value: 'NaN' | 'Infinity' | '-Infinity' | '-0']

/** Everything a compiled module embeds. */
export interface CompiledSetData {
  /** Always `COMPILED_FORMAT` of the writer. */
  readonly format: number
  /** Compiler version that produced it. */
  readonly compilerVersion: string
  /** Content hash of the policy set (as `PolicySet.hash`). */
  readonly hash: string
  /** Policy-set version stamped on decisions. */
  readonly version: number
  /** The checked policies, guards as IR. */
  readonly policies: readonly CheckedPolicy[]
  /** The action vocabulary: groups by action name. */
  readonly groups: readonly (readonly [string, readonly string[]])[]
  /** Ladders besides the built-in classification ladder. */
  readonly ladders: Readonly<Record<string, readonly string[]>>
  /** Resolved limits. */
  readonly limits: Limits
  /** Numbers JSON cannot represent, restored after parsing. */
  readonly numbers: readonly NumberPatch[]
  /** One entry per rule, in set order. */
  readonly sources: readonly RuleLocation[]
}

function special(n: number): NumberPatch[1] | undefined {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return 'Infinity'
  if (n === -Infinity) return '-Infinity'
  if (Object.is(n, -0)) return '-0'
  return undefined
}

/**
 * Lists every number in `v` that `JSON.stringify` would lose (NaN, ±Infinity, -0), so a
 * literal such as `1e999` in a guard survives the trip through the embedded JSON.
 */
export function collectNumberPatches(v: unknown, path: (string | number)[] = [], out: NumberPatch[] = []): NumberPatch[] {
  if (typeof v === 'number') {
    const s = special(v)
    if (s !== undefined) out.push([[...path], s])
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => collectNumberPatches(x, [...path, i], out))
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (x !== undefined) collectNumberPatches(x, [...path, k], out)
  }
  return out
}

const SPECIAL_VALUES: Readonly<Record<NumberPatch[1], number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 }

/** Writes the patched numbers back into freshly parsed data; a path that does not lead to a number is an error. */
export function applyNumberPatches(data: unknown, patches: readonly NumberPatch[]): void {
  for (const [path, value] of patches) {
    if (path.length === 0 || !Object.hasOwn(SPECIAL_VALUES, value)) throw new Error('compiled policy data: malformed number patch')
    let cur: unknown = data
    for (const key of path.slice(0, -1)) {
      if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, key)) throw new Error(`compiled policy data: number patch path ${path.join('.')} does not exist`)
      cur = (cur as Record<string | number, unknown>)[key]
    }
    const last = path[path.length - 1] as string | number
    if (cur === null || typeof cur !== 'object' || (cur as Record<string | number, unknown>)[last] !== null) {
      // JSON.stringify wrote these numbers as null; anything else means the data was altered.
      throw new Error(`compiled policy data: number patch path ${path.join('.')} does not hold a placeholder`)
    }
    ;(cur as Record<string | number, unknown>)[last] = SPECIAL_VALUES[value]
  }
}

/** JSON text of the data with every patched number written as `null` (the placeholder the patch replaces). */
export function toJsonText(data: CompiledSetData): string {
  return JSON.stringify(data, (_key, v: unknown) => (typeof v === 'number' && special(v) !== undefined ? null : v))
}
