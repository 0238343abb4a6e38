/**
 * The compile cache (STYLE.md §8): compiled rules keyed by the content hash of the policy set
 * (IR, environment and COMPILER_VERSION — see pipeline.ts), never by object identity, so
 * reloading or rolling back to content seen before skips compilation. Bounded; separate from
 * the pure compile functions.
 */
import { LRUCache } from 'lru-cache'
import type { CompiledRule } from './compile-rules.js'
import { compileSet } from './evaluator.js'
import type { PolicySet } from './pipeline.js'

/** A bounded cache of compiled rules. */
export class CompileCache {
  private readonly cache: LRUCache<string, readonly CompiledRule[]>
  /** Lookups answered from the cache. */
  hits = 0
  /** Lookups that compiled. */
  misses = 0

  constructor(max = 32) {
    this.cache = new LRUCache({ max })
  }

  /** Compiled rules of a set, compiling on a miss. */
  rulesFor(set: PolicySet): readonly CompiledRule[] {
    const cached = this.cache.get(set.hash)
    if (cached) {
      this.hits++
      return cached
    }
    this.misses++
    const rules = compileSet(set)
    this.cache.set(set.hash, rules)
    return rules
  }

  /** Empties the cache. */
  clear(): void {
    this.cache.clear()
  }
}
