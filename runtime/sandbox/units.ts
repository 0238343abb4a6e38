import { SandboxConfigError } from './errors.js'

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 }

/** Reads a size: a byte count, or `512m`, `64k`, `1g` (binary units, as Docker reads them). */
export function parseSize(value: number | string, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new SandboxConfigError(field, `must be a non-negative byte count, got ${value}`)
    return value
  }
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value) : null
  const unit = m?.[2]?.toLowerCase() ?? ''
  const factor = Object.hasOwn(SIZE_UNITS, unit) ? SIZE_UNITS[unit] : undefined
  if (m === null || factor === undefined) throw new SandboxConfigError(field, `not a size (e.g. 512m, 64k, 1g): ${JSON.stringify(value)}`)
  return Number(m[1]) * factor
}

const TIME_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** Reads a duration: milliseconds, or `500ms`, `30s`, `2m`, `1h`. */
export function parseDurationMs(value: number | string, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new SandboxConfigError(field, `must be a non-negative number of milliseconds, got ${value}`)
    return value
  }
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/i.exec(value) : null
  const factor = m?.[2] === undefined ? undefined : TIME_UNITS[m[2].toLowerCase()]
  if (m === null || factor === undefined) throw new SandboxConfigError(field, `not a duration (e.g. 500ms, 30s, 2m): ${JSON.stringify(value)}`)
  return Number(m[1]) * factor
}
