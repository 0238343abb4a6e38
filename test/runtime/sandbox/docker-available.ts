import { connectDocker, ensureSandboxImage } from '../../../runtime/sandbox/index.js'
import type { DockerEngine } from '../../../runtime/sandbox/index.js'

/** Whether the integration tests can run, and if not, why. */
export interface DockerProbe {
  readonly engine: DockerEngine | undefined
  readonly reason: string
}

/**
 * Probes the local engine (bounded) and makes sure the sandbox image exists, building it from
 * the host's busybox when needed. Never throws: a failure becomes the skip reason.
 */
export async function probeDocker(timeoutMs = 5_000): Promise<DockerProbe> {
  let engine: DockerEngine
  try {
    engine = connectDocker()
  } catch (e) {
    return { engine: undefined, reason: `DOCKER_HOST rejected: ${(e as Error).message}` }
  }
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    await Promise.race([engine.docker.ping(), timeout])
  } catch (e) {
    return { engine: undefined, reason: `Docker engine not reachable (${(e as Error).message}); run .ci/setup-docker.sh` }
  } finally {
    clearTimeout(timer)
  }
  try {
    await ensureSandboxImage(engine)
  } catch (e) {
    return { engine: undefined, reason: `sandbox image unavailable (${(e as Error).message})` }
  }
  return { engine, reason: '' }
}
