/** Receives output as it arrives, already cut to the cap. */
export type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void

/**
 * Collects stdout and stderr under one shared byte cap. Bytes past the cap are dropped (and
 * counted) while the container keeps running, so that a chatty process cannot exhaust the
 * host's memory; the result is marked truncated.
 */
export class OutputCapture {
  private readonly chunks: { stdout: Buffer[]; stderr: Buffer[] } = { stdout: [], stderr: [] }
  private kept = 0
  /** Bytes dropped because the cap was reached. */
  dropped = 0

  constructor(
    private readonly limit: number,
    private readonly listener?: OutputListener,
  ) {}

  /** Takes one chunk from a stream. */
  push(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const room = this.limit - this.kept
    const take = room >= chunk.length ? chunk : chunk.subarray(0, Math.max(0, room))
    this.dropped += chunk.length - take.length
    if (take.length === 0) return
    this.kept += take.length
    this.chunks[stream].push(take)
    this.listener?.(stream, take)
  }

  /** Whether anything was dropped. */
  get truncated(): boolean {
    return this.dropped > 0
  }

  /** What was kept of a stream, decoded as UTF-8 (a character cut by the cap becomes U+FFFD). */
  text(stream: 'stdout' | 'stderr'): string {
    return Buffer.concat(this.chunks[stream]).toString('utf8')
  }
}
