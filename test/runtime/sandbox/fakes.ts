import type { ContainerCreateOptions } from 'dockerode'
import type { CliIO } from '../../../cli/io.js'
import type { ContainerState, OutputSinks, SandboxContainer, SandboxEngine } from '../../../runtime/sandbox/index.js'

/** How the fake container behaves once started. */
export interface FakeBehaviour {
  /** Exit code `wait` reports (unless killed first). */
  exitCode?: number
  /** Milliseconds before the process "exits"; Infinity = only a kill ends it. */
  runsFor?: number
  /** Output emitted right after start. */
  output?: readonly ['stdout' | 'stderr', string | Buffer][]
  /** State reported after exit. */
  oomKilled?: boolean
  /** Make start() throw. */
  startFails?: boolean
}

/** A container engine that records every call and never touches Docker. */
export class FakeEngine implements SandboxEngine {
  readonly calls: string[] = []
  readonly created: ContainerCreateOptions[] = []
  readonly containers: FakeContainer[] = []
  runtimeList: readonly string[] = ['io.containerd.runc.v2', 'runc']
  images = new Set<string>(['symbi-sandbox:latest'])
  imported: { ref: string; changes: readonly string[]; bytes: number }[] = []
  unreachable = false
  behaviour: FakeBehaviour = {}

  async runtimes(): Promise<readonly string[]> {
    this.calls.push('runtimes')
    if (this.unreachable) throw new Error('connect ENOENT /var/run/docker.sock')
    return this.runtimeList
  }

  async hasImage(ref: string): Promise<boolean> {
    this.calls.push('hasImage')
    return this.images.has(ref)
  }

  async importImage(tar: Buffer, ref: string, changes: readonly string[]): Promise<void> {
    this.calls.push('importImage')
    this.imported.push({ ref, changes, bytes: tar.length })
    this.images.add(ref)
  }

  async createContainer(options: ContainerCreateOptions): Promise<SandboxContainer> {
    this.calls.push('createContainer')
    this.created.push(options)
    const c = new FakeContainer(`fake${this.containers.length}`, this.behaviour, this.calls)
    this.containers.push(c)
    return c
  }

  async listContainers(): Promise<readonly string[]> {
    this.calls.push('listContainers')
    return this.containers.filter((c) => !c.removed).map((c) => c.id)
  }

  /** Calls that reach the engine at all. */
  get touched(): number {
    return this.calls.length
  }
}

/** One fake container. */
export class FakeContainer implements SandboxContainer {
  removed = false
  killed = false
  private sinks: OutputSinks | undefined
  private exit: ((code: number) => void) | undefined
  private readonly exited: Promise<number>
  private endOutput: (() => void) | undefined

  constructor(
    readonly id: string,
    private readonly behaviour: FakeBehaviour,
    private readonly calls: string[],
  ) {
    this.exited = new Promise((resolve) => {
      this.exit = resolve
    })
  }

  async attach(sinks: OutputSinks): Promise<{ readonly ended: Promise<void> }> {
    this.calls.push('attach')
    this.sinks = sinks
    return { ended: new Promise<void>((r) => (this.endOutput = r)) }
  }

  async start(): Promise<void> {
    this.calls.push('start')
    if (this.behaviour.startFails) throw new Error('start failed')
    for (const [stream, text] of this.behaviour.output ?? []) this.sinks?.[stream](typeof text === 'string' ? Buffer.from(text) : text)
    const runsFor = this.behaviour.runsFor ?? 0
    if (Number.isFinite(runsFor)) {
      setTimeout(() => {
        this.endOutput?.()
        this.exit?.(this.behaviour.exitCode ?? 0)
      }, runsFor)
    }
  }

  wait(): Promise<number> {
    this.calls.push('wait')
    return this.exited
  }

  async kill(): Promise<void> {
    this.calls.push('kill')
    this.killed = true
    this.endOutput?.()
    this.exit?.(137)
  }

  async inspect(): Promise<ContainerState> {
    this.calls.push('inspect')
    return { exitCode: this.behaviour.exitCode ?? 0, oomKilled: this.behaviour.oomKilled === true }
  }

  async remove(): Promise<void> {
    this.calls.push('remove')
    this.removed = true
  }
}

/** CLI streams captured into strings. */
export function fakeIO(cwd: string, env: Readonly<Record<string, string | undefined>> = {}): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
    readStdin: async () => '',
    env,
    cwd,
  }
  return io
}
