// The server side of the HTTP rows (bench/http.bench.ts): a node:http server in its own process,
// bundled by build/bench.mjs into build/out/http-server.mjs and started as
//
//   node build/out/http-server.mjs bare
//   node build/out/http-server.mjs write|read [maxAge=SECONDS] [touchAfter=SECONDS]   (secret in BENCH_SECRET)
//
// bare: `res.end('0')`, no session and no header of its own: the baseline of every row.
// write: Manager + MemoryStore + the node adapter, otherwise the Manager's defaults (with
// `maxAge`, cookie.maxAge; with `touchAfter`, that option); each request reads n, writes n + 1,
// commits and answers String(n). read: the same, but it only reads n and commits (nothing to
// write: no Set-Cookie; the store sees at most the idle touch, once per touchAfter).
//
// A session request whose session holds no n (no cookie, or one that names no session) is
// answered 409 with nothing written, except GET /new, which makes a session with n = 0. The
// timed requests never ask for /new: any of them that did not carry the cookie of a session made
// before timing is a non-2xx response, and the load generator fails the run on those.
//
// It listens on 127.0.0.1 on a free port and prints `{"port":N}` as its first stdout line. GET
// /__stats answers the process's CPU time and request count (outside the handler under test);
// it exits when its stdin closes (so a profile asked for with --cpu-prof gets written).

import type { IncomingMessage, ServerResponse } from 'node:http'
import { runChild, type Handler } from './child-main'
import { Manager, type ManagerOptions } from '../src/manager'
import { MemoryStore } from '../src/stores/memory'
import { getCookie, setCookie } from '../src/adapters/node/index'

const [mode, ...settings] = process.argv.slice(2)
if (mode !== 'bare' && mode !== 'write' && mode !== 'read') throw new Error(`usage: http-server.mjs bare | write|read [maxAge=S] [touchAfter=S], got ${mode}`)

let handler: Handler
if (mode === 'bare') {
  handler = (_req, res) => {
    res.end('0')
  }
} else {
  const secret = process.env.BENCH_SECRET
  if (!secret) throw new Error('BENCH_SECRET is not set')
  const options: ManagerOptions<IncomingMessage, ServerResponse> = { store: new MemoryStore(), secrets: [secret], getCookie, setCookie }
  for (const setting of settings) {
    const [name, value] = setting.split('=')
    const seconds = Number(value)
    if (!Number.isInteger(seconds)) throw new Error(`${setting}: not a whole number of seconds`)
    if (name === 'maxAge') options.cookie = { maxAge: seconds }
    else if (name === 'touchAfter') options.touchAfter = seconds
    else throw new Error(`unknown setting ${setting}`)
  }
  const manager = new Manager<{ n: number }, IncomingMessage, ServerResponse>(options)
  const writes = mode === 'write'
  handler = async (req, res) => {
    const sess = await manager.acquire(req, res)
    const n = await sess.get('n')
    if (n === undefined) {
      if (req.url !== '/new') {
        res.statusCode = 409
        res.end()
        return
      }
      await sess.set('n', 0)
    } else if (writes) {
      await sess.set('n', n + 1)
    }
    await sess.commit()
    res.end(String(n ?? 0))
  }
}

runChild(handler)
