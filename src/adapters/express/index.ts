// Session middleware for Express 4 and 5 and plain connect (anything that calls
// `(req, res, next)` with node:http's IncomingMessage and ServerResponse):
//
//   app.use(session(manager))             // manager = new Manager({ store, secrets })
//   app.get('/', async (req, res) => {
//     const n = req.session.int((await req.session.get('n')) ?? 0)
//     await req.session.set('n', n + 1)
//     res.send(String(n))                   // the commit happens here, before the headers leave
//   })
//
// It brings its own hooks (the node adapter's: the cookie on IncomingMessage/ServerResponse,
// `res.headersSent` as canSetCookie, Vary: Cookie at the first read), so the Manager needs no
// getCookie/setCookie. `req.session` is the request's Session; with `autoCreate: false` and no
// valid cookie it is null, and `await req.startSession()` starts one (manager.newSession). Its
// type comes from `AdapterTypes` of the package root (declaration merging on Express.Request).
//
// When the commit happens: automatically, holding the response until the store answered.
// Express has no awaited hook between the handler and the response head (unlike Fastify's onSend
// or Hono's `await next()`), and an explicit `await req.session.commit()` in every handler is the
// glue this middleware exists to remove: one forgotten line loses the session in silence. So the
// middleware intercepts the calls that put the head on the wire (writeHead, write, end,
// flushHeaders): the first one is held, the session commits (its Set-Cookie and Vary go on the
// response), then the held calls run in their order. Nothing is written before the commit: not
// the headers (express-session's onHeaders path saves after them and loses a late cookie), and
// not a part of the body (express-session's end() override writes the body's first byte to push
// the headers out, then saves and writes the rest: a split response, and a client that saw the
// head before the store answered).
//   https://github.com/expressjs/session/blob/v1.18.1/index.js#L250-L330
// A streaming handler's first write waits for the store like end() does, and `write()` then
// returns true (the held chunk is in memory, as it would be in the socket's buffer).
//   A handler may still `await req.session.commit()` itself (to see a store failure, or before
// streaming); the automatic commit then has nothing left to do. A commit that runs after the
// response went out rejects with SessionError 'HEADERS_SENT' when it must send a cookie.
//
// Failures: no commit when the response is a 5xx (Express answers a thrown error, or next(err),
// with its error handler's status, 500 by default), unless `saveOnError: true`. A store failure
// in the automatic commit goes to next(err) before anything was written, so the app's error
// handler answers it as it answers any other error.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AdapterData, AdapterSession } from '../../index.js'
import type { Manager } from '../../manager.js'
import type { Session as SimpleSession } from '../../session.js'
import { canSetCookie, getCookie, onRead, setCookie } from '../node/index.js'
import { checkOptions, hooked, keepSlot, Slot, slotOf, type AdapterOptions } from '../lifecycle.js'

export type { AdapterOptions } from '../lifecycle.js'

declare global {
  // Express's Request type extends the global Express.Request (@types/express-serve-static-core),
  // so these reach `req` in every handler typed by @types/express.
  namespace Express {
    interface Request {
      /** The request's session (see AdapterTypes in the package root for its type). */
      session: AdapterSession
      /** Starts a fresh session for this request (manager.newSession), which becomes `req.session`. */
      startSession(): Promise<SimpleSession<AdapterData>>
    }
  }
}

type Next = (err?: unknown) => void
/** What the middleware adds to the request. */
type WithSession = IncomingMessage & { session: AdapterSession; startSession(): Promise<SimpleSession<AdapterData>> }

/** The response methods that put the head (and maybe body) on the wire. */
const HEAD_METHODS = ['writeHead', 'write', 'end', 'flushHeaders'] as const
type HeadMethod = (typeof HEAD_METHODS)[number]

/**
 * The middleware: `app.use(session(manager))`. Mounting it again (a router, a route) in the same
 * request gives the same session.
 */
export function session(manager: Manager<any, any, any>, options?: AdapterOptions): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const opts = checkOptions(options)
  const sessions = hooked<any, IncomingMessage, ServerResponse>(manager, { getCookie, setCookie, canSetCookie, onRead })
  return function simplesessions(req, res, next) {
    const r = req as WithSession
    const known = slotOf(req, manager)
    if (known) {
      r.session = known.session as AdapterSession
      r.startSession = known.start
      return next()
    }
    const slot = new Slot<AdapterData>(sessions, req, res, opts, (s) => (r.session = s as AdapterSession))
    keepSlot(req, manager, slot)
    r.startSession = slot.start
    slot.open().then(() => {
      hold(res, slot, next)
      next()
    }, next)
  }
}

/** A response's held calls, and what releases them. */
interface Held {
  slot: Slot<AdapterData>
  next: Next
  /** The response's own methods as they were when the middleware ran. */
  original: Record<HeadMethod, (...args: unknown[]) => unknown>
  calls: [HeadMethod, unknown[]][] | undefined
  released: boolean
}

const HELD = Symbol('simplesessions.held')
type Holding = ServerResponse & { [HELD]: Held }
type Methods = Record<HeadMethod, (...args: unknown[]) => unknown>

/**
 * Wrappers shared by every response (no closures per request): the first head-writing call is
 * held until the session committed, then the held calls run in their order. The wrappers stay in
 * place and pass through once released (another middleware may have wrapped them in turn, e.g.
 * compression), so nothing is put back by hand.
 */
const wrappers = Object.fromEntries(
  HEAD_METHODS.map((m) => [
    m,
    function (this: Holding, ...args: unknown[]): unknown {
      const h = this[HELD]
      const own = this as unknown as Methods
      if (h.released) return h.original[m].apply(this, args)
      const ret = m === 'write' ? true : m === 'flushHeaders' ? undefined : this
      if (h.calls) {
        h.calls.push([m, args])
        return ret
      }
      h.calls = [[m, args]]
      // writeHead(status) sets the status as it sends it.
      const status = m === 'writeHead' && typeof args[0] === 'number' ? args[0] : this.statusCode
      h.slot.end(status >= 500).then(
        () => {
          h.released = true
          for (const [method, a] of h.calls ?? []) own[method].apply(this, a)
        },
        (err: unknown) => {
          h.released = true
          h.calls = undefined
          h.next(err)
        },
      )
      return ret
    },
  ]),
) as Methods

function hold(res: ServerResponse, slot: Slot<AdapterData>, next: Next): void {
  const r = res as Holding
  const own = res as unknown as Methods
  r[HELD] = { slot, next, original: { writeHead: own.writeHead, write: own.write, end: own.end, flushHeaders: own.flushHeaders }, calls: undefined, released: false }
  own.writeHead = wrappers.writeHead
  own.write = wrappers.write
  own.end = wrappers.end
  own.flushHeaders = wrappers.flushHeaders
}
