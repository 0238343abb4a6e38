/**
 * A sandbox request that is malformed or asks for something unsafe (a dangerous mount, a
 * privileged flag, an unknown tier). Raised before the engine is contacted.
 */
export class SandboxConfigError extends Error {
  override readonly name = 'SandboxConfigError'
  constructor(
    /** The option or attribute at fault, e.g. `mounts[0].source` or `with sandbox`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
  }
}

/**
 * The requested tier cannot be provided (engine unreachable, runtime not registered). The
 * run fails closed; a weaker tier is never used instead.
 */
export class SandboxUnavailableError extends Error {
  override readonly name = 'SandboxUnavailableError'
  constructor(
    /** The tier that was requested. */
    readonly tier: string,
    message: string,
  ) {
    super(message)
  }
}
