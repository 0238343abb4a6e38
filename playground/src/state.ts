/**
 * The whole page state in the URL fragment (`#s=` + base64url of UTF-8 JSON), so that a link
 * reproduces what its author saw. Decoding is defensive: a hand-edited or truncated fragment
 * falls back to the default example instead of breaking the page.
 */
export interface PlaygroundState {
  readonly example: string
  readonly policy: string
  readonly request: string
  readonly schema: string
  readonly tests: string
}

const KEYS: readonly (keyof PlaygroundState)[] = ['example', 'policy', 'request', 'schema', 'tests']

function toBase64Url(bytes: Uint8Array): string {
  let bin = ''
  for (const b of bytes) bin += String.fromCharCode(b)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64Url(text: string): Uint8Array {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(bin, (c) => c.charCodeAt(0))
}

export function encodeState(s: PlaygroundState): string {
  return `s=${toBase64Url(new TextEncoder().encode(JSON.stringify(s)))}`
}

export function decodeState(fragment: string): PlaygroundState | undefined {
  const m = /^#?s=([A-Za-z0-9_-]+)$/.exec(fragment)
  if (m === null) return undefined
  try {
    const json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(m[1] as string))) as unknown
    if (typeof json !== 'object' || json === null) return undefined
    const out: Partial<Record<keyof PlaygroundState, string>> = {}
    for (const k of KEYS) {
      const v = (json as Record<string, unknown>)[k]
      if (typeof v !== 'string') return undefined
      out[k] = v
    }
    return out as PlaygroundState
  } catch {
    return undefined
  }
}
