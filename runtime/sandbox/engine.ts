import type { ContainerCreateOptions } from 'dockerode'

/**
 * The small part of a container engine the sandbox uses. The production implementation wraps
 * dockerode (`docker-engine.ts`); unit tests pass a fake that counts calls, which is how they
 * prove that a denied or invalid run never reaches the engine.
 */
export interface SandboxEngine {
  /** Names of the OCI runtimes the engine has registered (`docker info` → Runtimes). */
  runtimes(): Promise<readonly string[]>
  /** Whether an image is present locally. */
  hasImage(ref: string): Promise<boolean>
  /** Creates an image from a root file-system tarball (`docker import`). */
  importImage(tar: Buffer, ref: string, changes: readonly string[]): Promise<void>
  /** Creates (does not start) a container. */
  createContainer(options: ContainerCreateOptions): Promise<SandboxContainer>
  /** Ids of all containers, running or not, that carry the label `key=value`. */
  listContainers(label: string): Promise<readonly string[]>
}

/** What the engine reports about a container that has stopped. */
export interface ContainerState {
  /** Exit code, when known. */
  readonly exitCode: number | null
  /** Whether the kernel's OOM killer ended it. */
  readonly oomKilled: boolean
}

/** Output callbacks for an attached container. */
export interface OutputSinks {
  /** Receives stdout chunks. */
  readonly stdout: (chunk: Buffer) => void
  /** Receives stderr chunks. */
  readonly stderr: (chunk: Buffer) => void
}

/** One created container. */
export interface SandboxContainer {
  /** Engine id. */
  readonly id: string
  /** Attaches to stdout/stderr; the promise it returns resolves once both streams have ended. */
  attach(sinks: OutputSinks): Promise<{ readonly ended: Promise<void> }>
  /** Starts it. */
  start(): Promise<void>
  /** Resolves with the exit status once it is not running; call it after `start`. */
  wait(): Promise<number>
  /** Sends SIGKILL; a container that is already gone is not an error. */
  kill(): Promise<void>
  /** Reads its final state. */
  inspect(): Promise<ContainerState>
  /** Removes it, forcibly; a container that is already gone is not an error. */
  remove(): Promise<void>
}
