// Sessions for the Next.js App Router (Next 16), over `cookies()` from `next/headers`, as with
// iron-session's getIronSession: `await getSession(manager)` anywhere on the server, and
// `await session.commit()` where the response can still take a cookie: route handlers
// (withSession commits for them) and server actions, never server components, whose cookie store
// is read-only (https://nextjs.org/docs/app/api-reference/functions/cookies). There a commit that
// must send a cookie rejects with HEADERS_SENT before any store write; canSetCookie finds that
// out by calling the store's set() with no cookie (read-only: Next's own error; writable: a
// TypeError, nothing changed). One Session a request, keyed by Next's cookie store; withSession
// adds Vary: Cookie to a route handler's Response that read the session. The import names
// next/headers.js, since next has no exports map. Why, in full: docs/decisions/adapters.md.
//
// @example
//   // app/api/visits/route.ts
//   export const POST = withSession(manager, async () => {
//     const session = (await getSession(manager))!
//     const visits = session.int((await session.get('visits')) ?? 0) + 1
//     await session.set('visits', visits)
//     return Response.json({ visits }) // withSession commits, then adds Vary: Cookie
//   })

import type { CookieHooks, Manager } from '../../manager.js'
import type { Session, SessionData } from '../../session.js'
import type { CookieAttributes } from '../../cookie.js'
import { withNoCacheSetCookie, withVaryCookie } from '../../cookie.js'
import { SessionError, isSessionError } from '../../errors.js'
import { cookies } from 'next/headers.js'

/** What the adapter uses of Next's cookie store (`await cookies()`), read-only or writable. */
interface CookieStore {
  get(name: string): { value: string } | undefined
  set(cookie: CookieAttributes): unknown
}

/** What one request's cookie store has seen. */
interface RequestState {
  /** The session was read: the response depends on the Cookie header. */
  read: boolean
  /** The session set or removed its cookie. */
  wrote: boolean
  /** withSession's handler returned: the response is gone. */
  closed: boolean
  session: Session<any> | undefined
}

const states = new WeakMap<object, RequestState>()

function state(store: object): RequestState {
  let s = states.get(store)
  if (!s) states.set(store, (s = { read: false, wrote: false, closed: false, session: undefined }))
  return s
}

/**
 * The cookie's raw value from Next's store (it decodes percent-escapes; ours have none). The
 * adapter's getSession passes it for you; it is exported for `manager.acquire` called directly.
 *
 * @example
 * import { cookies } from 'next/headers'
 * import { getCookie } from 'simplesessions/adapters/next'
 *
 * const theme = getCookie('theme', await cookies())
 */
export function getCookie(name: string, store: CookieStore): string | undefined {
  return store.get(name)?.value
}

/**
 * False where Next's cookie store is read-only (a server component), or after withSession's
 * handler returned (docs/decisions/adapters.md).
 *
 * @example
 * import { cookies } from 'next/headers'
 * import { canSetCookie } from 'simplesessions/adapters/next'
 *
 * // In a server component: false, since Next sets cookies only in route handlers and actions.
 * const writable = canSetCookie(await cookies())
 */
export function canSetCookie(store: CookieStore): boolean {
  if (states.get(store)?.closed) return false
  try {
    ;(store.set as () => unknown)()
  } catch (err) {
    return err instanceof TypeError
  }
  // A store that took a set without a cookie is not Next's: nothing tells us it is read-only.
  return true
}

/**
 * Notes the read, for withSession's Vary: Cookie. The Manager calls it at a session's first read.
 *
 * @example
 * import { cookies } from 'next/headers'
 * import { onRead } from 'simplesessions/adapters/next'
 *
 * onRead(await cookies()) // withSession's Response will carry Vary: Cookie
 */
export function onRead(store: CookieStore): void {
  state(store).read = true
}

function writeCookie(cookie: CookieAttributes, store: CookieStore): void {
  if (!canSetCookie(store)) {
    throw new SessionError('HEADERS_SENT', `cannot set cookie ${cookie.name}: Next.js sets cookies only in route handlers and server actions, before they return`)
  }
  // Next's store serializes the same flat attributes (name, value, maxAge, expires, ...), and
  // keeps one Set-Cookie per name (the last set wins).
  store.set({ ...cookie })
  state(store).wrote = true
}

/**
 * Sets the cookie through Next's store (SessionError HEADERS_SENT where it is read-only);
 * carries canSetCookie and onRead as properties, so a Manager given this setCookie uses them.
 * getSession and startSession pass it for you.
 *
 * @example
 * import { cookies } from 'next/headers'
 * import { Manager } from 'simplesessions'
 * import { getCookie, setCookie } from 'simplesessions/adapters/next'
 *
 * const manager = new Manager({ secrets: [process.env.SESSION_SECRET!], getCookie, setCookie })
 * export async function POST(): Promise<Response> {
 *   const store = await cookies()
 *   const sess = await manager.acquire(store, store)
 *   await sess.set('seen', true)
 *   await sess.commit()
 *   return new Response('ok')
 * }
 */
export const setCookie: ((cookie: CookieAttributes, store: CookieStore) => void) & {
  /** The adapter's canSetCookie, which the Manager uses unless given one of its own. */
  readonly canSetCookie: typeof canSetCookie
  /** The adapter's onRead, which the Manager uses unless given one of its own. */
  readonly onRead: typeof onRead
} = Object.assign(writeCookie, { canSetCookie, onRead })

/** The hooks this adapter passes to acquire and newSession (the Manager's own stay untouched). */
const hooks: CookieHooks<CookieStore, CookieStore> = { getCookie, setCookie }

/** This request's cookie store. */
async function cookieStore(): Promise<CookieStore> {
  return (await cookies()) as unknown as CookieStore
}

/**
 * This request's session: in a route handler, a server action, or a server component (which can
 * read it but not commit a new cookie: HEADERS_SENT). Null when the manager has
 * `autoCreate: false` and the request has no valid session cookie (start one with startSession).
 * Calls in one request return the same Session.
 *
 * @example
 * // app/page.tsx: a server component reads the session (it cannot commit a new cookie).
 * import { Manager } from 'simplesessions'
 * import { getSession } from 'simplesessions/adapters/next'
 *
 * const manager = new Manager<{ user: string }>({ secrets: [process.env.SESSION_SECRET!] })
 * export default async function Page() {
 *   const session = await getSession(manager)
 *   return `hello ${(await session?.get('user')) ?? 'guest'}`
 * }
 */
export async function getSession<T extends SessionData>(manager: Manager<T, any, any>): Promise<Session<T> | null> {
  const store = await cookieStore()
  const s = state(store)
  try {
    return (s.session = await manager.acquire(store, store, store, hooks))
  } catch (err) {
    if (isSessionError(err, 'INVALID_SESSION')) return null
    throw err
  }
}

/**
 * A fresh session for this request whatever its cookie (manager.newSession): the login of an app
 * with `autoCreate: false`. Later getSession calls in this request return it. Like any session it
 * is stored, and its cookie set, by the first commit that has something to write.
 *
 * @example
 * // app/actions.ts
 * 'use server'
 * import { Manager } from 'simplesessions'
 * import { startSession } from 'simplesessions/adapters/next'
 *
 * const manager = new Manager<{ user: string }>({ secrets: [process.env.SESSION_SECRET!], autoCreate: false })
 * export async function login(user: string) {
 *   const session = await startSession(manager)
 *   await session.set('user', user)
 *   await session.commit() // a server action may set cookies
 * }
 */
export async function startSession<T extends SessionData>(manager: Manager<T, any, any>): Promise<Session<T>> {
  const store = await cookieStore()
  return (state(store).session = await manager.newSession(store, store, store, hooks))
}

/**
 * Wraps a route handler: after it returns a Response below 500, commits the session it used
 * (getSession/startSession), then adds `Vary: Cookie` if it read the session. Nothing is saved
 * when the handler throws or returns a 5xx; a regenerate or destroy it already did stays done.
 * Once the handler has returned, a commit still running rejects with HEADERS_SENT.
 *
 * @example
 * // app/api/me/route.ts
 * import { Manager } from 'simplesessions'
 * import { getSession, withSession } from 'simplesessions/adapters/next'
 *
 * const manager = new Manager<{ user: string }>({ secrets: [process.env.SESSION_SECRET!] })
 * export const GET = withSession(manager, async (request: Request) => {
 *   const session = (await getSession(manager))!
 *   return Response.json({ user: (await session.get('user')) ?? null })
 * })
 */
export function withSession<A extends unknown[]>(
  manager: Manager<any, any, any>,
  handler: (...args: A) => Response | Promise<Response>,
): (...args: A) => Promise<Response> {
  return async (...args: A): Promise<Response> => {
    const store = await cookieStore()
    const s = state(store)
    try {
      const res = await handler(...args)
      if (res.status < 500) await s.session?.commit()
      return s.read || s.wrote ? withVary(res, s.wrote) : res
    } finally {
      s.closed = true
    }
  }
}

/** The response marked as depending on the Cookie header (a copy when its headers are immutable). */
function withVary(res: Response, wrote: boolean): Response {
  let out = res
  try {
    out.headers.set('vary', withVaryCookie(out.headers.get('vary')))
  } catch {
    // Response.redirect() and fetched responses have immutable headers.
    out = new Response(res.body, res)
    out.headers.set('vary', withVaryCookie(out.headers.get('vary')))
  }
  if (wrote) out.headers.set('cache-control', withNoCacheSetCookie(out.headers.get('cache-control')))
  return out
}
