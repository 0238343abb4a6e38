import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AuditTrail, GENESIS_HASH, MemoryStore, chainHash, serializeEvent, signHash, type AuditEvent, type SigningMode } from '../../../runtime/audit/index.js'
import type { AuditEventType } from '../../../runtime/audit-sink.js'

/** One Ed25519 key pair shared by a test file (generation is cheap but not free). */
export function keyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519')
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'symbi-audit-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

const TYPES: readonly AuditEventType[] = ['policy_decision', 'tool_invocation', 'message', 'agent_lifecycle']

/** Builds a log of `n` events in memory with the given signing mode. */
export async function buildLog(
  n: number,
  opts: { mode?: SigningMode; key?: KeyObject; checkpointEvery?: number } = {},
): Promise<AuditEvent[]> {
  const store = new MemoryStore()
  const trail = await AuditTrail.open(store, {
    ...(opts.key === undefined ? {} : { signingKey: opts.key }),
    ...(opts.mode === undefined ? {} : { mode: opts.mode }),
    ...(opts.checkpointEvery === undefined ? {} : { checkpointEvery: opts.checkpointEvery }),
    checkpointIntervalMs: 0,
  })
  for (let i = 0; i < n; i++) {
    await trail.append({ agentId: `agent-${i % 3}`, type: TYPES[i % TYPES.length] as AuditEventType, details: { i, action: 'read', resource: `file:/data/${i}.txt`, nested: { ok: i % 2 === 0, tags: ['a', 'é', '漢'] } } })
  }
  await trail.close()
  return [...store.records]
}

/** The bytes of a log file holding these records. */
export function toBytes(records: readonly unknown[]): Buffer {
  return Buffer.from(records.map((r) => serializeEvent(r as AuditEvent) + '\n').join(''), 'utf8')
}

/**
 * Re-links and re-hashes records as a writer holding `key` would (re-signing records that were
 * signed, and with `fixCheckpoints` rewriting checkpoint head/index): used to build logs that are internally consistent but break a higher-level rule.
 */
export function rechain(records: readonly AuditEvent[], key?: KeyObject, fixCheckpoints = false): AuditEvent[] {
  let prev = GENESIS_HASH
  return records.map((r, i) => {
    const details = fixCheckpoints && r.type === 'checkpoint' ? { ...r.details, head: prev, index: i } : r.details
    const fields = { id: r.id, timestamp: r.timestamp, agentId: r.agentId, type: r.type, details }
    const hash = chainHash(prev, fields)
    const out: AuditEvent =
      r.signature !== undefined && key !== undefined
        ? { ...fields, previousHash: prev, hash, signature: signHash(hash, key) }
        : { ...fields, previousHash: prev, hash }
    prev = hash
    return out
  })
}
