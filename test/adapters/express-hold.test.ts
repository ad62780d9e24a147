// How the Express/connect middleware holds the response and exposes req.session, beyond the shared
// scenarios (test/adapters/suite.ts): other middlewares that wrap the response's methods before or
// after it, Express sub-apps, the first response of an Express copy (its response is wrapped
// itself) against every later one (wrapped through Express's shared prototype), and a value
// someone else assigns to req.session.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import connect from 'connect'
import express5 from 'express'
import express4 from 'express4'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Manager } from '../../src/manager'
import { MemoryStore } from '../../src/stores/memory'
import { session } from '../../src/adapters/express/index'
import { SECRET } from './suite'

type Handler = (req: IncomingMessage & { session?: any }, res: ServerResponse, next: (err?: unknown) => void) => void

/** Wraps res.write and res.end on the response itself, as compression does: each chunk gets `mark` appended once. */
function marker(mark: string): Handler {
  return (_req, res, next) => {
    const write = res.write as (...a: unknown[]) => boolean
    const end = res.end as (...a: unknown[]) => ServerResponse
    const tag = (chunk: unknown) => (typeof chunk === 'string' ? chunk + mark : chunk)
    ;(res as { write: unknown }).write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      return write.call(this, tag(chunk), ...rest)
    }
    ;(res as { end: unknown }).end = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      return end.call(this, tag(chunk), ...rest)
    }
    next()
  }
}

/** Counts the session in `n`, writes the body in two chunks, ends with a third. */
const counter: Handler = (req, res, next) => {
  const s = req.session
  s.get('n')
    .then(async (n: number | undefined) => {
      await s.set('n', (n ?? 0) + 1)
      res.setHeader('content-type', 'text/plain')
      res.write(`n=${n ?? 0};`)
      res.write('more;')
      res.end('end')
    })
    .catch(next)
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

async function listen(app: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(app)
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Five requests of one client: the bodies, and whether each response set the session cookie. */
async function five(url: string): Promise<{ bodies: string[]; cookies: boolean[] }> {
  let cookie = ''
  const bodies: string[] = []
  const cookies: boolean[] = []
  for (let i = 0; i < 5; i++) {
    const r = await fetch(url, { headers: cookie ? { cookie } : {} })
    expect(r.status).toBe(200)
    bodies.push(await r.text())
    const set = r.headers.getSetCookie().find((l) => l.startsWith('sid='))
    cookies.push(set !== undefined)
    if (set) cookie = set.split(';')[0]!
  }
  return { bodies, cookies }
}

const manager = () => new Manager({ store: new MemoryStore(), secrets: [SECRET], cookie: { name: 'sid', secure: false } })
const expected = (mark: string) => [0, 1, 2, 3, 4].map((n) => `n=${n};${mark}more;${mark}end${mark}`)

const frameworks = {
  'Express 5': () => express5() as unknown as { use(...a: unknown[]): unknown; get(...a: unknown[]): unknown } & ((req: IncomingMessage, res: ServerResponse) => void),
  'Express 4': () => express4() as unknown as { use(...a: unknown[]): unknown; get(...a: unknown[]): unknown } & ((req: IncomingMessage, res: ServerResponse) => void),
}

describe.each(Object.entries(frameworks))('%s: the middleware holds the response', (_name, make) => {
  it('with a middleware after it that wraps write and end: each chunk passes that middleware once, after the commit', async () => {
    const app = make()
    app.use(session(manager()))
    app.use(marker('!'))
    app.get('/', counter)
    const { bodies, cookies } = await five(await listen(app))
    expect(bodies).toEqual(expected('!'))
    expect(cookies[0]).toBe(true) // the first response carries the new session's cookie
  })

  it('with a middleware before it that wraps write and end: the same', async () => {
    const app = make()
    app.use(marker('?'))
    app.use(session(manager()))
    app.get('/', counter)
    const { bodies, cookies } = await five(await listen(app))
    expect(bodies).toEqual(expected('?'))
    expect(cookies[0]).toBe(true)
  })

  it('adds no property to any response (the head methods are wrapped once, on ServerResponse.prototype)', async () => {
    const app = make()
    app.use(session(manager()))
    const own: string[][] = []
    app.get('/', (req: IncomingMessage & { session?: any }, res: ServerResponse, next: (err?: unknown) => void) => {
      own.push(['writeHead', 'write', 'end', 'flushHeaders'].filter((k) => Object.hasOwn(res, k)))
      counter(req, res, next)
    })
    const { bodies } = await five(await listen(app))
    expect(bodies).toEqual(expected(''))
    expect(own).toEqual([[], [], [], [], []])
  })

  it('adds one property to the request, req.session (its state is kept off the request); req.startSession comes from a prototype', async () => {
    // Each property added to an Express request costs a hidden class of its own (src/attach.ts).
    const app = make()
    const before: (string | symbol)[][] = []
    const after: (string | symbol)[][] = []
    app.use((req: IncomingMessage, _res: ServerResponse, next: () => void) => {
      before.push(Reflect.ownKeys(req))
      next()
    })
    app.use(session(manager()))
    app.use((req: IncomingMessage & { session?: any }, _res: ServerResponse, next: () => void) => {
      after.push(Reflect.ownKeys(req).filter((k) => !before.at(-1)!.includes(k)))
      expect(typeof req.session.get).toBe('function')
      next()
    })
    app.get('/', counter)
    const { bodies } = await five(await listen(app))
    expect(bodies).toEqual(expected(''))
    expect(after.map((keys) => keys.map((k) => (typeof k === 'symbol' ? 'symbol' : k)))).toEqual(new Array(5).fill(['session']))
  })

  it('an error while the session is shown to the request goes to the error handler; the server keeps serving', async () => {
    const app = make()
    app.use((req: IncomingMessage, _res: ServerResponse, next: () => void) => {
      if (req.url === '/locked') Object.defineProperty(req, 'session', { get: () => 'other', configurable: true })
      next()
    })
    app.use(session(manager()))
    app.get('/locked', (_req: IncomingMessage, res: ServerResponse) => res.end('unreachable'))
    app.get('/', counter)
    app.use((err: Error, _req: IncomingMessage, res: ServerResponse, _next: unknown) => {
      res.statusCode = 500
      res.end(`handled: ${err instanceof TypeError}`)
    })
    const url = await listen(app)
    const r = await fetch(`${url}/locked`)
    expect([r.status, await r.text()]).toEqual([500, 'handled: true'])
    expect((await five(url)).bodies).toEqual(expected(''))
  })

  it('two session middlewares with different Managers in one request: both commit before the response leaves', async () => {
    const app = make()
    const a = new Manager({ store: new MemoryStore(), secrets: [SECRET], cookie: { name: 'a', secure: false } })
    const b = new Manager({ store: new MemoryStore(), secrets: [SECRET], cookie: { name: 'b', secure: false } })
    app.use(session(a))
    const first = (req: IncomingMessage & { session?: any }, _res: ServerResponse, next: (err?: unknown) => void) => {
      const s = req.session
      s.get('n').then((n: number | undefined) => s.set('n', (n ?? 0) + 1)).then(() => next(), next)
    }
    app.use(first)
    app.use(session(b))
    app.get('/', (req: IncomingMessage & { session?: any }, res: ServerResponse, next: (err?: unknown) => void) => {
      const s = req.session
      s.get('m')
        .then(async (m: number | undefined) => {
          await s.set('m', (m ?? 0) + 10)
          res.end(`m=${m ?? 0}`)
        })
        .catch(next)
    })
    const url = await listen(app)
    const jar = new Map<string, string>()
    const bodies: string[] = []
    for (let i = 0; i < 3; i++) {
      const r = await fetch(url, { headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } })
      bodies.push(await r.text())
      for (const line of r.headers.getSetCookie()) {
        const [pair] = line.split(';')
        const [k, v] = pair!.split('=')
        jar.set(k!, v!)
      }
      if (i === 0) expect([...jar.keys()].sort()).toEqual(['a', 'b'])
    }
    expect(bodies).toEqual(['m=0', 'm=10', 'm=20'])
    const check = await a.acquire({ headers: { cookie: `a=${jar.get('a')}` } } as unknown as IncomingMessage, {} as ServerResponse, undefined, {
      getCookie: (name, req: IncomingMessage) => (req.headers.cookie ?? '').split('=').slice(1).join('=') || undefined,
      setCookie: () => {},
    })
    expect(await check.get('n')).toBe(3)
  })

  it('writeHead(status, headers): the Set-Cookie and Vary given there and the session\'s are both sent', async () => {
    const app = make()
    app.use(session(manager()))
    app.get('/', (req: IncomingMessage & { session?: any }, res: ServerResponse, next: (err?: unknown) => void) => {
      req.session
        .get('n')
        .then(async () => {
          await req.session.set('n', 1)
          res.writeHead(200, 'Fine', { 'Set-Cookie': 'csrf=1; Path=/', Vary: 'Accept-Encoding', 'content-type': 'text/plain' })
          res.end('ok')
        })
        .catch(next)
    })
    const r = await fetch(await listen(app))
    expect(r.status).toBe(200)
    expect(r.statusText).toBe('Fine')
    const lines = r.headers.getSetCookie()
    expect(lines.filter((l) => l.startsWith('csrf=1'))).toHaveLength(1)
    expect(lines.filter((l) => l.startsWith('sid='))).toHaveLength(1)
    expect(r.headers.get('vary')?.split(/,\s*/).sort()).toEqual(['Accept-Encoding', 'Cookie'])
    expect(await r.text()).toBe('ok')
  })

  it('a held call that throws when it runs goes to the error handler, and the server keeps serving', async () => {
    const app = make()
    app.use(session(manager()))
    app.get('/bad', (req: IncomingMessage & { session?: any }, res: ServerResponse, next: (err?: unknown) => void) => {
      req.session
        .set('n', 1)
        .then(() => (res.end as (chunk: unknown) => void)(123)) // not a string or a buffer: node throws, at the replay
        .catch(next)
    })
    app.get('/good', (_req: IncomingMessage, res: ServerResponse) => void res.end('fine'))
    app.use((_err: unknown, _req: IncomingMessage, res: ServerResponse, _next: unknown) => {
      res.statusCode = 500
      res.end('handled')
    })
    const url = await listen(app)
    const bad = await fetch(`${url}/bad`)
    expect(bad.status).toBe(500)
    expect(await bad.text()).toBe('handled')
    expect(await (await fetch(`${url}/good`)).text()).toBe('fine')
  })

  it('a held write() says the buffer is full, and drain follows the release', async () => {
    const app = make()
    app.use(session(manager()))
    const answers: unknown[] = []
    app.get('/', (req: IncomingMessage & { session?: any }, res: ServerResponse, next: (err?: unknown) => void) => {
      req.session
        .set('n', 1)
        .then(() => {
          answers.push(res.write('a'))
          res.once('drain', () => res.end('b'))
        })
        .catch(next)
    })
    const r = await fetch(await listen(app))
    expect(await r.text()).toBe('ab')
    expect(answers).toEqual([false])
  })

  it('the session stays the request\'s in an app of another Express copy it enters', async () => {
    const outer = make()
    const inner = (make === frameworks['Express 5'] ? frameworks['Express 4'] : frameworks['Express 5'])()
    outer.use(session(manager()))
    inner.get('/x', counter)
    outer.use('/in', (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => (inner as unknown as (a: unknown, b: unknown, c: unknown) => void)(req, res, next))
    const { bodies, cookies } = await five(`${await listen(outer)}/in/x`)
    expect(bodies).toEqual(expected(''))
    expect(cookies[0]).toBe(true)
  })

  it('a value assigned to req.session by other code is what req.session reads, and the session is not committed through it', async () => {
    const app = make()
    app.use(session(manager()))
    app.get('/', (req: IncomingMessage & { session?: any }, res: ServerResponse) => {
      req.session = { mine: true }
      res.end(JSON.stringify(req.session))
    })
    const url = await listen(app)
    for (let i = 0; i < 3; i++) expect(await (await fetch(url)).text()).toBe('{"mine":true}')
  })

  it('in a sub-app: the session of the sub-app reaches a parent handler after it, and the response is held there too', async () => {
    const parent = make()
    const sub = make()
    sub.use(session(manager()))
    sub.use((req: IncomingMessage & { session?: any }, _res: ServerResponse, next: (err?: unknown) => void) => {
      req.session.set('via', 'sub').then(() => next(), next)
    })
    parent.use('/s', sub)
    parent.get('/s/x', counter)
    const url = await listen(parent)
    const { bodies, cookies } = await five(`${url}/s/x`)
    expect(bodies).toEqual(expected(''))
    expect(cookies[0]).toBe(true)
  })
})

describe('connect: the middleware holds the response', () => {
  /** connect, with `before` ahead of the session middleware and a chunk marker after it. */
  async function markedFive(before?: Handler) {
    const app = connect()
    if (before) app.use(before)
    app.use(session(manager()))
    app.use(marker('!'))
    app.use(counter)
    const { bodies, cookies } = await five(await listen(app))
    expect(bodies).toEqual(expected('!'))
    expect(cookies[0]).toBe(true)
  }

  it('with a middleware after it that wraps write and end: each chunk passes that middleware once, after the commit', async () => {
    await markedFive()
  })

  // The hold is found through res.req; a response without that link (a server that does not set
  // it) carries its hold itself, and is held all the same.
  it('a response that does not link to its request is held until the commit too', async () => {
    await markedFive((_req, res, next) => {
      ;(res as { req?: unknown }).req = undefined
      next()
    })
  })
})

describe('Express 5: req.startSession', () => {
  type Req = IncomingMessage & { session?: any; startSession(): Promise<any> }
  it('starts a session of the session middleware that ran last for the request', async () => {
    const app = express5()
    const a = new Manager({ store: new MemoryStore(), secrets: [SECRET], cookie: { name: 'a', secure: false } })
    const b = new Manager({ store: new MemoryStore(), secrets: [SECRET], cookie: { name: 'b', secure: false } })
    app.use(session(a))
    app.use(session(b))
    app.get('/b', (req, res, next) => {
      ;(req as unknown as Req).startSession().then(async (s) => {
        await s.set('k', 1)
        res.send('ok')
      }, next)
    })
    app.use(session(a)) // the same middleware again: its slot is the request's again
    app.get('/a', (req, res, next) => {
      ;(req as unknown as Req).startSession().then(async (s) => {
        expect((req as unknown as Req).session).toBe(s)
        await s.set('k', 1)
        res.send('ok')
      }, next)
    })
    const url = await listen(app as unknown as (req: IncomingMessage, res: ServerResponse) => void)
    const names = async (path: string) => (await fetch(url + path)).headers.getSetCookie().map((c) => c.split('=')[0])
    expect(await names('/b')).toEqual(['b'])
    expect(await names('/a')).toEqual(['a'])
  })

  it('rejects with CONFIG in a request no session middleware ran for', async () => {
    const app = express5()
    app.get('/early', (req, res) => {
      ;(req as unknown as Req).startSession().then(
        () => res.send('started'),
        (err: { code?: string }) => res.status(409).send(String(err.code)),
      )
    })
    app.use(session(manager()))
    app.get('/', counter as never)
    const url = await listen(app as unknown as (req: IncomingMessage, res: ServerResponse) => void)
    expect((await fetch(url + '/')).status).toBe(200) // the middleware has run once in this app
    const r = await fetch(url + '/early')
    expect([r.status, await r.text()]).toEqual([409, 'CONFIG'])
  })
})

describe('two copies of the adapter in one process (the ESM and the CommonJS build, or two versions)', () => {
  it('each keeps its own requests\' req.session and req.startSession, whatever the other does meanwhile', async () => {
    vi.resetModules()
    const other = (await import('../../src/adapters/express/index')).session
    expect(other).not.toBe(session)
    const optional = () => new Manager({ store: new MemoryStore(), secrets: [SECRET], autoCreate: false, cookie: { name: 'sid', secure: false } })
    let entered!: () => void
    const inHandler = new Promise<void>((r) => (entered = r))
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const first = express5()
    first.use(session(optional()))
    first.get('/', (req: IncomingMessage & { session: unknown; startSession(): Promise<{ set(k: string, v: number): Promise<void> }> }, res: ServerResponse, next: (err?: unknown) => void) => {
      const before = req.session
      entered()
      gate
        .then(() => req.startSession())
        .then((s) => s.set('n', 1).then(() => res.end(`${String(before)} then ${req.session === s ? 'started' : 'lost'}`)), next)
    })
    const second = express5()
    second.use(other(manager()))
    second.get('/', counter)
    const a = await listen(first as unknown as (req: IncomingMessage, res: ServerResponse) => void)
    const b = await listen(second as unknown as (req: IncomingMessage, res: ServerResponse) => void)
    const pending = fetch(a)
    await inHandler
    expect((await five(b)).bodies).toEqual(expected(''))
    release()
    const r = await pending
    expect(await r.text()).toBe('null then started')
    expect(r.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['sid'])
    expect((await five(b)).bodies).toEqual(expected(''))
  })
})
