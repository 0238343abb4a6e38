import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isBlocking, SkillScanner } from '../../../runtime/skills/index.js'

const CORPUS = fileURLToPath(new URL('../../corpus/skills/', import.meta.url))

interface Entry {
  label: 'malicious' | 'benign'
  malicious_lines: number[]
  expected: { rule: string; line: number }[]
}
const manifest = JSON.parse(readFileSync(`${CORPUS}manifest.json`, 'utf8')) as { files: Record<string, Entry> }

describe('skill corpus', () => {
  const onDisk = ['malicious', 'benign'].flatMap((d) => readdirSync(`${CORPUS}${d}`).map((f) => `${d}/${f}`)).sort()

  it('has a manifest entry for every file and at least 15 of each label', () => {
    expect(Object.keys(manifest.files).sort()).toEqual(onDisk)
    expect(onDisk.filter((p) => p.startsWith('malicious/')).length).toBeGreaterThanOrEqual(15)
    expect(onDisk.filter((p) => p.startsWith('benign/')).length).toBeGreaterThanOrEqual(15)
  })

  const scanner = new SkillScanner()
  for (const [path, entry] of Object.entries(manifest.files)) {
    it(`${path} yields exactly the expected findings`, async () => {
      const report = await scanner.scanPath(`${CORPUS}${path}`)
      const got = report.files.flatMap((f) => f.findings.map((x) => ({ rule: x.rule, line: x.line })))
      expect(got).toEqual(entry.expected)
      expect(report.passed).toBe(!got.some((g) => isBlocking(scanner.rules.find((r) => r.name === g.rule)?.severity ?? 'critical')))
    })
  }

  it('refuses most malicious files and passes most benign ones', async () => {
    let tp = 0
    let fp = 0
    for (const [path, entry] of Object.entries(manifest.files)) {
      const blocked = !(await scanner.scanPath(`${CORPUS}${path}`)).passed
      if (blocked && entry.label === 'malicious') tp++
      if (blocked && entry.label === 'benign') fp++
    }
    const malicious = Object.values(manifest.files).filter((e) => e.label === 'malicious').length
    expect(tp / malicious).toBeGreaterThanOrEqual(0.85)
    expect(fp).toBeLessThanOrEqual(1)
  })
})
