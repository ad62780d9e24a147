// Host of the behaviour suite on workerd: a module worker that imports the package lazily,
// inside a request (a dynamic import, as a framework's lazy route does), through the bundle a
// worker is deployed as (the `workerd` export condition, .wasm files as wasm modules).
//   GET /ping   answers without touching the package (the matrix waits for it: readiness)
//   GET /suite  imports the package and runs the suite; answers with its result as JSON
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

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url)
    if (pathname === '/ping') return new Response('pong')
    if (pathname === '/suite') return Response.json(await main(load, () => performance.now()))
    return new Response('not found', { status: 404 })
  },
}
