/**
 * Containment survives a restart. Suspensions: a monitor on a file store suspends an agent, a new monitor on
 * the same file (the process restarted) still denies it at an enforcement point, and only an
 * audited resume lifts it. A damaged file refuses to open rather than lift every suspension, and
 * a store that cannot write keeps the agent suspended. Quarantined skills, likewise, in the
 * skill gate's quarantine file.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createEngine } from '../../../index.js'
import type { AuditInput } from '../../../runtime/audit-sink.js'
import { Enforcer, ForbiddenError, guardResourceAccess } from '../../../runtime/enforce/index.js'
import { FileSuspensionStore, SecurityMonitor } from '../../../runtime/events/index.js'
import { SkillGate, SkillScanner } from '../../../runtime/skills/index.js'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'symbi-susp-'))
  dirs.push(d)
  return d
}

function enforcerWith(monitor: SecurityMonitor): Enforcer {
  const engine = createEngine()
  expect(engine.load([{ name: 'files.policy', source: 'policy files {\n  allow: read\n}\n' }]).ok).toBe(true)
  return new Enforcer({ decider: engine, security: monitor, audit: { append: async () => undefined } })
}

const read = async (e: Enforcer, agent: string) => (await guardResourceAccess(e, { principal: { id: agent }, operation: 'read', kind: 'file', resource: '/tmp/x' }, () => 'contents')).value

async function refusal(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  )
  expect(e).toBeInstanceOf(ForbiddenError)
  return (e as ForbiddenError).message
}

describe('suspensions in a file store', () => {
  it('a restart does not lift a suspension; an audited resume does, and that survives a restart too', async () => {
    const path = join(tempDir(), 'suspensions.json')
    const recorded: AuditInput[] = []
    const audit = { append: async (e: AuditInput) => void recorded.push(e) }
    const first = new SecurityMonitor({ audit, suspensions: new FileSuspensionStore(path), clock: () => Date.UTC(2026, 11, 4) })
    expect(await read(enforcerWith(first), 'mallory')).toBe('contents')
    await first.suspend('mallory', 'repeated_denies (error): 5 denials in 60 s', 'event-1')
    expect(statSync(path).mode & 0o777).toBe(0o600)

    // The process restarts: a new monitor, a new enforcer, the same file.
    const second = new SecurityMonitor({ audit, suspensions: new FileSuspensionStore(path) })
    expect(second.suspension('mallory')).toEqual({ agent: 'mallory', since: Date.UTC(2026, 11, 4), reason: 'repeated_denies (error): 5 denials in 60 s', event: 'event-1' })
    expect(await refusal(read(enforcerWith(second), 'mallory'))).toMatch(/agent 'mallory' is suspended since 2026-12-04T00:00:00.000Z: repeated_denies/)
    expect(await read(enforcerWith(second), 'alice')).toBe('contents')
    expect(second.suspended().map((s) => s.agent)).toEqual(['mallory'])

    expect(await second.resume('mallory', 'ops@example.com', 'reviewed')).toBe(true)
    expect(recorded.map((e) => (e.details as { action?: string }).action)).toEqual(['suspend_agent', 'resume_agent'])
    const third = new SecurityMonitor({ suspensions: new FileSuspensionStore(path) })
    expect(third.suspension('mallory')).toBeUndefined()
    expect(await read(enforcerWith(third), 'mallory')).toBe('contents')
  })

  it('a damaged file refuses to open, naming the file and what is wrong', () => {
    const dir = tempDir()
    const path = join(dir, 'suspensions.json')
    writeFileSync(path, '{"suspensions": [')
    expect(() => new FileSuspensionStore(path)).toThrow(new RegExp(`suspension store ${path} cannot be read`))
    writeFileSync(path, '{"suspended": []}')
    expect(() => new FileSuspensionStore(path)).toThrow(/expected \{"suspensions": \[\.\.\.\]\}/)
    writeFileSync(path, '{"suspensions": [{"agent": "a", "since": "yesterday", "reason": "r"}]}')
    expect(() => new FileSuspensionStore(path)).toThrow(/suspensions\[0\]: 'since' must be a time in milliseconds/)
  })

  it('a store that cannot write: the suspension still holds here (the failure is thrown); a resume fails and the agent stays suspended', async () => {
    const dir = join(tempDir(), 'state')
    mkdirSync(dir)
    const path = join(dir, 'suspensions.json')
    const monitor = new SecurityMonitor({ suspensions: new FileSuspensionStore(path) })
    await monitor.suspend('bob', 'first')
    // The directory goes away (permissions would not stop root, who runs CI).
    renameSync(dir, `${dir}-away`)
    await expect(monitor.suspend('carol', 'second')).rejects.toThrow()
    expect(monitor.suspension('carol')?.reason).toBe('second')
    expect(await refusal(read(enforcerWith(monitor), 'carol'))).toMatch(/agent 'carol' is suspended/)
    await expect(monitor.resume('bob', 'ops', 'reviewed')).rejects.toThrow()
    expect(monitor.suspension('bob')?.reason).toBe('first')
    renameSync(`${dir}-away`, dir)
    // What reached the file is what a restart sees.
    expect(JSON.parse(readFileSync(path, 'utf8')).suspensions.map((s: { agent: string }) => s.agent)).toEqual(['bob'])
  })
})

describe('quarantined skills in a file', () => {
  const clean = (dir: string): string => {
    const p = join(dir, 'skill')
    mkdirSync(p)
    writeFileSync(join(p, 'main.py'), 'print("hello")\n')
    return p
  }

  it('a restart does not admit a quarantined skill again; a release is kept too', async () => {
    const dir = tempDir()
    const skill = clean(dir)
    const file = join(dir, 'quarantine.json')
    const first = new SkillGate(new SkillScanner(), { quarantineFile: file, clock: () => Date.UTC(2026, 11, 4) })
    expect((await first.admit('weather', skill)).admitted).toBe(true)
    first.quarantine('weather', 'scanner_block (error): exfiltration pattern')
    expect(statSync(file).mode & 0o777).toBe(0o600)

    const second = new SkillGate(new SkillScanner(), { quarantineFile: file })
    const refused = await second.admit('weather', skill)
    expect(refused).toEqual({ admitted: false, reason: "skill 'weather' is quarantined since 2026-12-04T00:00:00.000Z: scanner_block (error): exfiltration pattern" })
    expect(second.quarantines()).toEqual([{ skill: 'weather', since: Date.UTC(2026, 11, 4), reason: 'scanner_block (error): exfiltration pattern' }])
    expect(second.release('weather')).toBe(true)
    expect((await new SkillGate(new SkillScanner(), { quarantineFile: file }).admit('weather', skill)).admitted).toBe(true)
  })

  it('a damaged file refuses to open; a file that cannot be written keeps the skill quarantined', async () => {
    const dir = tempDir()
    const file = join(dir, 'quarantine.json')
    writeFileSync(file, '{"quarantined": [{"skill": "", "since": 1, "reason": "r"}]}')
    expect(() => new SkillGate(new SkillScanner(), { quarantineFile: file })).toThrow(/quarantined\[0\]: 'skill' must be a non-empty string/)
    writeFileSync(file, 'not json')
    expect(() => new SkillGate(new SkillScanner(), { quarantineFile: file })).toThrow(new RegExp(`quarantine file ${file} cannot be read`))

    const state = join(dir, 'state')
    mkdirSync(state)
    const skill = clean(dir)
    const gate = new SkillGate(new SkillScanner(), { quarantineFile: join(state, 'q.json') })
    gate.quarantine('a', 'first')
    renameSync(state, `${state}-away`)
    expect(() => gate.quarantine('b', 'second')).toThrow()
    expect((await gate.admit('b', skill)).admitted).toBe(false)
    expect(() => gate.release('a')).toThrow()
    expect((await gate.admit('a', skill)).admitted).toBe(false)
  })
})
