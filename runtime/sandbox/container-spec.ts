import type { ContainerCreateOptions } from 'dockerode'
import type { ResolvedSandboxOptions } from './options.js'
import type { SandboxTier } from '../enforce/index.js'
import { TIER_RUNTIME } from './tier.js'

/** Label put on every sandbox container, so leftovers can be found and counted. */
export const SANDBOX_LABEL = 'org.symbi.sandbox'

/**
 * The engine request for a validated run. Every hardening setting is spelled out here rather
 * than left to engine defaults, so that a changed daemon configuration cannot weaken it:
 * swap equal to memory, no network, read-only root, a `noexec,nosuid,nodev` /tmp, no new
 * privileges, all capabilities dropped, a pids limit and a non-root user. Seccomp is left at
 * the engine's default profile, which is the hardening the spec asks for (never `unconfined`).
 * AutoRemove stays off: the runner removes the container itself, in a `finally`, after it has
 * read the exit state.
 */
export function containerCreateOptions(o: ResolvedSandboxOptions, tier: SandboxTier, agentId: string): ContainerCreateOptions {
  return {
    Image: o.image,
    Cmd: [...o.command],
    Env: [...o.env],
    User: o.user,
    WorkingDir: o.workdir,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: false,
    Tty: false,
    NetworkDisabled: true,
    Labels: { [SANDBOX_LABEL]: '1', [`${SANDBOX_LABEL}.tier`]: tier, [`${SANDBOX_LABEL}.agent`]: agentId },
    HostConfig: {
      AutoRemove: false,
      Privileged: false,
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Memory: o.memoryBytes,
      MemorySwap: o.memoryBytes,
      NanoCpus: o.nanoCpus,
      PidsLimit: o.pidsLimit,
      CapDrop: ['ALL'],
      CapAdd: [...o.capAdd],
      SecurityOpt: ['no-new-privileges'],
      Tmpfs: { '/tmp': `rw,noexec,nosuid,nodev,size=${o.tmpBytes}` },
      IpcMode: 'private',
      Mounts: o.mounts.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly, BindOptions: { Propagation: 'rprivate' as const } })),
      RestartPolicy: { Name: '' },
      ...(tier === 'tier2' ? { Runtime: TIER_RUNTIME.tier2 } : {}),
    },
  }
}
