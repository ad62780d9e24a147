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
import { withHooks, type Manager } from '../../manager.js'
import type { Session as SimpleSession } from '../../session.js'
import { canSetCookie, getCookie, onRead, setCookie } from '../node/index.js'
import { checkOptions, keepSlot, Slot, slotOf, type AdapterOptions } from '../lifecycle.js'

export type { AdapterOptions } from '../lifecycle.js'

declare global {
  // Express's Request type extends the global Express.Request (@types/express-serve-static-core),
  // so these reach `req` in every handler typed by @types/express.
  // eslint-disable-next-line @typescript-eslint/no-namespace
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
  const hooked = manager[withHooks]<IncomingMessage, ServerResponse>({ getCookie, setCookie, canSetCookie, onRead })
  return function simplesessions(req, res, next) {
    const r = req as WithSession
    const known = slotOf(req, manager)
    if (known) {
      expose(r, known)
      return next()
    }
    const slot = new Slot<AdapterData>(hooked, req, res, opts, () => undefined)
    keepSlot(req, manager, slot)
    expose(r, slot)
    slot.open().then(() => {
      hold(res, slot, next)
      next()
    }, next)
  }
}

function expose(req: WithSession, slot: Slot<AdapterData>): void {
  Object.defineProperty(req, 'session', {
    configurable: true,
    enumerable: true,
    get: () => slot.session,
    set: (v: SimpleSession<AdapterData> | null) => (slot.session = v),
  })
  req.startSession = slot.start
}

/**
 * Holds the first head-writing call until the session committed, then replays the held calls.
 * The wrappers stay in place and pass through once released (another middleware may have wrapped
 * them in turn, e.g. compression), so nothing is put back by hand.
 */
function hold(res: ServerResponse, slot: Slot<AdapterData>, next: Next): void {
  const own = res as unknown as Record<HeadMethod, (...args: unknown[]) => unknown>
  let held: [HeadMethod, unknown[]][] | undefined
  let released = false
  for (const m of HEAD_METHODS) {
    const original = own[m]
    own[m] = function (this: unknown, ...args: unknown[]) {
      if (released) return original.apply(this, args)
      const ret = m === 'write' ? true : m === 'flushHeaders' ? undefined : res
      if (held) {
        held.push([m, args])
        return ret
      }
      held = [[m, args]]
      // writeHead(status) sets the status as it sends it.
      const status = m === 'writeHead' && typeof args[0] === 'number' ? args[0] : res.statusCode
      slot.end(status >= 500).then(
        () => {
          released = true
          for (const [method, a] of held ?? []) own[method].apply(res, a)
        },
        (err: unknown) => {
          released = true
          held = undefined
          next(err)
        },
      )
      return ret
    }
  }
}
