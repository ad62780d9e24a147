// Host of the behaviour suite on Vercel's edge runtime: the entry of the script that the edge
// runtime evaluates (bundled with the `edge-light` condition, the package imported lazily on the
// first call). The driver calls globalThis.__runMatrix() and prints its result.
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

globalThis.__runMatrix = async () => JSON.stringify(await main(load, () => performance.now()))
