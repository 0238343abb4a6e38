/** The seed examples, embedded by the build (scripts/build-playground.mjs). */
declare module 'virtual:examples' {
  export interface Example {
    /** File name of the policy, e.g. `secure_data_access.policy`. */
    readonly name: string
    readonly policy: string
    /** JSON text of the example's schema. */
    readonly schema: string
    /** JSON text of the first case's request. */
    readonly request: string
    /** JSON text of the example's cases. */
    readonly tests: string
  }
  export const EXAMPLES: readonly Example[]
}
