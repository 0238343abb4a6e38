/**
 * Policy test files (`*.test.json`, documented in docs/testing.md): which policies to load,
 * an optional schema, example cases and properties.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { validateExpectation, type Expectation } from './expectation.js'
import { readRegularFileSync } from '../runtime/regular-file.js'
import type { Constraints } from './constraints.js'

/** The suffix that marks a policy test file. */
export const TEST_FILE_SUFFIX = '.test.json'
const POLICY_EXTENSIONS = ['.policy', '.symbi']

/** One example: a request and what its decision must satisfy. */
export interface PolicyTestCase {
  /** Shown in reports. */
  readonly name: string
  /** The request, as `eval --request` takes it. */
  readonly request: unknown
  /** What the decision must satisfy. */
  readonly expect: Expectation
}

/** A property: every request the constraints allow must get a decision satisfying `expect`. */
export interface PolicyProperty {
  /** Shown in reports. */
  readonly name: string
  /** Request paths fixed or narrowed by the property (see testing/constraints.ts). */
  readonly given: Constraints
  /** What every decision must satisfy. */
  readonly expect: Expectation
  /** Generated requests to try (default: the runner's `runs`). */
  readonly runs?: number
}

/** A parsed test file with paths resolved. */
export interface PolicyTestFile {
  /** Absolute path of the test file. */
  readonly path: string
  /** Absolute paths of the policy files to load, in order. */
  readonly policies: readonly string[]
  /** Parsed schema JSON, when the file names or embeds one. */
  readonly schema?: unknown
  /** Example cases. */
  readonly cases: readonly PolicyTestCase[]
  /** Properties. */
  readonly properties: readonly PolicyProperty[]
}

/** A test file that cannot be used, with every problem found. */
export class TestFileError extends Error {
  override readonly name = 'TestFileError'
  constructor(
    /** The test file. */
    readonly file: string,
    /** What is wrong, one message per problem. */
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}`)
  }
}

const TOP = new Set(['$schema', 'description', 'policies', 'schema', 'cases', 'properties'])

function policyFilesIn(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) out.push(...policyFilesIn(full))
    else if (POLICY_EXTENSIONS.some((e) => name.endsWith(e))) out.push(full)
  }
  return out
}

function readJsonFile(path: string, what: string, problems: string[]): unknown {
  try {
    return JSON.parse(readRegularFileSync(path)) as unknown
  } catch (e) {
    problems.push(`cannot read ${what} '${path}': ${e instanceof Error ? e.message : String(e)}`)
    return undefined
  }
}

/** Reads and validates a test file; throws `TestFileError` listing every problem. */
export function readTestFile(path: string): PolicyTestFile {
  const file = resolve(path)
  const dir = dirname(file)
  const problems: string[] = []
  const json = readJsonFile(file, 'test file', problems)
  if (problems.length > 0) throw new TestFileError(path, problems)
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new TestFileError(path, ['a test file is a JSON object with policies, cases and properties'])
  const t = json as Record<string, unknown>
  for (const k of Object.keys(t)) if (!TOP.has(k)) problems.push(`unknown field '${k}' (expected ${[...TOP].join(', ')})`)

  let policies: string[] = []
  const p = t['policies']
  if (p === undefined) {
    // Default: the policy file next to the test with the same base name.
    const base = basename(file, TEST_FILE_SUFFIX)
    const found = POLICY_EXTENSIONS.map((e) => join(dir, base + e)).find((f) => existsSync(f))
    if (found === undefined) problems.push(`no 'policies' given and no ${base}.policy or ${base}.symbi next to the test file`)
    else policies = [found]
  } else if (!Array.isArray(p) || p.length === 0 || p.some((x) => typeof x !== 'string')) problems.push("'policies' must be a non-empty array of file or directory paths")
  else {
    for (const rel of p as string[]) {
      const full = resolve(dir, rel)
      if (!existsSync(full)) problems.push(`policies: '${rel}' does not exist (relative to ${dir})`)
      else if (statSync(full).isDirectory()) policies.push(...policyFilesIn(full))
      else policies.push(full)
    }
    if (problems.length === 0 && policies.length === 0) problems.push("'policies' names no .policy or .symbi file")
  }

  let schema: unknown
  const s = t['schema']
  if (typeof s === 'string') schema = readJsonFile(resolve(dir, s), 'schema', problems)
  else if (s !== undefined && (s === null || typeof s !== 'object' || Array.isArray(s))) problems.push("'schema' must be a path to a JSON schema file or an inline schema object")
  else schema = s

  const cases: PolicyTestCase[] = []
  const rawCases = t['cases'] ?? []
  if (!Array.isArray(rawCases)) problems.push("'cases' must be an array")
  else rawCases.forEach((c: unknown, i) => {
    const where = `cases[${i}]`
    if (c === null || typeof c !== 'object' || Array.isArray(c)) return void problems.push(`${where}: must be an object with name, request and expect`)
    const r = c as Record<string, unknown>
    for (const k of Object.keys(r)) if (!['name', 'request', 'expect'].includes(k)) problems.push(`${where}: unknown field '${k}'`)
    if (r['request'] === undefined) problems.push(`${where}: missing 'request'`)
    problems.push(...validateExpectation(r['expect'], `${where}.expect`))
    cases.push({ name: typeof r['name'] === 'string' ? r['name'] : where, request: r['request'], expect: r['expect'] as Expectation })
  })

  const properties: PolicyProperty[] = []
  const rawProps = t['properties'] ?? []
  if (!Array.isArray(rawProps)) problems.push("'properties' must be an array")
  else rawProps.forEach((c: unknown, i) => {
    const where = `properties[${i}]`
    if (c === null || typeof c !== 'object' || Array.isArray(c)) return void problems.push(`${where}: must be an object with name, given and expect`)
    const r = c as Record<string, unknown>
    for (const k of Object.keys(r)) if (!['name', 'given', 'expect', 'runs'].includes(k)) problems.push(`${where}: unknown field '${k}'`)
    const given = r['given'] ?? {}
    if (given === null || typeof given !== 'object' || Array.isArray(given)) problems.push(`${where}.given: must be an object of request paths to values`)
    const runs = r['runs']
    if (runs !== undefined && (typeof runs !== 'number' || !Number.isSafeInteger(runs) || runs <= 0)) problems.push(`${where}.runs: must be a positive integer`)
    problems.push(...validateExpectation(r['expect'], `${where}.expect`))
    const prop = { name: typeof r['name'] === 'string' ? r['name'] : where, given: given as Constraints, expect: r['expect'] as Expectation }
    properties.push(typeof runs === 'number' ? { ...prop, runs } : prop)
  })
  if (cases.length === 0 && properties.length === 0 && problems.length === 0) problems.push('the file has no cases and no properties')
  if (problems.length > 0) throw new TestFileError(path, problems)
  return schema === undefined ? { path: file, policies, cases, properties } : { path: file, policies, schema, cases, properties }
}

/** Expands files and directories into test files (directories: every `*.test.json` below, sorted). */
export function findTestFiles(inputs: readonly string[], cwd: string = process.cwd()): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue
      const full = join(d, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (name.endsWith(TEST_FILE_SUFFIX)) out.push(full)
    }
  }
  for (const input of inputs) {
    const full = resolve(cwd, input)
    if (!existsSync(full)) throw new TestFileError(input, ['no such file or directory'])
    if (statSync(full).isDirectory()) walk(full)
    else out.push(full)
  }
  return out
}
