/**
 * `symbi-policy/cedar`: the Cedar backend (IR → Cedar text and schema, checked with cedar-wasm)
 * and the Cedar policy gate that enforces native Cedar policies. Separate from the root and
 * runtime entries because it loads the Cedar WebAssembly module.
 */
export * from './compiler/cedar/index.js'
export * from './runtime/cedar-gate/index.js'
