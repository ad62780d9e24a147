// The server side of the HTTP rows (bench/http.bench.ts): a node:http server in its own process,
// bundled by build/bench.mjs into build/out/http-server.mjs and started as
//
//   node build/out/http-server.mjs session|plain     (secret in BENCH_SECRET)
//
// `session`: Manager + MemoryStore + the node adapter; each request reads one value and writes
// one value of its session and commits. `plain`: the same handler minus the session lines (a
// process-wide counter instead), so both answer with the same status, content type and body size;
// only the session's own headers (Set-Cookie, Vary, Cache-Control) differ.
//
// It listens on 127.0.0.1 on a free port and prints `{"port":N}` as its first stdout line. GET
// /__stats answers the process's CPU time and request count (outside the handler under test);
// it exits when its stdin closes (so a profile asked for with --cpu-prof gets written).

import type { IncomingMessage, ServerResponse } from 'node:http'
import { runChild, type Handler } from './child-main'
import { Manager } from '../src/manager'
import { MemoryStore } from '../src/stores/memory'
import { getCookie, setCookie } from '../src/adapters/node/index'

const mode = process.argv[2]
if (mode !== 'session' && mode !== 'plain') throw new Error(`usage: http-server.mjs session|plain, got ${mode}`)
const secret = process.env.BENCH_SECRET
if (!secret) throw new Error('BENCH_SECRET is not set')

/** Same length for every n below 10^12: the two servers send bodies of one size. */
const body = (n: number) => `n=${String(n).padStart(12, '0')}\n`


let handler: Handler
if (mode === 'session') {
  const store = new MemoryStore()
  const manager = new Manager<{ n: number }, IncomingMessage, ServerResponse>({ store, secrets: [secret], getCookie, setCookie })
  handler = async (req, res) => {
    const sess = await manager.acquire(req, res)
    const n = await sess.get('n')
    const next = (typeof n === 'number' ? n : 0) + 1
    await sess.set('n', next)
    await sess.commit()
    res.setHeader('content-type', 'text/plain')
    res.end(body(next))
  }
} else {
  let counter = 0
  handler = async (_req, res) => {
    const next = ++counter
    res.setHeader('content-type', 'text/plain')
    res.end(body(next))
  }
}

runChild(handler)
