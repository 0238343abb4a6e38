/** Why a key operation failed; `code` is stable for callers and tests. */
export type KeyErrorCode = 'unknown_key' | 'wrong_passphrase' | 'passphrase_required' | 'bad_record' | 'not_allowed' | 'no_root' | 'store'

export class KeyError extends Error {
  override readonly name = 'KeyError'
  constructor(
    readonly code: KeyErrorCode,
    message: string,
  ) {
    super(message)
  }
}
