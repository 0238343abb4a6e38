import Docker from 'dockerode'
import { once } from 'node:events'
import { PassThrough, Readable } from 'node:stream'
import type { ContainerState, OutputSinks, SandboxContainer, SandboxEngine } from './engine.js'
import { SandboxConfigError } from './errors.js'

/** Where the engine is: a unix socket, or plain HTTP on a loopback address. */
export type EngineEndpoint = { readonly socketPath: string } | { readonly host: string; readonly port: number }

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[?::1\]?)$/

/**
 * Reads DOCKER_HOST the way the docker CLI does, but only accepts a unix socket or a loopback
 * TCP address: the sandbox never talks to an engine on another machine.
 */
export function engineEndpoint(env: Readonly<Record<string, string | undefined>>): EngineEndpoint {
  const host = env['DOCKER_HOST']
  if (host === undefined || host === '') return { socketPath: '/var/run/docker.sock' }
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length)
    if (!socketPath.startsWith('/')) throw new SandboxConfigError('DOCKER_HOST', `unix socket path must be absolute: "${host}"`)
    return { socketPath }
  }
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})\/?$/.exec(host)
  if (m === null) throw new SandboxConfigError('DOCKER_HOST', `expected unix:///path or tcp://127.0.0.1:PORT, got "${host}"`)
  const name = m[1] as string
  if (!LOOPBACK.test(name)) throw new SandboxConfigError('DOCKER_HOST', `only a loopback engine address is allowed, got "${name}"`)
  return { host: name.replace(/^\[|\]$/g, ''), port: Number(m[2]) }
}

function gone(e: unknown): boolean {
  const status = (e as { statusCode?: unknown } | null)?.statusCode
  // 404: no such container; 409: removal already in progress; 304: already stopped.
  return status === 404 || status === 409 || status === 304
}

class DockerContainer implements SandboxContainer {
  constructor(
    private readonly docker: Docker,
    private readonly container: Docker.Container,
  ) {}

  get id(): string {
    return this.container.id
  }

  async attach(sinks: OutputSinks): Promise<{ readonly ended: Promise<void> }> {
    // No `logs`: the runner attaches before start, and replaying logs on top of the live stream
    // duplicates output when the process starts while the attach is being set up.
    const stream = await this.container.attach({ stream: true, stdout: true, stderr: true })
    const out = new PassThrough()
    const err = new PassThrough()
    out.on('data', (c: Buffer) => sinks.stdout(c))
    err.on('data', (c: Buffer) => sinks.stderr(c))
    this.docker.modem.demuxStream(stream, out, err)
    // Chunks reach the sinks through the PassThroughs, so "ended" waits for those to drain too.
    const ended = Promise.all([once(out, 'end'), once(err, 'end')]).then(() => undefined)
    const close = (): void => {
      out.end()
      err.end()
    }
    stream.on('end', close)
    stream.on('close', close)
    stream.on('error', close)
    return { ended }
  }

  async start(): Promise<void> {
    await this.container.start()
  }

  async wait(): Promise<number> {
    // `not-running` after start is race-free: a container that already exited answers at once,
    // whereas `next-exit` would hang if the exit happened before the wait was registered.
    const r = (await this.container.wait({ condition: 'not-running' })) as { StatusCode?: number }
    return typeof r.StatusCode === 'number' ? r.StatusCode : -1
  }

  async kill(): Promise<void> {
    try {
      await this.container.kill({ signal: 'SIGKILL' })
    } catch (e) {
      if (!gone(e)) throw e
    }
  }

  async inspect(): Promise<ContainerState> {
    const info = await this.container.inspect()
    return { exitCode: typeof info.State.ExitCode === 'number' ? info.State.ExitCode : null, oomKilled: info.State.OOMKilled === true }
  }

  async remove(): Promise<void> {
    try {
      await this.container.remove({ force: true, v: true })
    } catch (e) {
      if (!gone(e)) throw e
    }
  }
}

/** The dockerode-backed engine. */
export class DockerEngine implements SandboxEngine {
  /** The underlying client, for callers that need more than the sandbox port. */
  readonly docker: Docker

  constructor(endpoint: EngineEndpoint) {
    this.docker = 'socketPath' in endpoint ? new Docker({ socketPath: endpoint.socketPath }) : new Docker({ host: endpoint.host, port: endpoint.port, protocol: 'http' })
  }

  async runtimes(): Promise<readonly string[]> {
    const info = (await this.docker.info()) as { Runtimes?: Record<string, unknown> }
    return Object.keys(info.Runtimes ?? {})
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect()
      return true
    } catch (e) {
      if ((e as { statusCode?: unknown }).statusCode === 404) return false
      throw e
    }
  }

  async importImage(tar: Buffer, ref: string, changes: readonly string[]): Promise<void> {
    const colon = ref.lastIndexOf(':')
    const [repo, tag] = colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest']
    const stream = await this.docker.importImage(Readable.from([tar]), { repo, tag, changes: [...changes] })
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null, events: readonly { error?: string }[]) => {
        const failed = err ?? events.find((e) => typeof e.error === 'string')?.error
        if (failed) reject(failed instanceof Error ? failed : new Error(failed))
        else resolve()
      })
    })
  }

  async createContainer(options: Docker.ContainerCreateOptions): Promise<SandboxContainer> {
    return new DockerContainer(this.docker, await this.docker.createContainer(options))
  }

  async listContainers(label: string): Promise<readonly string[]> {
    const list = await this.docker.listContainers({ all: true, filters: { label: [label] } })
    return list.map((c) => c.Id)
  }
}

/** Connects to the engine named by DOCKER_HOST (default: the local socket). Does not contact it yet. */
export function connectDocker(env: Readonly<Record<string, string | undefined>> = process.env): DockerEngine {
  return new DockerEngine(engineEndpoint(env))
}
