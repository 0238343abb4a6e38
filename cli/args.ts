import { UsageError } from './io.js'

/** Declares the options of one command: flags (boolean) and options (taking a value). */
export interface ArgSpec {
  readonly flags?: readonly string[]
  readonly options?: readonly string[]
  /** Options that may be given more than once. */
  readonly repeatable?: readonly string[]
  /**
   * What follows `--`: by default more positionals (`check -- -odd-name.policy`), for
   * `sandbox run` the command to run (kept apart in `rest`).
   */
  readonly restIsCommand?: boolean
}

/** Parsed arguments. */
export interface ParsedArgs {
  readonly flags: ReadonlySet<string>
  readonly options: ReadonlyMap<string, string>
  readonly repeated: ReadonlyMap<string, readonly string[]>
  readonly positionals: readonly string[]
  /** Everything after a bare `--`. */
  readonly rest: readonly string[]
}

/**
 * A small strict parser: unknown options are usage errors (exit 2), `--opt=value` and
 * `--opt value` are both accepted, `--` ends options.
 */
export function parseArgs(args: readonly string[], spec: ArgSpec): ParsedArgs {
  const flags = new Set<string>()
  const options = new Map<string, string>()
  const repeated = new Map<string, string[]>()
  const positionals: string[] = []
  const known = new Set([...(spec.flags ?? []), ...(spec.options ?? []), ...(spec.repeatable ?? [])])
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    if (a === '--') {
      const rest = args.slice(i + 1)
      if (spec.restIsCommand !== true) positionals.push(...rest)
      return { flags, options, repeated, positionals, rest: spec.restIsCommand === true ? rest : [] }
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a)
      continue
    }
    const eq = a.indexOf('=')
    const name = eq >= 0 ? a.slice(0, eq) : a
    if (!known.has(name)) throw new UsageError(`unknown option '${name}'`)
    if (spec.flags?.includes(name)) {
      if (eq >= 0) throw new UsageError(`option '${name}' takes no value`)
      flags.add(name)
      continue
    }
    let value: string
    if (eq >= 0) value = a.slice(eq + 1)
    else {
      const next = args[i + 1]
      if (next === undefined) throw new UsageError(`option '${name}' needs a value`)
      value = next
      i++
    }
    if (spec.repeatable?.includes(name)) {
      const list = repeated.get(name) ?? []
      list.push(value)
      repeated.set(name, list)
    } else options.set(name, value)
  }
  return { flags, options, repeated, positionals, rest: [] }
}
