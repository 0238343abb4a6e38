import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import type { CliIO } from '../../cli/io.js'
import { main } from '../../cli/main.js'
import { openAuditLog } from '../../runtime/audit/open.js'

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'symbi-report-browser-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the compliance report in headless Chromium', () => {
  it('renders the checks and three charts with JavaScript disabled, and is screenshotted', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run .ci/setup-chromium.sh (or set CHROMIUM_PATH)`)
    const { privateKey } = generateKeyPairSync('ed25519')
    // Three days of decisions and events (the trail's clock is moved), so the charts have bars.
    const day = 86_400_000
    let now = Date.UTC(2026, 10, 1, 9)
    const trail = await openAuditLog(join(dir, 'audit.log'), { signingKey: privateKey, mode: 'checkpoint', clock: () => now })
    for (let d = 0; d < 3; d++) {
      for (let i = 0; i < 10 + d * 5; i++) await trail.append({ agentId: `dr-${i % 3}`, type: 'policy_decision', details: { principal: `dr-${i % 3}`, action: 'read', effect: i % 4 === 0 ? 'deny' : 'allow', classification: 'phi' } })
      await trail.append({ agentId: 'x', type: 'security_event', details: { severity: d === 2 ? 'critical' : 'warning', category: 'policy_violation', description: 'd' } })
      now += day
    }
    await trail.close()
    let out = ''
    const io: CliIO = { out: (t) => void (out += t), err: (t) => void (out += t), readStdin: async () => '', env: {}, cwd: dir }
    expect(await main(['report', '--framework', 'hipaa', '--audit-log', 'audit.log', '--retention-days', '2200', '-o', 'report'], io)).toBe(0)

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
    try {
      const page = await browser.newPage({ javaScriptEnabled: false, viewport: { width: 1000, height: 900 } })
      const errors: string[] = []
      page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())))
      page.on('request', (r) => void (!r.url().startsWith('file:') && errors.push(`request to ${r.url()}`)))
      await page.goto(pathToFileURL(join(dir, 'report.html')).href)
      expect(await page.locator('[data-testid="summary"]').innerText()).toMatch(/^4 of 4 checks passed · \d+ audit records/)
      expect(await page.locator('[data-testid="checks"] tr').count()).toBe(4)
      expect(await page.locator('.charts svg').first().innerHTML()).toContain('2026-11-03')
      const charts = page.locator('.charts svg')
      expect(await charts.count()).toBe(3)
      const box = await charts.first().boundingBox()
      expect(box?.width ?? 0).toBeGreaterThan(300)
      expect(await page.locator('.charts svg').first().innerHTML()).toContain('Decisions per day')
      mkdirSync(ARTIFACTS, { recursive: true })
      await page.screenshot({ path: join(ARTIFACTS, 'compliance-report.png'), fullPage: true })
      expect(errors).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)
})
