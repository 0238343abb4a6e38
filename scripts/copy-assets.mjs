// Copies the data files that ship beside compiled modules (tsc copies only code): the built-in
// compliance frameworks.
import { cpSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
mkdirSync(`${root}dist/compliance/frameworks`, { recursive: true })
cpSync(`${root}compliance/frameworks`, `${root}dist/compliance/frameworks`, { recursive: true })
