import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

interface ExportEntry {
  types: string
  default: string
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, ExportEntry | string>
  bin: Record<string, string>
  type: string
  sideEffects: boolean
}

// `npm test` builds first, so dist/ exists; these tests check the published surface resolves.
describe('package exports', () => {
  const entries = Object.entries(pkg.exports).filter(([k]) => k !== './package.json')

  it('is ESM without side effects and names the six public entry points', () => {
    expect(pkg.type).toBe('module')
    expect(pkg.sideEffects).toBe(false)
    expect(entries.map(([k]) => k).sort()).toEqual(['.', './cedar', './compiler', './runtime', './server', './testing'])
  })

  it.each(entries)('%s lists types first and both files exist', (_name, entry) => {
    expect(typeof entry).toBe('object')
    const e = entry as ExportEntry
    expect(Object.keys(e)[0]).toBe('types')
    expect(existsSync(new URL(`../../${e.types}`, import.meta.url))).toBe(true)
    expect(existsSync(new URL(`../../${e.default}`, import.meta.url))).toBe(true)
  })

  it.each(entries)('%s imports and exports something', async (_name, entry) => {
    const mod = (await import(new URL(`../../${(entry as ExportEntry).default}`, import.meta.url).href)) as Record<string, unknown>
    expect(Object.keys(mod).length).toBeGreaterThan(0)
  })

  it('has an executable bin', () => {
    const bin = pkg.bin['symbi-policy'] as string
    const text = readFileSync(new URL(`../../${bin}`, import.meta.url), 'utf8')
    expect(text.startsWith('#!/usr/bin/env node')).toBe(true)
  })
})
