import { describe, expect, it } from 'vitest'
import { BUILTINS } from '../../stdlib/builtins.js'
import { BUILTIN_DOCS } from '../../lsp/builtin-docs.js'

describe('builtin docs for hovers', () => {
  it('document exactly the builtins there are', () => {
    expect([...BUILTIN_DOCS.keys()].sort()).toEqual([...BUILTINS.keys()].sort())
    for (const [name, line] of BUILTIN_DOCS) expect(line, name).toMatch(/^\S.*\.$/)
  })
})
