// Where the Express middleware keeps each request's state: a map of the requests in flight
// (src/adapters/express/index.ts, "the requests in flight"). A request leaves it when its
// response was ended; one whose response closed first is found by a sweep and still commits when
// its handler answers late. Observed from outside: whether the request objects can be collected,
// and what the store holds. The requests are node:http's own objects, made without a socket, and
// the middleware is called on them directly.

import { createReadStream, writeFileSync } from 'node:fs'
import { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Socket } from 'node:net'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import express from 'express'
import { describe, expect, it } from 'vitest'
import { Manager } from '../../src/manager'
import { MemoryStore } from '../../src/stores/memory'
import { session } from '../../src/adapters/express/index'
import { SECRET } from './suite'

/** The engine's garbage collector, to show which request objects are still held. */
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

type Middleware = ReturnType<typeof session>
type SessionReq = IncomingMessage & { session?: any; startSession?: () => Promise<unknown> }

/** A request and its response as node:http makes them, without a connection. */
function exchange(cookie?: string): { req: SessionReq; res: ServerResponse } {
  const req = new IncomingMessage(new Socket()) as SessionReq
  req.method = 'GET'
  req.url = '/'
  if (cookie !== undefined) req.headers.cookie = cookie
  return { req, res: new ServerResponse(req) }
}

const through = (middleware: Middleware, req: SessionReq, res: ServerResponse) =>
  new Promise<void>((resolve, reject) => middleware(req, res, (err?: unknown) => (err ? reject(err) : resolve())))

/** Collects until every ref is cleared or 20 tries passed; the refs still set. */
async function survivors(refs: WeakRef<object>[]): Promise<number> {
  for (let i = 0; i < 20 && refs.some((r) => r.deref() !== undefined); i++) {
    await new Promise((resolve) => setTimeout(resolve, 0)) // a WeakRef holds its target until the job ends
    gc()
  }
  return refs.filter((r) => r.deref() !== undefined).length
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

/** A response of no session, through the wrappers: moves their one-entry cache off the responses under test. */
function unrelatedResponse(): void {
  exchange().res.end()
}

/** The Set-Cookie the commit put on `res`, as a Cookie header. */
const cookieOf = (res: ServerResponse) => String(res.getHeader('set-cookie') ?? '').split(';')[0]!

describe('Express middleware: the requests in flight', () => {
  it('keeps nothing of a request whose response was ended', async () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    const middleware = session(new Manager({ store, secrets: [SECRET] }))
    const refs: WeakRef<object>[] = []
    const cookies: string[] = []
    for (let i = 0; i < 5; i++) {
      await (async () => {
        const { req, res } = exchange()
        await through(middleware, req, res)
        await req.session.set('i', i)
        res.end('ok') // held until the commit, then run
        await new Promise((resolve) => setImmediate(resolve))
        expect(res.writableEnded).toBe(true)
        cookies.push(cookieOf(res))
        refs.push(new WeakRef(req), new WeakRef(res))
      })()
    }
    expect(await survivors(refs)).toBe(0)
    // Each committed before it ended.
    for (let i = 0; i < 5; i++) {
      const { req, res } = exchange(cookies[i])
      await through(middleware, req, res)
      expect(await req.session.get('i')).toBe(i)
    }
  })

  it('a request whose response closed before it was ended: no longer held once swept, and its late answer still commits', async () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    const middleware = session(new Manager({ store, secrets: [SECRET] }))
    // The one that answers after the sweep.
    const late = exchange()
    await through(middleware, late.req, late.res)
    await late.req.session.set('late', true)
    late.res.destroy() // the client went away
    // Enough others, each closed before it was ended, for the map to be swept more than once.
    const refs: WeakRef<object>[] = []
    for (let i = 0; i < 3000; i++) {
      await (async () => {
        const { req, res } = exchange()
        await through(middleware, req, res)
        res.destroy()
        if (i < 1000) refs.push(new WeakRef(req))
      })()
    }
    expect(await survivors(refs)).toBe(0)
    // The late handler answers: the session commits first, as for any response.
    late.res.end('late')
    await new Promise((resolve) => setImmediate(resolve))
    const cookie = cookieOf(late.res)
    expect(cookie).toMatch(/=/)
    const again = exchange(cookie)
    await through(middleware, again.req, again.res)
    expect(await again.req.session.get('late')).toBe(true)
  })

  it('a request whose response was ended around the hold (after its commit failed) is dropped by the sweep', async () => {
    // A new session's commit is the store's create.
    class FailingStore extends MemoryStore {
      override async create(): Promise<boolean> {
        throw new Error('store down')
      }
    }
    const middleware = session(new Manager({ store: new FailingStore({ sweepInterval: 0 }), secrets: [SECRET] }))
    const refs: WeakRef<object>[] = []
    await (async () => {
      const { req, res } = exchange()
      const errors: unknown[] = []
      await new Promise<void>((resolve) => middleware(req, res, (err?: unknown) => (err ? errors.push(err) : resolve())))
      await req.session.set('a', 1)
      res.end('held') // the commit fails: the error goes to next(err), nothing was sent
      await new Promise((resolve) => setImmediate(resolve))
      expect(errors).toHaveLength(1)
      expect(res.writableEnded).toBe(false)
      res.end('error page') // the error handler's answer passes straight through
      expect(res.writableEnded).toBe(true)
      refs.push(new WeakRef(req))
    })()
    for (let i = 0; i < 2100; i++) {
      const { req, res } = exchange()
      await through(middleware, req, res)
      res.destroy()
    }
    expect(await survivors(refs)).toBe(0)
  })

  it('a middleware mounted twice in a request that is still in flight after a sweep shares its session', async () => {
    const store = new MemoryStore({ sweepInterval: 0 })
    const middleware = session(new Manager({ store, secrets: [SECRET] }))
    const first = exchange()
    await through(middleware, first.req, first.res)
    const s = first.req.session
    for (let i = 0; i < 2100; i++) {
      const { req, res } = exchange()
      await through(middleware, req, res)
      res.destroy()
    }
    await through(middleware, first.req, first.res) // a router's mount, after the sweeps
    expect(first.req.session).toBe(s)
  })

  it('a streamed response (its first write held, its end after the release) leaves nothing behind once ended', async () => {
    const middleware = session(new Manager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [SECRET] }))
    const refs: WeakRef<object>[] = []
    for (let i = 0; i < 3; i++) {
      await (async () => {
        const { req, res } = exchange()
        await through(middleware, req, res)
        await req.session.set('i', i)
        res.write(Buffer.alloc(1 << 20)) // a 1 MiB first chunk: held until the commit
        await tick() // committed, replayed, released
        res.end() // straight through the wrappers
        expect(res.writableEnded).toBe(true)
        refs.push(new WeakRef(req), new WeakRef(res))
      })()
    }
    unrelatedResponse()
    expect(await survivors(refs)).toBe(0)
  })

  it('flushHeaders() first (server-sent events), end later: nothing left behind', async () => {
    const middleware = session(new Manager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [SECRET] }))
    const refs: WeakRef<object>[] = []
    await (async () => {
      const { req, res } = exchange()
      await through(middleware, req, res)
      res.flushHeaders()
      await tick()
      res.end('bye')
      refs.push(new WeakRef(req), new WeakRef(res))
    })()
    unrelatedResponse()
    expect(await survivors(refs)).toBe(0)
  })

  it('the store fails while the session is opened (next(err)): the error page ends the response, nothing left behind', async () => {
    class Down extends MemoryStore {
      override async load(): Promise<never> {
        throw new Error('store down')
      }
    }
    const good = session(new Manager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [SECRET] }))
    const first = exchange()
    await through(good, first.req, first.res)
    await first.req.session.set('a', 1)
    first.res.end()
    await tick()
    const middleware = session(new Manager({ store: new Down({ sweepInterval: 0 }), secrets: [SECRET], autoCreate: false }))
    const refs: WeakRef<object>[] = []
    await (async () => {
      const { req, res } = exchange(cookieOf(first.res))
      const err = await through(middleware, req, res).then(() => undefined, (e: unknown) => e)
      expect(String(err)).toMatch(/store/)
      res.statusCode = 500
      res.end('error page')
      refs.push(new WeakRef(req), new WeakRef(res))
    })()
    unrelatedResponse()
    expect(await survivors(refs)).toBe(0)
  })

  it("the last response of no session is not kept alive by the wrappers' one-entry cache", async () => {
    session(new Manager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [SECRET] })) // the wrappers in place
    const refs: WeakRef<object>[] = []
    ;(() => {
      const { req, res } = exchange()
      res.end('plain')
      refs.push(new WeakRef(req), new WeakRef(res))
    })()
    expect(await survivors(refs)).toBe(0)
  })

  describe('the middleware mounted again after the response was committed (a router reached after an async next())', () => {
    it('shows the same session', async () => {
      const middleware = session(new Manager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [SECRET] }))
      const { req, res } = exchange()
      await through(middleware, req, res)
      const s = req.session
      await s.set('a', 1)
      res.end('sent')
      await tick() // committed and replayed
      await through(middleware, req, res)
      expect(req.session).toBe(s)
    })

    it.each([
      ['a returning client', true],
      ['a new client', false],
    ])('%s: next() runs once, and a write after the answer is not saved, even after a late end()', async (_name, returning) => {
      const store = new MemoryStore({ sweepInterval: 0 })
      const middleware = session(new Manager({ store, secrets: [SECRET] }))
      let cookie: string | undefined
      if (returning) {
        const before = exchange()
        await through(middleware, before.req, before.res)
        await before.req.session.set('n', 1)
        before.res.end()
        await tick()
        cookie = cookieOf(before.res)
      }
      const { req, res } = exchange(cookie)
      await through(middleware, req, res)
      if (!returning) await req.session.set('n', 1)
      res.end('sent') // the answer: committed, then replayed
      await tick()
      const sent = cookieOf(res) || cookie!
      const nexts: unknown[] = []
      middleware(req, res, (err?: unknown) => nexts.push(err ?? 'next()'))
      await tick()
      await req.session.set('n', 2) // after the answer: not saved
      res.end() // a late end (a logger, a double res.end)
      await tick()
      await tick()
      expect(nexts).toEqual(['next()'])
      const check = exchange(sent)
      await through(middleware, check.req, check.res)
      expect(await check.req.session.get('n')).toBe(1)
    })

    it('req.startSession() then rejects with HEADERS_SENT', async () => {
      const middleware = session(new Manager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [SECRET] }))
      const { req, res } = exchange()
      ;(req as unknown as { res: ServerResponse }).res = res // as Express links them
      await through(middleware, req, res)
      res.end('sent')
      await tick()
      await expect(req.startSession!()).rejects.toMatchObject({ code: 'HEADERS_SENT' })
    })
  })

  it('on a real Express 5 server, piped bodies (the first chunk held, the end after the release): the finished requests are collected', async () => {
    const file = join(tmpdir(), `simplesessions-inflight-${process.pid}.bin`)
    writeFileSync(file, Buffer.alloc(256 * 1024, 1)) // read in 64 KiB chunks
    const app = express()
    app.use(session(new Manager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [SECRET] })))
    const refs: WeakRef<object>[] = []
    app.get('/pipe', (req, res) => {
      refs.push(new WeakRef(req), new WeakRef(res))
      createReadStream(file).pipe(res)
    })
    app.get('/plain', (_req, res) => void res.send('x'))
    const server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    try {
      for (let i = 0; i < 10; i++) expect((await (await fetch(`${base}/pipe`)).arrayBuffer()).byteLength).toBe(256 * 1024)
      await (await fetch(`${base}/plain`)).text()
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
    expect(await survivors(refs)).toBe(0)
  })
})
