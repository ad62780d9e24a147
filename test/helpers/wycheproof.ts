// Wycheproof vector files (https://github.com/C2SP/wycheproof, Apache-2.0), read at test time from
// the shared folder that sits beside a clone: <clone>/../shared/vectors/wycheproof/<name>. They are
// not copied into the repo. Missing files skip the suites that need them on a developer machine,
// and fail them under CI (CI=true or any other value but false/0), where a silent skip would pass
// a build that checked nothing.

import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const inCI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0'

export interface WycheproofVectors<T> {
  /** Where the file is looked for. */
  path: string
  /** False: run the suite (the file is there, or CI wants the failure); true: skip it. */
  skip: boolean
  /** The parsed file; throws, naming the path, when it is missing. */
  load(): T
}

export function wycheproof<T>(name: string): WycheproofVectors<T> {
  const path = fileURLToPath(new URL(`../../../shared/vectors/wycheproof/${name}`, import.meta.url))
  const present = existsSync(path)
  if (!present && !inCI) console.warn(`skipping the Wycheproof vectors of ${name}: ${path} not found`)
  return {
    path,
    skip: !present && !inCI,
    load: () => {
      if (!existsSync(path)) throw new Error(`Wycheproof vectors missing: ${path} (the shared folder must sit beside the clone)`)
      return JSON.parse(readFileSync(path, 'utf8')) as T
    },
  }
}

/** The AEAD test file schema (aead_test_schema_v1.json), as far as the tests read it. */
export interface AeadTestFile {
  algorithm: string
  numberOfTests: number
  testGroups: {
    ivSize: number
    keySize: number
    tagSize: number
    tests: {
      tcId: number
      comment: string
      flags: string[]
      key: string
      iv: string
      aad: string
      msg: string
      ct: string
      tag: string
      result: 'valid' | 'invalid' | 'acceptable'
    }[]
  }[]
}

/** The HKDF test file schema (hkdf_test_schema_v1.json). */
export interface HkdfTestFile {
  algorithm: string
  numberOfTests: number
  testGroups: {
    keySize: number
    tests: {
      tcId: number
      comment: string
      flags: string[]
      ikm: string
      salt: string
      info: string
      size: number
      okm: string
      result: 'valid' | 'invalid' | 'acceptable'
    }[]
  }[]
}
