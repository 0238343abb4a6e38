/**
 * A NOTIFY subscription on a pooled connection of its own, for stores that keep a snapshot and
 * reload it when another replica changes the table.
 */
import type pg from 'pg'

/** A running subscription; `stop` unlistens and gives the connection back. */
export interface Listening {
  stop(): Promise<void>
}

/** Calls `onNotify` on every notification of `channel` (a fixed identifier, never from input). */
export async function listenOn(pool: pg.Pool, channel: string, onNotify: () => void): Promise<Listening> {
  const client = await pool.connect()
  client.on('notification', onNotify)
  try {
    await client.query(`LISTEN ${channel}`)
  } catch (e) {
    client.release()
    throw e
  }
  return {
    async stop() {
      await client.query(`UNLISTEN ${channel}`).catch(() => undefined)
      client.release()
    },
  }
}
