import type { KeyObject } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import { SIGNING_CONTEXT } from './signing.js'

/**
 * The worker's source, run with `eval` so that it needs no file next to this module (the tests
 * run the TypeScript sources, where no `.js` worker file exists). It signs exactly as signHash.
 */
const SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createPrivateKey, sign } = require('node:crypto')
const key = createPrivateKey(workerData.pem)
parentPort.on('message', (m) => {
  try {
    parentPort.postMessage({ id: m.id, signatures: m.hashes.map((h) => sign(null, Buffer.from(workerData.context + h, 'utf8'), key).toString('hex')) })
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: String(e && e.message || e) })
  }
})
`

interface Waiter {
  resolve(signatures: string[]): void
  reject(e: Error): void
}

/**
 * Signs batches of hashes on a worker thread, so that in every-event mode Ed25519 (the dominant
 * cost, see bench/results/enforcement-audit.md) can run on another core beside the main thread's
 * masking and hashing (opt-in: `signingThread: true`). The worker keeps the process alive only
 * while a batch is outstanding.
 */
export class SignWorker {
  readonly #worker: Worker
  readonly #waiting = new Map<number, Waiter>()
  #next = 0
  #failure: Error | undefined

  constructor(key: KeyObject) {
    const pem = key.export({ type: 'pkcs8', format: 'pem' }).toString()
    this.#worker = new Worker(SOURCE, { eval: true, workerData: { pem, context: SIGNING_CONTEXT } })
    this.#worker.unref()
    this.#worker.on('message', (m: { id: number; signatures?: string[]; error?: string }) => {
      const w = this.#waiting.get(m.id)
      if (w === undefined) return
      this.#waiting.delete(m.id)
      if (this.#waiting.size === 0) this.#worker.unref()
      if (m.signatures !== undefined) w.resolve(m.signatures)
      else w.reject(new Error(`signing failed: ${m.error ?? 'unknown error'}`))
    })
    this.#worker.on('error', (e) => this.#fail(e))
    this.#worker.on('exit', (code) => this.#fail(new Error(`signing worker exited with code ${code}`)))
  }

  /** Signatures (hex) of `hashes`, in order. */
  sign(hashes: readonly string[]): Promise<string[]> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    const id = this.#next++
    return new Promise<string[]>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject })
      this.#worker.ref()
      this.#worker.postMessage({ id, hashes })
    })
  }

  /** Stops the worker; outstanding batches are rejected. */
  async close(): Promise<void> {
    this.#fail(new Error('signing worker closed'))
    await this.#worker.terminate()
  }

  #fail(e: Error): void {
    if (this.#failure === undefined) this.#failure = e
    for (const w of this.#waiting.values()) w.reject(this.#failure)
    this.#waiting.clear()
  }
}
