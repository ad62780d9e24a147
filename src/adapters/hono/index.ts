// Session middleware for Hono 4, on any runtime Hono runs on: only the fetch standard's Request,
// Headers and Response are used. Not exported to browsers, which drop Set-Cookie from every
// Response a script makes.
//
//   app.use(session(manager))                  // manager = new Manager({ store, secrets })
//   app.get('/', async (c) => {
//     const s = c.var.session
//     const n = s.int((await s.get('n')) ?? 0)
//     await s.set('n', n + 1)
//     return c.text(String(n))                 // committed after the handler, on c.res
//   })
//
// The cycle of Hono's own middleware: acquire, `await next()`, commit. Cookies go through
// c.header(), which copies an immutable response first and survives a handler's own Response.
// No commit when the handler threw or answered 5xx, unless saveOnError. Once the middleware has
// returned the response is the runtime's: a later commit that must send a cookie rejects with
// HEADERS_SENT. `c.var.session` is typed by ContextVariableMap
// (https://hono.dev/docs/api/context#contextvariablemap). Why, in full: docs/decisions/adapters.md.

import type { Context, MiddlewareHandler } from 'hono'
import type { AdapterData, AdapterSession } from '../../index.js'
import { getCookie as readCookie, withVaryCookie, type CookieAttributes } from '../../cookie.js'
import { SessionError } from '../../errors.js'
import type { Manager } from '../../manager.js'
import type { Session as SimpleSession } from '../../session.js'
import { canSetCookie as mutable, setCookie as setHeadersCookie } from '../fetch/index.js'
import { checkOptions, hooked, keepSlot, Slot, slotIn, slotsOf, type AdapterOptions } from '../lifecycle.js'

export type { AdapterOptions } from '../lifecycle.js'

declare module 'hono' {
  interface ContextVariableMap {
    /** The request's session (see AdapterTypes in the package root for its type). */
    session: AdapterSession
    /** Starts a fresh session for this request (manager.newSession), which becomes `c.var.session`. */
    startSession: () => Promise<SimpleSession<AdapterData>>
  }
}

/** A header name no one sends: `c.header(PROBE, undefined)` makes c.res mutable and changes nothing. */
const PROBE = 'x-simplesessions-probe'

/** Contexts whose session middleware has returned: their response belongs to the runtime. */
const finished = new WeakSet<Context>()

function canSetCookie(c: Context): boolean {
  return !finished.has(c)
}

/** The response's Headers, mutable (Hono copies an immutable response on c.header). */
function headersOf(c: Context): Headers {
  c.header(PROBE, undefined)
  return c.res.headers
}

/** Contexts whose session was read: their response gets Vary: Cookie when the middleware ends. */
const read = new WeakSet<Context>()

/**
 * Marks the context; the Vary is added to the final response, after the handler: written now, it
 * would replace the Vary of a Response the handler returns (Hono copies the context's headers
 * over the returned response's).
 */
function onRead(c: Context): void {
  read.add(c)
}

function addVary(c: Context): void {
  const h = headersOf(c)
  if (mutable(h)) h.set('vary', withVaryCookie(h.get('vary')))
}

function setCookie(cookie: CookieAttributes, c: Context): void {
  if (!canSetCookie(c)) throw new SessionError('HEADERS_SENT', `cannot set cookie ${cookie.name}: the response was already handed to the runtime`)
  setHeadersCookie(cookie, headersOf(c))
}

/** Shows a slot's session (a new one after startSession) as `c.var.session`. */
function expose(c: Context, s: SimpleSession<AdapterData> | null): void {
  c.set('session', s as AdapterSession)
}

function getCookie(name: string, c: Context): string | undefined {
  return readCookie(c.req.header('cookie'), name)
}

/**
 * The middleware: `app.use(session(manager, { saveOnError? }))`, then `c.var.session` in every
 * handler, on any runtime Hono runs on. It commits after the handler, on `c.res`; not after an
 * error or a 5xx unless `saveOnError`.
 *
 * @example
 * import { Hono } from 'hono'
 * import { Manager } from 'simplesessions'
 * import { session } from 'simplesessions/adapters/hono'
 *
 * const manager = new Manager({ secrets: [process.env.SESSION_SECRET!] })
 * const app = new Hono()
 * app.use(session(manager))
 * app.get('/', async (c) => {
 *   const visits = c.var.session.int((await c.var.session.get('visits')) ?? 0) + 1
 *   await c.var.session.set('visits', visits)
 *   return c.text(`visit ${visits}`)
 * })
 */
export function session(manager: Manager<any, any, any>, options?: AdapterOptions): MiddlewareHandler {
  const opts = checkOptions(options)
  const sessions = hooked<any, Context, Context>(manager, { getCookie, setCookie, canSetCookie, onRead })
  return async function simplesessions(c, next) {
    const kept = slotsOf(c)
    const known = slotIn(kept, manager)
    if (known) {
      c.set('session', known.session as AdapterSession)
      c.set('startSession', () => known.start())
      return next()
    }
    const slot = new Slot<AdapterData>(sessions, c, c, opts, expose)
    keepSlot(c, manager, slot, kept)
    c.set('startSession', () => slot.start())
    await slot.open()
    try {
      await next()
      await slot.end(c.error !== undefined || c.res.status >= 500)
      if (read.has(c)) addVary(c)
    } finally {
      finished.add(c)
    }
  }
}
