// Test harness for the Manager/Session suites: a real node:http server on a free port, a tiny
// cookie-keeping client around fetch, a spy store that records every session ID a store call
// receives, a manual clock, and in-process request/response doubles for the tests that need no
// socket.
//
// Bodies travel as the codec's bytes (encodeValue), so a route can return bigints, Dates and
// bytes and the test gets them back typed; a route that throws answers 500 with
// { error: code, message }.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { decodeValue, encodeValue, type Value } from '../../src/codec'
import { isSessionError } from '../../src/errors'
import { Manager, type ManagerOptions } from '../../src/manager'
import type { Session, SessionData } from '../../src/session'
import { getCookie, setCookie } from '../../src/adapters/node/index'
import { MemoryStore, type MemoryStoreOptions } from '../../src/stores/memory'
import type { CommitBatch, DestroyFilter, FieldValues, OwnedSession, RegenerateResult, SessionMeta, SessionRecord, Store } from '../../src/stores/types'
import { parseSetCookie as parseSetCookieLine, type CookieAttributes } from '../../src/cookie'

export { isDebugWasm } from '../helpers/bytes'

/** Secrets of 32+ bytes, distinct. */
export const SECRET_A = 'secret-A-0123456789abcdef0123456789abcdef'
export const SECRET_B = 'secret-B-0123456789abcdef0123456789abcdef'
export const SECRET_C = 'secret-C-0123456789abcdef0123456789abcdef'

// ---------------------------------------------------------------------------------------------
// Clock: the stores' conformance suite has the one manual clock.

export { manualClock, type TestClock as ManualClock } from '../stores/conformance'

// ---------------------------------------------------------------------------------------------
// Spy store

export type StoreOp = 'create' | 'load' | 'getMulti' | 'commit' | 'touch' | 'regenerate' | 'destroy' | 'listSessions' | 'destroySessions'

/** A MemoryStore that records every call and the ID it was made with. */
export class SpyStore implements Store {
  readonly inner: MemoryStore
  readonly calls: { op: StoreOp; id: string }[] = []

  constructor(options: MemoryStoreOptions = {}) {
    this.inner = new MemoryStore({ sweepInterval: 0, ...options })
  }

  /** Every batch that commit and regenerate received, and the metadata create received, in order. */
  readonly batches: (CommitBatch | SessionMeta)[] = []

  /** IDs passed to the given operations (all operations when none are given). */
  ids(...ops: StoreOp[]): string[] {
    return this.calls.filter((c) => ops.length === 0 || ops.includes(c.op)).map((c) => c.id)
  }

  count(op: StoreOp): number {
    return this.calls.filter((c) => c.op === op).length
  }

  reset(): void {
    this.calls.length = 0
  }

  get size(): number {
    return this.inner.size
  }

  create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>): Promise<boolean> {
    this.calls.push({ op: 'create', id })
    this.batches.push(meta)
    return this.inner.create(id, meta, fields)
  }
  load(id: string): Promise<SessionRecord | null> {
    this.calls.push({ op: 'load', id })
    return this.inner.load(id)
  }
  getMulti(id: string, names: readonly string[]): Promise<FieldValues | null> {
    this.calls.push({ op: 'getMulti', id })
    return this.inner.getMulti(id, names)
  }
  commit(id: string, batch: CommitBatch): Promise<boolean> {
    this.calls.push({ op: 'commit', id })
    this.batches.push(batch)
    return this.inner.commit(id, batch)
  }
  touch(id: string, expiresAt: number): Promise<boolean> {
    this.calls.push({ op: 'touch', id })
    return this.inner.touch(id, expiresAt)
  }
  regenerate(oldId: string, newId: string, batch: CommitBatch): Promise<RegenerateResult> {
    this.calls.push({ op: 'regenerate', id: oldId })
    this.batches.push(batch)
    return this.inner.regenerate(oldId, newId, batch)
  }
  destroy(id: string): Promise<void> {
    this.calls.push({ op: 'destroy', id })
    return this.inner.destroy(id)
  }
  listSessions(owner: string): Promise<OwnedSession[]> {
    this.calls.push({ op: 'listSessions', id: owner })
    return this.inner.listSessions(owner)
  }
  destroySessions(owner: string, filter?: DestroyFilter): Promise<number> {
    this.calls.push({ op: 'destroySessions', id: owner })
    return this.inner.destroySessions(owner, filter)
  }
  close(): void {
    this.inner.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Managers (closed after each test by the suite that makes them)

export type NodeManager = Manager<SessionData, IncomingMessage, ServerResponse>

const openManagers: Manager<any, any, any>[] = []

/** A Manager on the node adapter's hooks; closed by closeManagers(). */
export function nodeManager(options: Partial<ManagerOptions<IncomingMessage, ServerResponse>> = {}): NodeManager {
  const m = new Manager<SessionData, IncomingMessage, ServerResponse>({ secrets: [SECRET_A], getCookie, setCookie, ...options })
  openManagers.push(m)
  return m
}

/** Registers any manager for closeManagers(). */
export function track<M extends Manager<any, any, any>>(m: M): M {
  openManagers.push(m)
  return m
}

/** Releases the key slots of every manager made since the last call. */
export async function closeManagers(): Promise<void> {
  const list = openManagers.splice(0)
  for (const m of list) await m.close().catch(() => undefined)
}

// ---------------------------------------------------------------------------------------------
// Server

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
}

export type Route = (ctx: RouteContext) => Promise<Value | void> | Value | void

export interface Served {
  url: string
  close(): Promise<void>
}

const openServers: Served[] = []

/** Starts node:http on 127.0.0.1, port 0, dispatching on the path; unknown paths are 404. */
export async function serve(routes: Record<string, Route>): Promise<Served> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const route = routes[url.pathname]
    if (!route) {
      res.statusCode = 404
      res.end()
      return
    }
    Promise.resolve()
      .then(() => route({ req, res, url }))
      .then(
        (body) => send(res, 200, body ?? null),
        (err: unknown) => {
          const error = isSessionError(err) ? err.code : 'ERROR'
          const message = err instanceof Error ? err.message : String(err)
          send(res, 500, { error, message })
        },
      )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const served: Served = {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  openServers.push(served)
  return served
}

function send(res: ServerResponse, status: number, body: Value): void {
  if (res.headersSent) {
    res.end()
    return
  }
  let bytes: Uint8Array
  try {
    bytes = encodeValue(body)
  } catch (err) {
    status = 500
    bytes = encodeValue({ error: 'ENCODE', message: String(err) })
  }
  res.statusCode = status
  res.setHeader('content-type', 'application/octet-stream')
  res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
}

export async function closeServers(): Promise<void> {
  const list = openServers.splice(0)
  await Promise.all(list.map((s) => s.close()))
}

/** A route that acquires the session of `manager`, runs `fn`, commits, and returns fn's result. */
export function withSession(manager: Manager<any, IncomingMessage, ServerResponse>, fn: (sess: Session, ctx: RouteContext) => Promise<Value | void> | Value | void): Route {
  return async (ctx) => {
    const sess = await manager.acquire(ctx.req, ctx.res)
    const out = await fn(sess, ctx)
    await sess.commit()
    return out
  }
}

// ---------------------------------------------------------------------------------------------
// Client with a cookie jar

/** A Set-Cookie line read by src/cookie.ts's parseSetCookie; a line it would ignore fails the test. */
export function parseSetCookie(line: string): CookieAttributes {
  const c = parseSetCookieLine(line)
  if (c === undefined) throw new Error(`not a Set-Cookie line a user agent would keep: ${line}`)
  return c
}

/** True when the Set-Cookie line tells the client to drop the cookie. */
export function isRemoval(c: CookieAttributes): boolean {
  if (c.maxAge !== undefined) return c.maxAge <= 0
  return c.expires !== undefined && c.expires.getTime() <= Date.now()
}

export interface Reply {
  status: number
  headers: Headers
  /** Every Set-Cookie line of the response. */
  setCookies: string[]
  /** Parsed Set-Cookie lines. */
  cookies: CookieAttributes[]
  body: Value
}

export interface RequestOptions {
  method?: string
  /** Sent instead of the jar's Cookie header (the jar still learns from the response). */
  cookie?: string
  headers?: Record<string, string>
}

/** fetch with a cookie jar: keeps name=value from Set-Cookie, drops removed cookies. */
export class Client {
  readonly jar = new Map<string, string>()
  constructor(readonly base: string) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  async request(path: string, options: RequestOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers }
    const cookie = options.cookie ?? this.cookieHeader()
    if (cookie !== '') headers.cookie = cookie
    const r = await fetch(this.base + path, { method: options.method ?? 'GET', headers })
    const setCookies = r.headers.getSetCookie()
    const cookies = setCookies.map(parseSetCookie)
    for (const c of cookies) {
      if (isRemoval(c)) this.jar.delete(c.name)
      else this.jar.set(c.name, c.value)
    }
    const buf = new Uint8Array(await r.arrayBuffer())
    const body = buf.length === 0 ? null : decodeValue(buf)
    return { status: r.status, headers: r.headers, setCookies, cookies, body }
  }

  /** request() that fails the test on a non-200 answer. */
  async ok(path: string, options: RequestOptions = {}): Promise<Reply> {
    const reply = await this.request(path, options)
    if (reply.status !== 200) throw new Error(`${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`)
    return reply
  }
}

/** The Set-Cookie lines of `reply` for cookie `name`. */
export function cookiesNamed(reply: Reply, name: string): CookieAttributes[] {
  return reply.cookies.filter((c) => c.name === name)
}

/** The ID inside a signed cookie value "1.<id>.<mac>". */
export function idOf(value: string): string {
  const parts = value.split('.')
  if (parts.length !== 3) throw new Error(`not a signed value: ${value}`)
  return parts[1]!
}

/** A promise with its resolve function outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void
  const promise = new Promise<T>((r) => (resolve = r))
  return { promise, resolve }
}

// ---------------------------------------------------------------------------------------------
// In-process doubles (no socket): a request is its Cookie header, a response collects cookies.

export interface FakeReq {
  cookies: Record<string, string>
}
export interface FakeRes {
  set: CookieAttributes[]
  /** Its headers went out: fakeManager's canSetCookie is false from then on. */
  sent?: boolean
  /** Times fakeManager's onRead was called with it. */
  reads?: number
}

export function fakeReq(cookies: Record<string, string> = {}): FakeReq {
  return { cookies }
}
export function fakeRes(): FakeRes {
  return { set: [] }
}

export type FakeManager = Manager<SessionData, FakeReq, FakeRes>

export function fakeManager(options: Partial<ManagerOptions<FakeReq, FakeRes>> = {}): FakeManager {
  const m = new Manager<SessionData, FakeReq, FakeRes>({
    secrets: [SECRET_A],
    getCookie: (name, req) => (Object.hasOwn(req.cookies, name) ? req.cookies[name] : undefined),
    setCookie: (cookie, res) => {
      if (res.sent) throw new Error('a cookie after the headers went out')
      res.set.push(cookie)
    },
    canSetCookie: (res) => !res.sent,
    onRead: (res) => void (res.reads = (res.reads ?? 0) + 1),
    ...options,
  })
  openManagers.push(m)
  return m
}

/** A session stored with `values` through `m` (a request of its own); returns its cookie value. */
export async function stored(m: FakeManager, values: Record<string, string | number>): Promise<string> {
  const res = fakeRes()
  const s = await m.acquire(fakeReq(), res)
  await s.setMulti(values)
  await s.commit()
  const c = res.set.at(-1)
  if (!c) throw new Error('no cookie was set')
  return c.value
}

/** The field names of live session `id` in a SpyStore, sorted ([] when it is gone). */
export async function liveKeys(store: SpyStore, id: string): Promise<string[]> {
  const r = await store.inner.load(id)
  return r ? [...r.fields.keys()].sort() : []
}
