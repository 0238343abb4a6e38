/** Why a message was refused. */
export type MessageErrorCode =
  | 'envelope'
  | 'too_large'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_recipient'
  | 'unknown_sender'
  | 'unknown_recipient_key'
  | 'bad_signature'
  | 'key_revoked'
  | 'key_untrusted'
  | 'replay'
  | 'replay_cache_full'
  | 'decrypt'
  | 'config'

/** A message that cannot be sealed or must not be delivered. */
export class MessageError extends Error {
  override readonly name: string = 'MessageError'
  constructor(
    /** Stable reason code. */
    readonly code: MessageErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** A malformed envelope; `field` names the offending field. */
export class EnvelopeError extends MessageError {
  override readonly name = 'EnvelopeError'
  constructor(
    /** The envelope field at fault (`envelope` for the whole object). */
    readonly field: string,
    message: string,
  ) {
    super('envelope', `envelope field '${field}': ${message}`)
  }
}
