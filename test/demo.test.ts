// The demo (src/demo/app.ts, `npm start`) on each store it offers, through a real port with a
// browser-like cookie jar: the environment's store switch, then one tour a store of what the
// README says the demo shows: typed values, a flash message shown once, regenerate at login
// ("keep me signed in" persistent, otherwise a browser-session cookie), the devices list and
// "sign out other devices", logout. Where the sealed cookie store cannot do a thing (list
// devices, make an older cookie value stop opening) the tour checks that the page and the
// store behave as the README says instead.

import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDemo, demoStoreName, openDemoStore } from '../src/demo/app'
import { CookieStore } from '../src/stores/cookie'
import { MemoryStore } from '../src/stores/memory'
import { RedisStore } from '../src/stores/redis'
import type { SealedStore, Store } from '../src/stores/types'
import { startRedis, type RedisServer } from './redis/process'
import { describeRedis } from './redis/server'

const SECRET = 'demo-test-secret-0123456789abcdef0123456789'
const COOKIE = 'demo_session'

interface Answer {
  status: number
  html: string
  /** The response's Set-Cookie line for the demo's cookie, if any. */
  setCookie: string | undefined
}

/** One browser: keeps the demo's cookie as a browser would (a removal cookie drops it). */
class Browser {
  cookie: string | undefined
  constructor(readonly base: string) {}

  get(path: string): Promise<Answer> {
    return this.#send('GET', path)
  }

  post(path: string, form: Record<string, string> = {}): Promise<Answer> {
    return this.#send('POST', path, new URLSearchParams(form).toString())
  }

  async #send(method: string, path: string, body?: string): Promise<Answer> {
    const headers: Record<string, string> = {}
    if (this.cookie !== undefined) headers.cookie = `${COOKIE}=${this.cookie}`
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
    const res = await fetch(this.base + path, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) })
    const setCookie = res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE}=`))
    if (setCookie !== undefined) {
      const value = setCookie.slice(COOKIE.length + 1).split(';')[0] ?? ''
      this.cookie = /;\s*Max-Age=0(;|$)/i.test(setCookie) ? undefined : value
    }
    return { status: res.status, html: await res.text(), setCookie }
  }
}

/** The demo on `store`, on a free port; close() ends the server and the Manager (not the store). */
async function serve(store: Store | SealedStore): Promise<{ base: string; close(): Promise<void> }> {
  const { handle, manager } = createDemo({ store, secret: SECRET, about: 'the store under test', log: () => {} })
  const server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await manager.close()
    },
  }
}

const row = (key: string, type: string, shown: string) => `<tr><td>${key}</td><td>${type}</td><td><code>${shown}</code></td></tr>`
const flash = (text: string) => `class="flash"><b>${text}</b>`

/** Everything the README says the demo shows, on one store. `serverSide`: a store that keeps sessions (memory, Redis). */
async function tour(base: string, serverSide: boolean): Promise<void> {
  // Owner sets are per user: a name of its own keeps runs on a shared Redis apart.
  const user = `ada-${randomBytes(4).toString('hex')}`
  const a = new Browser(base)

  // Typed values: the visit counter is an int; a bigint set from the form stays a bigint.
  let r = await a.get('/')
  expect(r.status).toBe(200)
  expect(r.html).toContain(row('visits', 'int', '1'))
  expect(r.html).toContain('Store: the store under test')
  r = await a.post('/set', { key: 'big', type: 'bigint', value: '12345678901234567890' })
  expect(r.status).toBe(303)

  // The flash message: on the next page, then gone.
  r = await a.get('/')
  expect(r.html).toContain(flash('saved big'))
  expect(r.html).toContain(row('big', 'bigint', '12345678901234567890n'))
  expect(r.html).toContain(row('visits', 'int', '2'))
  r = await a.get('/')
  expect(r.html).not.toContain('saved big')
  expect(r.html).not.toContain('<td>flash</td>')

  // A value the owner field cannot take is the user's mistake: 400, and the session is unchanged.
  r = await a.post('/set', { key: 'user', type: 'bool', value: 'true' })
  expect(r.status).toBe(400)
  expect(r.html).toContain('a session owner must be a non-empty string or a safe integer')
  expect(r.html).not.toContain('Logged in as')

  // Login: a new session ID (a new cookie value, a new ID on the page), the values kept, a
  // welcome flash; "keep me signed in" makes the cookie persistent.
  r = await a.get('/')
  const before = a.cookie
  const idBefore = /Session ID: <code>([^<]*)<\/code>/.exec(r.html)?.[1]
  r = await a.post('/login', { user, remember: '1' })
  expect(r.status).toBe(303)
  expect(a.cookie).toBeDefined()
  expect(a.cookie).not.toBe(before)
  expect(r.setCookie).toMatch(/;\s*Max-Age=\d+/i)
  r = await a.get('/')
  expect(r.html).toContain(flash(`signed in as ${user}`))
  expect(r.html).toContain(`Logged in as <b>${user}</b>`)
  expect(r.html).toContain(row('big', 'bigint', '12345678901234567890n'))
  expect(r.html).toMatch(/<tr><td>loggedInAt<\/td><td>Date<\/td><td><code>\d{4}-\d\d-\d\dT[\d:.]+Z<\/code>/)
  const idAfter = /Session ID: <code>([^<]*)<\/code>/.exec(r.html)?.[1]
  expect(idAfter).toBeDefined()
  expect(idAfter).not.toBe(idBefore)
  // Only the start of the ID is on the page, never the whole bearer token.
  expect(idAfter).toMatch(/^[\w-]{6}…$/)

  // The cookie value from before the login: a server-side store ended that ID; the sealed
  // store cannot reach a copy a client kept, which still opens to what it held then.
  const stale = new Browser(base)
  stale.cookie = before
  r = await stale.get('/')
  if (serverSide) expect(r.html).not.toContain('<td>big</td>')
  else expect(r.html).toContain(row('big', 'bigint', '12345678901234567890n'))

  // A second device: a browser-session cookie (no "keep me signed in").
  const b = new Browser(base)
  r = await b.post('/login', { user })
  expect(r.setCookie).toBeDefined()
  expect(r.setCookie).not.toMatch(/Max-Age|Expires/i)

  r = await a.get('/')
  if (serverSide) {
    // The devices list: both, this one marked; then "sign out all other devices".
    expect(r.html.match(/<li>session started /g)).toHaveLength(2)
    expect(r.html.match(/\(this device\)/g)).toHaveLength(1)
    r = await a.post('/logout-others')
    expect(r.status).toBe(303)
    r = await a.get('/')
    expect(r.html).toContain(flash('signed out 1 other device'))
    expect(r.html.match(/<li>session started /g)).toHaveLength(1)
    r = await b.get('/')
    expect(r.html).not.toContain('Logged in as')
  } else {
    expect(r.html).toContain('The sealed cookie store keeps nothing on the server, so it cannot list devices.')
  }

  // Logout: the session destroyed, the cookie removed.
  r = await a.post('/logout')
  expect(r.status).toBe(303)
  expect(r.setCookie).toMatch(/;\s*Max-Age=0(;|$)/i)
  expect(a.cookie).toBeUndefined()
  r = await a.get('/')
  expect(r.html).not.toContain('Logged in as')
  expect(r.html).toContain(row('visits', 'int', '1'))
}

describe('the demo store switch', () => {
  it('memory by default, Redis when REDIS_URL is set, SESSION_STORE names any of the three', () => {
    expect(demoStoreName({})).toBe('memory')
    expect(demoStoreName({ SESSION_STORE: '' })).toBe('memory')
    expect(demoStoreName({ REDIS_URL: 'redis://localhost:6379' })).toBe('redis')
    expect(demoStoreName({ SESSION_STORE: 'redis' })).toBe('redis')
    expect(demoStoreName({ SESSION_STORE: 'cookie' })).toBe('cookie')
    expect(demoStoreName({ SESSION_STORE: 'cookie', REDIS_URL: 'redis://localhost:6379' })).toBe('cookie')
    expect(demoStoreName({ SESSION_STORE: 'memory', REDIS_URL: 'redis://localhost:6379' })).toBe('memory')
    expect(() => demoStoreName({ SESSION_STORE: 'mongo' })).toThrow('SESSION_STORE must be one of memory, redis, cookie, got "mongo"')
  })

  it('opens the store it names, and says which', async () => {
    const memory = await openDemoStore({})
    expect(memory.store).toBeInstanceOf(MemoryStore)
    expect(memory.about).toMatch(/^memory/)
    ;(memory.store as MemoryStore).close()
    const cookie = await openDemoStore({ SESSION_STORE: 'cookie' })
    expect(cookie.store).toBeInstanceOf(CookieStore)
    expect(cookie.about).toMatch(/^sealed cookie/)
  })
})

describe('the demo on the memory store', () => {
  it('shows typed values, a flash, regenerate at login, the devices and logout', async () => {
    const store = new MemoryStore()
    const demo = await serve(store)
    try {
      await tour(demo.base, true)
    } finally {
      await demo.close()
      store.close()
    }
  })
})

describe('the demo on the sealed cookie store', () => {
  it('shows the same, and says what a store without server state cannot do', async () => {
    const demo = await serve(new CookieStore())
    try {
      await tour(demo.base, false)
    } finally {
      await demo.close()
    }
  })
})

describeRedis('the demo on Redis', () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('REDIS_URL opens a Redis store, on which the demo shows the same', async () => {
    const { name, store } = await openDemoStore({ REDIS_URL: server.url })
    expect(name).toBe('redis')
    expect(store).toBeInstanceOf(RedisStore)
    const demo = await serve(store)
    try {
      await tour(demo.base, true)
    } finally {
      await demo.close()
      await (store as RedisStore).close()
    }
  })
})
