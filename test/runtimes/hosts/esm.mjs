// Host of the behaviour suite on Node (ESM), Bun and Deno: run from the consumer project, where
// the package is installed from its tarball, so `simplesessions` resolves as it would for a user.
// Prints one line: RESULT <json>.
import { main } from './suite.mjs'

const load = async () => {
  const [core, fetchAdapter, memory, cookie] = await Promise.all([
    import('simplesessions'),
    import('simplesessions/adapters/fetch'),
    import('simplesessions/stores/memory'),
    import('simplesessions/stores/cookie'),
  ])
  // The Hono app's imports: loaded when its check runs, outside the import -> first verify time.
  return { core, fetchAdapter, memory, cookie, hono: () => import('hono'), honoAdapter: () => import('simplesessions/adapters/hono') }
}

console.log(`RESULT ${JSON.stringify(await main(load, () => performance.now()))}`)
