// simplesessions/adapters/next on a real Next.js server: the app in ./project (route handlers,
// server components, a server action) is built with `next build` (Turbopack) and served by
// `next start` on 127.0.0.1, a free port, against the built package (dist/, made by `npm test`
// before vitest), so requests take Next's own path: its cookie stores, its header merging, its
// server-action handling. Next's test utilities were not used: they drive handlers without that
// path (no response assembly, no action handling). The app imports simplesessions by name, which
// resolves to this repository through its own exports map (a package's self-reference, followed
// by Turbopack inside its root, set to the repository in project/next.config.mjs): no pack or
// install step, and the app runs on the repository's own next and react.
//   The scenarios are the adapter scenario list (no cookie, set, Vary on a read-only response,
// bogus / malformed / tampered / unknown cookies, regenerate, destroy, a throwing handler, a 5xx,
// one Session for two calls, 20 concurrent requests, a commit after the response, a flash value,
// rememberMe's cookies, the devices list and "sign out the others") plus Next's own
// places: a server component that reads, one that commits (HEADERS_SENT, nothing stored), a
// server action that sets a value, and autoCreate: false with startSession.
//   The built app does not depend on the wasm build under test, so only the release project runs it.

import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSetCookie as parseSetCookieLine, type CookieAttributes } from '../../../src/cookie.js'
import { Signer } from '../../../src/signing.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const project = fileURLToPath(new URL('./project/', import.meta.url))
const nextBin = join(root, 'node_modules/next/dist/bin/next')
const SECRET = 'next-adapter-test-secret-of-at-least-32-bytes'
const env = { ...process.env, SESSION_SECRET: SECRET, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' }

/** A port the OS just gave out and took back. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/** A Set-Cookie line, read by src/cookie.ts's parseSetCookie; a line a user agent ignores fails the test. */
function parseSetCookie(line: string): CookieAttributes {
  const c = parseSetCookieLine(line)
  if (c === undefined) throw new Error(`not a Set-Cookie line a user agent would keep: ${JSON.stringify(line)}`)
  return c
}

/** The comma-separated tokens of a header, lower-cased. */
const tokens = (v: string | null): string[] => (v ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean)

/** Text content of the element with `id` in server-rendered HTML, unescaped, parsed as JSON. */
function jsonIn(html: string, id: string): any {
  const m = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)
  if (!m) throw new Error(`no #${id} in the page`)
  const text = (m[1] ?? '').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
  return JSON.parse(text)
}

describe.skipIf(process.env.SIMPLESESSIONS_WASM === 'debug')('Next.js adapter on next start', () => {
  let server: ChildProcess | undefined
  let base = ''
  let output = ''

  beforeAll(async () => {
    if (!existsSync(join(root, 'dist/adapters/next/index.js'))) throw new Error('dist/ is missing: run `npm test` (it builds first)')
    await promisify(execFile)(process.execPath, [nextBin, 'build', project], { cwd: root, env, timeout: 60_000 })
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    server = spawn(process.execPath, [nextBin, 'start', project, '-H', '127.0.0.1', '-p', String(port)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    server.stdout?.on('data', (d) => (output += d))
    server.stderr?.on('data', (d) => (output += d))
    const deadline = Date.now() + 20_000
    for (;;) {
      if (server.exitCode !== null) throw new Error(`next start exited with ${server.exitCode}:\n${output}`)
      const ok = await fetch(`${base}/api/size`).then((r) => r.ok, () => false)
      if (ok) break
      if (Date.now() > deadline) throw new Error(`next start did not answer within 20 s:\n${output}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }, 60_000)

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once('exit', r))
      server.kill('SIGTERM')
      await exited
    }
    rmSync(join(project, '.next'), { recursive: true, force: true })
  })

  /** A request, with `cookie` (a `name=value` pair) sent as the Cookie header. */
  async function call(method: string, path: string, cookie?: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    if (cookie !== undefined) headers.set('cookie', cookie)
    return fetch(base + path, { ...init, method, headers, redirect: 'manual' })
  }

  /** The one Set-Cookie line of a response for `name` (fails on none or several). */
  function theCookie(res: Response, name = 'sid'): ReturnType<typeof parseSetCookie> {
    const lines = res.headers.getSetCookie().map(parseSetCookie).filter((c) => c.name === name)
    expect(lines, `one Set-Cookie for ${name}`).toHaveLength(1)
    return lines[0]!
  }

  const size = async (): Promise<number> => ((await (await call('GET', '/api/size')).json()) as { size: number }).size

  /** A new session holding `values`: its cookie pair and ID. */
  async function sessionWith(values: Record<string, string>): Promise<{ cookie: string; id: string }> {
    const res = await call('POST', `/api/set?${new URLSearchParams(values)}`)
    expect(res.status).toBe(200)
    const c = theCookie(res)
    return { cookie: `sid=${c.value}`, id: ((await res.json()) as { id: string }).id }
  }

  const read = async (cookie?: string): Promise<{ id: string; all: Record<string, unknown> }> => {
    const res = await call('GET', '/api/read', cookie)
    expect(res.status).toBe(200)
    return (await res.json()) as { id: string; all: Record<string, unknown> }
  }

  it('no cookie: no Set-Cookie, nothing stored; the read-only response says Vary: Cookie', async () => {
    const before = await size()
    const res = await call('GET', '/api/read')
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(tokens(res.headers.get('vary'))).toContain('cookie')
    expect(((await res.json()) as { all: object }).all).toEqual({})
    expect(await size()).toBe(before)
  })

  it("set: one Set-Cookie with the configured attributes, Vary: Cookie beside Next's own Vary values, one Session for two getSession calls", async () => {
    const before = await size()
    const res = await call('POST', '/api/set?a=1')
    const c = theCookie(res)
    expect(res.headers.getSetCookie()).toHaveLength(1)
    expect(c).toMatchObject({ path: '/', maxAge: 3600, secure: true, httpOnly: true, sameSite: 'strict' })
    const expires = c.expires!.getTime()
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(10_000)
    const vary = tokens(res.headers.get('vary'))
    expect(vary).toContain('cookie')
    // Next appends its router headers to an app route's Vary; ours survives beside them.
    expect(vary).toContain('rsc')
    expect(tokens(res.headers.get('cache-control'))).toContain('no-cache="set-cookie"')
    const body = (await res.json()) as { id: string; same: boolean }
    expect(body.same).toBe(true)
    expect(c.value.split('.')[1]).toBe(body.id)
    expect(await size()).toBe(before + 1)
    const again = await read(`sid=${c.value}`)
    expect(again).toEqual({ id: body.id, all: { a: '1' } })
  })

  it('bogus, malformed and tampered cookies give a fresh session; an unknown signed ID too, and its cookie is removed', async () => {
    const { cookie, id } = await sessionWith({ secret: 'mine' })
    const value = cookie.slice('sid='.length)
    const tampered = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A')
    const signer = new Signer([SECRET])
    const unknown = signer.newSignedId()
    signer.close()
    for (const bad of ['nonsense', '1.!!!.x', `1.${id}`, tampered, `%zz${value}`]) {
      const res = await call('GET', '/api/read', `sid=${bad}`)
      const body = (await res.json()) as { id: string; all: object }
      expect(body.all, bad).toEqual({})
      expect(body.id, bad).not.toBe(id)
      expect(res.headers.getSetCookie(), bad).toEqual([])
      const set = await call('POST', '/api/set?fresh=yes', `sid=${bad}`)
      expect(theCookie(set).value.split('.')[1], bad).not.toBe(id)
    }
    const res = await call('GET', '/api/read', `sid=${unknown.value}`)
    expect(((await res.json()) as { id: string }).id).not.toBe(unknown.id)
    const removal = theCookie(res)
    expect(removal.value).toBe('')
    expect(removal).toMatchObject({ path: '/', secure: true, httpOnly: true })
    expect(removal.expires!.getTime()).toBeLessThan(Date.now())
    // The real session was never touched by any of them.
    expect(await read(cookie)).toEqual({ id, all: { secret: 'mine' } })
  })

  it('regenerate: a new ID and cookie, the data kept, the old cookie dead', async () => {
    const { cookie, id } = await sessionWith({ kept: 'yes' })
    const res = await call('POST', '/api/regenerate', cookie)
    const body = (await res.json()) as { before: string; after: string; all: object }
    expect(body.before).toBe(id)
    expect(body.after).not.toBe(id)
    expect(body.all).toEqual({ kept: 'yes' })
    const next = theCookie(res)
    expect(next.value.split('.')[1]).toBe(body.after)
    expect(await read(`sid=${next.value}`)).toEqual({ id: body.after, all: { kept: 'yes' } })
    const old = await read(cookie)
    expect(old.all).toEqual({})
    expect(old.id).not.toBe(id)
  })

  it('destroy: the store forgets the session and the response removes the cookie with the same attributes', async () => {
    const { cookie, id } = await sessionWith({ doomed: 'yes' })
    const before = await size()
    const res = await call('POST', '/api/destroy', cookie)
    expect(res.status).toBe(204)
    const removal = theCookie(res)
    expect(removal.value).toBe('')
    expect(removal).toMatchObject({ path: '/', secure: true, httpOnly: true, sameSite: 'strict' })
    expect(removal.expires!.getTime()).toBeLessThan(Date.now())
    expect(await size()).toBe(before - 1)
    const after = await read(cookie)
    expect(after.all).toEqual({})
    expect(after.id).not.toBe(id)
  })

  for (const [route, status] of [
    ['/api/throw', 500],
    ['/api/fail', 503],
  ] as const) {
    it(`a handler that fails (${route}, ${status}): nothing saved, no cookie`, async () => {
      const before = await size()
      const fresh = await call('POST', route)
      expect(fresh.status).toBe(status)
      expect(fresh.headers.getSetCookie()).toEqual([])
      expect(await size()).toBe(before)
      const { cookie, id } = await sessionWith({ base: 'kept' })
      const existing = await call('POST', route, cookie)
      expect(existing.status).toBe(status)
      expect(existing.headers.getSetCookie()).toEqual([])
      expect(await read(cookie)).toEqual({ id, all: { base: 'kept' } })
    })
  }

  it('20 concurrent requests on one session keep all their keys', async () => {
    const { cookie, id } = await sessionWith({ base: '0' })
    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`)
    const responses = await Promise.all(keys.map((k) => call('POST', `/api/set?${k}=${k}`, cookie)))
    for (const r of responses) expect(r.status).toBe(200)
    const { all } = await read(cookie)
    expect(all).toEqual({ base: '0', ...Object.fromEntries(keys.map((k) => [k, k])) })
    expect((await read(cookie)).id).toBe(id)
  })

  it('a commit still running after withSession returned rejects with HEADERS_SENT and stores nothing', async () => {
    const before = await size()
    const token = `t${Date.now()}`
    const res = await call('POST', `/api/late?token=${token}`)
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(await (await call('GET', `/api/late?token=${token}`)).json()).toBe('HEADERS_SENT')
    expect(await size()).toBe(before)
  })

  it('a route handler without withSession commits through cookies() (no Vary: it cannot reach the Response)', async () => {
    const res = await call('POST', '/api/bare?v=explicit')
    const c = theCookie(res)
    expect(await read(`sid=${c.value}`)).toMatchObject({ all: { bare: 'explicit' } })
  })

  it("a server component reads the session; Next sends the page as private, no-store", async () => {
    const { cookie, id } = await sessionWith({ shown: '<in the page>' })
    const res = await call('GET', '/page-read', cookie)
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(jsonIn(await res.text(), 'session')).toEqual({ id, all: { shown: '<in the page>' } })
    const cc = tokens(res.headers.get('cache-control'))
    expect(cc).toContain('private')
    expect(cc).toContain('no-store')
  })

  it('a server component that commits a new session, or regenerates one, gets HEADERS_SENT with nothing stored', async () => {
    const before = await size()
    const res = await call('GET', '/page-commit')
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(jsonIn(await res.text(), 'outcome')).toMatchObject({ outcome: 'HEADERS_SENT' })
    expect(await size()).toBe(before)

    const { cookie, id } = await sessionWith({ who: 'me' })
    const regen = await call('GET', '/page-commit?op=regenerate', cookie)
    expect(regen.headers.getSetCookie()).toEqual([])
    expect(jsonIn(await regen.text(), 'outcome')).toEqual({ outcome: 'HEADERS_SENT', before: id, after: id })
    expect(await read(cookie)).toEqual({ id, all: { who: 'me' } })
  })

  it('a server component that commits fields of an existing session writes them (no cookie needed), sending no Set-Cookie', async () => {
    const { cookie, id } = await sessionWith({ who: 'me' })
    const res = await call('GET', '/page-commit', cookie)
    expect(res.headers.getSetCookie()).toEqual([])
    expect(jsonIn(await res.text(), 'outcome')).toEqual({ outcome: 'done', before: id, after: id })
    expect(await read(cookie)).toEqual({ id, all: { who: 'me', fromPage: 'written by a page' } })
  })

  it('a server action sets a value: one Set-Cookie, and the page rendered after it in the same request shows it', async () => {
    const page = await (await call('GET', '/action')).text()
    expect(jsonIn(page, 'remembered')).toBeNull()
    const field = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(page)?.[1]
    expect(field, 'the form carries its action ID').toBeDefined()
    const form = new FormData()
    form.set(field!, '')
    form.set('value', 'from an action')
    const res = await call('POST', '/action', undefined, { body: form })
    expect(res.status).toBe(200)
    const c = theCookie(res)
    expect(jsonIn(await res.text(), 'remembered')).toBe('from an action')
    expect((await read(`sid=${c.value}`)).all).toEqual({ remembered: 'from an action' })
  })

  it('a flash value: set on one request, popped on the next, gone after', async () => {
    const { cookie } = await sessionWith({ flash: 'saved' })
    expect(await (await call('POST', '/api/pop?key=flash', cookie)).json()).toEqual({ value: 'saved' })
    expect(await (await call('POST', '/api/pop?key=flash', cookie)).json()).toEqual({ value: null })
  })

  it('rememberMe(false) sends the cookie again without Max-Age or Expires; rememberMe(true) with them', async () => {
    const { cookie } = await sessionWith({ a: '1' })
    const off = theCookie(await call('POST', '/api/remember?value=false', cookie))
    expect(off.maxAge).toBeUndefined()
    expect(off.expires).toBeUndefined()
    const on = theCookie(await call('POST', '/api/remember?value=true', `sid=${off.value}`))
    expect(on.maxAge).toBe(3600)
  })

  it('devices: listSessions by handle with this one marked; destroySessions except this one signs out the others', async () => {
    const user = `u${Math.random()}`
    const logins = await Promise.all([0, 1].map(() => call('POST', `/api/login?user=${user}`)))
    const [mine, other] = logins.map((r) => `sid=${theCookie(r).value}`)
    const handles = (await Promise.all(logins.map((r) => r.json()))).map((b) => (b as { handle: string }).handle)
    expect(await (await call('GET', '/api/devices', mine)).json()).toEqual({ current: handles[0], handles: [...handles].sort() })
    expect(await (await call('POST', '/api/logout-others', mine)).json()).toEqual({ ended: 1 })
    expect((await read(other)).all).toEqual({})
    expect((await read(mine)).all).toEqual({ userId: user })
  })

  it('autoCreate: false: no valid cookie gives null and no cookie; startSession starts one', async () => {
    const none = await call('GET', '/api/strict')
    expect(await none.json()).toBeNull()
    expect(none.headers.getSetCookie()).toEqual([])
    expect(await (await call('GET', '/api/strict', 'strict=nonsense')).json()).toBeNull()
    const start = await call('POST', '/api/strict/start')
    const c = theCookie(start, 'strict')
    const body = (await start.json()) as { id: string; same: boolean }
    expect(body.same).toBe(true)
    const res = await call('GET', '/api/strict', `strict=${c.value}`)
    expect(await res.json()).toEqual({ id: body.id, all: { user: 'ada' } })
  })
})
