import { readFileSync } from 'node:fs'
import { parseFramework, FrameworkError, type Framework } from './framework.js'

export const BUILT_IN_FRAMEWORKS = ['hipaa', 'gdpr', 'sox'] as const

/** A built-in framework by name, or a framework file by path. */
export function loadFramework(nameOrPath: string): Framework {
  const builtIn = (BUILT_IN_FRAMEWORKS as readonly string[]).includes(nameOrPath)
  // Built-ins ship as JSON beside this module (copied into dist by the build).
  const url = builtIn ? new URL(`./frameworks/${nameOrPath}.json`, import.meta.url) : undefined
  let text: string
  try {
    text = readFileSync(url ?? nameOrPath, 'utf8')
  } catch (e) {
    throw new FrameworkError(`framework '${nameOrPath}' cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)} (built-in: ${BUILT_IN_FRAMEWORKS.join(', ')})`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new FrameworkError(`framework '${nameOrPath}' is not JSON: ${e instanceof Error ? e.message : String(e)}`)
  }
  return parseFramework(json)
}
