import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngine } from '../../index.js'

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))
const EXAMPLES = new URL('../../examples/', import.meta.url)
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

let server: ChildProcess
let base: string
let browser: Browser

beforeAll(async () => {
  // Never a skip: without Chromium this suite fails and says how to install it.
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run .ci/setup-chromium.sh (or set CHROMIUM_PATH)`)
  server = spawn(process.execPath, [CLI, 'playground', '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] })
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('playground did not start')), 10_000)
    server.stdout?.on('data', (b: Buffer) => {
      const m = /http:\/\/\S+\//.exec(b.toString())
      if (m) (clearTimeout(timer), resolve(m[0]))
    })
  })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  server?.kill('SIGTERM')
})

async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } })
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(e.message))
  // Every request must stay on the playground's own origin (no network beyond loopback).
  page.on('request', (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith('data:')) errors.push(`request to ${r.url()}`)
  })
  await page.goto(url)
  await page.waitForSelector('body[data-ready="true"]')
  return { page, errors }
}

const examples = readdirSync(EXAMPLES).filter((f) => /\.(policy|symbi)$/.test(f)).sort()

describe('the playground in headless Chromium', () => {
  it('evaluates each seed example’s first test case to the library’s decision, with no console errors', async () => {
    const { page, errors } = await openPage(base)
    expect(await page.locator('[data-testid="example-picker"] option').allTextContents()).toEqual(examples)
    for (const file of examples) {
      await page.selectOption('[data-testid="example-picker"]', file)
      await page.click('[data-testid="evaluate"]')
      const shown = JSON.parse(await page.locator('[data-testid="decision"]').innerText()) as unknown
      const test = JSON.parse(readFileSync(new URL(file.replace(/\.(policy|symbi)$/, '.test.json'), EXAMPLES), 'utf8')) as { schema?: unknown; cases: { request: never }[] }
      const engine = createEngine(test.schema === undefined ? {} : { schema: test.schema })
      expect(engine.load([{ name: 'playground.policy', source: readFileSync(new URL(file, EXAMPLES), 'utf8') }]).ok).toBe(true)
      const expected = JSON.parse(JSON.stringify(engine.evaluate(test.cases[0]?.request as never))) as unknown
      expect(shown, file).toEqual(expected)
      // The determining rules are marked in the policy, and the cases run in the page.
      if ((expected as { determining: unknown[] }).determining.length > 0) expect(await page.locator('.cm-determining').count(), file).toBeGreaterThan(0)
      await page.click('[data-testid="run-tests"]')
      const summary = await page.locator('[data-testid="test-summary"]').textContent()
      expect(summary, file).toBe(`${test.cases.length} of ${test.cases.length} passed`)
    }
    await page.selectOption('[data-testid="example-picker"]', 'secure_data_access.policy')
    await page.click('[data-testid="evaluate"]')
    await page.click('[data-testid="run-tests"]')
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}playground-decision.png` })
    expect(errors).toEqual([])
    await page.close()
  }, 60_000)

  it('shows a squiggle and a diagnostic at the right line for an error, and a link reproduces the state', async () => {
    const { page, errors } = await openPage(base)
    await page.selectOption('[data-testid="example-picker"]', 'secure_data_access.policy')
    const lines = readFileSync(new URL('secure_data_access.policy', EXAMPLES), 'utf8').split('\n').length
    await page.click('[data-testid="policy-editor"] .cm-content')
    await page.keyboard.press('Control+End')
    await page.keyboard.type('\npolicy broken { allow: read if context.a and context.b }')
    await page.waitForSelector('[data-testid="policy-editor"] .cm-lintRange-error')
    const diagnostics = page.locator('[data-testid="diagnostics"]')
    await expect.poll(() => diagnostics.innerText()).toContain('PARSE005')
    const text = await diagnostics.innerText()
    expect(text).toMatch(new RegExp(`^${lines + 1}:\\d+ error\\[PARSE005\\]: \`and\` is not an operator`, 'm'))
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}playground.png`, fullPage: true })

    await expect.poll(() => page.url()).toMatch(/#s=[A-Za-z0-9_-]+$/)
    await page.waitForTimeout(400)
    const link = page.url()
    const again = await openPage(link)
    await again.page.waitForSelector('[data-testid="policy-editor"] .cm-lintRange-error')
    await expect.poll(() => again.page.locator('[data-testid="diagnostics"]').innerText()).toBe(text)
    expect(await again.page.inputValue('[data-testid="example-picker"]')).toBe('secure_data_access.policy')
    expect([...errors, ...again.errors]).toEqual([])
    await page.close()
    await again.page.close()
  }, 60_000)

  it('serves only its own files', async () => {
    for (const path of ['../package.json', 'meta.json', '%2e%2e/package.json', 'app.js.map']) {
      const r = await fetch(`${base}${path}`)
      expect(r.status, path).toBe(404)
    }
    const page = await fetch(base)
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'none'")
  })
})
