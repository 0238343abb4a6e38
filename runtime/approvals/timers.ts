/** Timer functions, injectable so that tests can fire a 120 s timeout without waiting. */
export interface Timers {
  /** Schedules `fn` after `ms` milliseconds and returns a handle. */
  setTimeout(fn: () => void, ms: number): unknown
  /** Cancels a handle returned by `setTimeout`. */
  clearTimeout(handle: unknown): void
}

/** The process timers; handles are unref'd so a pending approval never keeps Node alive. */
export const systemTimers: Timers = {
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms)
    t.unref()
    return t
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>)
  },
}

/** A manually driven clock and timer set for tests: `advance(ms)` fires what is due. */
export class ManualTimers implements Timers {
  private nowMs: number
  private nextId = 1
  private readonly due = new Map<number, { at: number; fn: () => void }>()

  constructor(start = 0) {
    this.nowMs = start
  }

  /** The current manual time in milliseconds. */
  now(): number {
    return this.nowMs
  }

  /** Schedules `fn` at manual time now + `ms`. */
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++
    this.due.set(id, { at: this.nowMs + Math.max(0, ms), fn })
    return id
  }

  /** Cancels a scheduled timer. */
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number)
  }

  /** Moves time forward and runs every timer that falls due, in time order. */
  advance(ms: number): void {
    const target = this.nowMs + ms
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined
      for (const entry of this.due) if (entry[1].at <= target && (next === undefined || entry[1].at < next[1].at)) next = entry
      if (next === undefined) break
      this.due.delete(next[0])
      this.nowMs = next[1].at
      next[1].fn()
    }
    this.nowMs = target
  }

  /** Number of timers still scheduled. */
  get pendingCount(): number {
    return this.due.size
  }
}
