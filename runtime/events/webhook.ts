/**
 * Delivers security events to a webhook (OPERATIONS.md: "to subscribers (in process,
 * webhook)"): one JSON POST per event, in order, each bounded by a timeout, from a bounded queue
 * — a slow or dead receiver costs dropped deliveries (counted), never a stalled monitor or
 * unbounded memory. The chain, not the webhook, is the record: delivery is best effort.
 */
import type { SecurityEvent } from './security-event.js'

export interface WebhookOptions {
  /** Per-request bound, default 5 s. */
  readonly timeoutMs?: number
  /** Events waiting at most; beyond, new events are dropped. Default 1,000. */
  readonly maxQueue?: number
  /** Extra headers (e.g. an authorization token for the receiver). */
  readonly headers?: Readonly<Record<string, string>>
}

export interface WebhookSubscriber {
  /** Pass to `SecurityMonitor.subscribe`. */
  readonly deliver: (event: SecurityEvent) => void
  /** Delivered, failed (error, timeout or non-2xx) and dropped (queue full) so far. */
  stats(): { delivered: number; failed: number; dropped: number }
  /** Resolves when the queue is empty. */
  drain(): Promise<void>
}

export function webhookSubscriber(url: string, options: WebhookOptions = {}): WebhookSubscriber {
  const target = new URL(url)
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`webhook URL must be http(s), got ${target.protocol}`)
  const timeoutMs = options.timeoutMs ?? 5000
  const maxQueue = options.maxQueue ?? 1000
  const queue: SecurityEvent[] = []
  const counts = { delivered: 0, failed: 0, dropped: 0 }
  let running: Promise<void> | undefined

  const send = async (e: SecurityEvent): Promise<void> => {
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
        body: JSON.stringify(e),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      })
      await res.body?.cancel()
      if (res.ok) counts.delivered++
      else counts.failed++
    } catch {
      counts.failed++
    }
  }

  const pump = async (): Promise<void> => {
    while (queue.length > 0) await send(queue.shift() as SecurityEvent)
    running = undefined
  }

  return {
    deliver(e) {
      if (queue.length >= maxQueue) {
        counts.dropped++
        return
      }
      queue.push(e)
      running ??= pump()
    },
    stats: () => ({ ...counts }),
    drain: async () => {
      while (running !== undefined) await running
    },
  }
}
