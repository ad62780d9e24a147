// The test app of test/adapters/next/next.test.ts. It imports simplesessions by its package name,
// which resolves to this repository itself (package.json exports -> dist/, built by `npm test`)
// as Node's package self-reference does: Turbopack resolves packages only inside its root, so
// the root is the repository's, where node_modules/next and dist/ are.
// https://nextjs.org/docs/app/api-reference/config/next-config-js/turbopack#root-directory
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../../../', import.meta.url))

export default {
  turbopack: { root },
  outputFileTracingRoot: root,
}
