// The API reference, `npm run docs` into docs/api/ (git-ignored): one page set for every public
// entry point of package.json `exports`, each module named by its import specifier
// (build/typedoc-plugin.mjs). Warnings are errors: a {@link} that resolves to nothing, a type the
// API names that no entry point exports, an export or member without a doc comment, an export
// without an @example. test/docs.test.ts runs this configuration in `npm test`.
import { execFileSync } from 'node:child_process'
import { entryPoints } from './build/typedoc-plugin.mjs'

// Source links come from the Git remote named origin; a checkout without one (a new repository,
// an unpacked tarball) links to its own files instead of failing on TypeDoc's warning about it.
const hasOrigin = (() => {
  try {
    execFileSync('git', ['remote', 'get-url', 'origin'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
const localSources = { disableGit: true, sourceLinkTemplate: `${new URL('.', import.meta.url).href}{path}#L{line}` }

/** @type {Partial<import('typedoc').TypeDocOptions>} */
export default {
  entryPoints: [...entryPoints().keys()],
  // The sources only: the repository's tsconfig also holds the tests and benchmarks, which would
  // double the time TypeScript takes here (`npm test` type-checks them with tsc).
  tsconfig: './tsconfig.docs.json',
  out: './docs/api',
  plugin: ['./build/typedoc-plugin.mjs'],
  readme: 'none',
  ...(hasOrigin ? {} : localSources),
  excludePrivate: true,
  excludeInternal: true,
  treatWarningsAsErrors: true,
  validation: { notExported: true, invalidLink: true, invalidPath: true, rewrittenLink: true, notDocumented: true, unusedMergeModuleWith: true },
  // Types the API names but no entry point exports, on purpose: what the sealed store does for
  // the Manager (a user passes a CookieStore and never calls it), what the Next adapter uses of
  // Next's cookie store (Next's own type, structurally), Express's `next` callback. An entry that
  // no longer matches is itself a warning.
  intentionallyNotExported: [
    'src/stores/types.ts:SealedStore',
    'src/stores/types.ts:Sealer',
    'src/adapters/next/index.ts:CookieStore',
    'src/adapters/express/index.ts:Next',
  ],
}
