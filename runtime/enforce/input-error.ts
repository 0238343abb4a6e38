/** Bad input to an enforcement point (unknown operation, kind or shape); nothing was decided or run. */
export class EnforcementInputError extends Error {
  override readonly name = 'EnforcementInputError'
}
