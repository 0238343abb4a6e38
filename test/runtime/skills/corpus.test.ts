import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isBlocking, SkillScanner } from '../../../runtime/skills/index.js'

const CORPUS = fileURLToPath(new URL('../../corpus/skills/', import.meta.url))
/** Written before the disguise normaliser and never tuned on (test/corpus/skills-heldout/README.md). */
const HELDOUT = fileURLToPath(new URL('../../corpus/skills-heldout/', import.meta.url))

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

  it('reports precision and recall on the tuning half and on the held-out half, each above a floor', async () => {
    const score = async (root: string, labels: Record<string, 'malicious' | 'benign'>): Promise<{ precision: number; recall: number; tp: number; fp: number; fn: number }> => {
      let tp = 0
      let fp = 0
      let fn = 0
      for (const [path, label] of Object.entries(labels)) {
        const blocked = !(await scanner.scanPath(`${root}${path}`)).passed
        if (blocked && label === 'malicious') tp++
        if (blocked && label === 'benign') fp++
        if (!blocked && label === 'malicious') fn++
      }
      return { precision: tp / Math.max(1, tp + fp), recall: tp / Math.max(1, tp + fn), tp, fp, fn }
    }
    const tuning = await score(CORPUS, Object.fromEntries(Object.entries(manifest.files).map(([p, e]) => [p, e.label])))
    const heldManifest = JSON.parse(readFileSync(`${HELDOUT}manifest.json`, 'utf8')) as { files: Record<string, { label: 'malicious' | 'benign' }> }
    const heldOnDisk = ['malicious', 'benign'].flatMap((d) => readdirSync(`${HELDOUT}${d}`).map((f) => `${d}/${f}`)).sort()
    expect(Object.keys(heldManifest.files).sort()).toEqual(heldOnDisk)
    const heldout = await score(HELDOUT, Object.fromEntries(Object.entries(heldManifest.files).map(([p, e]) => [p, e.label])))
    console.info(`skill corpus: tuning precision ${tuning.precision.toFixed(3)} recall ${tuning.recall.toFixed(3)} (tp ${tuning.tp}, fp ${tuning.fp}, fn ${tuning.fn}); held-out precision ${heldout.precision.toFixed(3)} recall ${heldout.recall.toFixed(3)} (tp ${heldout.tp}, fp ${heldout.fp}, fn ${heldout.fn})`)
    expect(tuning.precision).toBeGreaterThanOrEqual(0.9)
    expect(tuning.recall).toBeGreaterThanOrEqual(0.85)
    expect(heldout.precision).toBeGreaterThanOrEqual(0.9)
    expect(heldout.recall).toBeGreaterThanOrEqual(0.8)
  })

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
