/** Why a bundle was refused, as a stable code and one line for people. */
export type BundleErrorCode =
  | 'BUNDLE_UNREADABLE'
  | 'BUNDLE_UNSAFE_ENTRY'
  | 'BUNDLE_TOO_LARGE'
  | 'BUNDLE_BAD_MANIFEST'
  | 'BUNDLE_FILE_MISMATCH'
  | 'BUNDLE_UNSIGNED'
  | 'BUNDLE_UNTRUSTED_KEY'
  | 'BUNDLE_BAD_SIGNATURE'
  | 'BUNDLE_KEY_NOT_TRUSTED'
  | 'BUNDLE_POLICY_ERRORS'

/** A bundle that must not be served. */
export class BundleError extends Error {
  override readonly name = 'BundleError'
  constructor(
    readonly code: BundleErrorCode,
    message: string,
  ) {
    super(message)
  }
}
