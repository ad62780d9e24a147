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
// It brings the node adapter's hooks, so the Manager needs no getCookie/setCookie. The rule:
// the session commits automatically, before anything of the response is written. Express has no
// awaited hook before the head goes out, so the first of writeHead/write/end/flushHeaders is held
// until the commit resolved (express-session saves after the headers, or splits the body, and
// can lose the cookie: https://github.com/expressjs/session/blob/v1.18.1/index.js#L250-L330).
// No commit after a 5xx unless saveOnError; a store failure goes to next(err) before anything was
// written. Why, in full: docs/decisions/adapters.md.

import { IncomingMessage, ServerResponse } from 'node:http'
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
type Start = () => Promise<SimpleSession<AdapterData>>

/** The response methods that put the head (and maybe body) on the wire. */
const HEAD_METHODS = ['writeHead', 'write', 'end', 'flushHeaders'] as const
type HeadMethod = (typeof HEAD_METHODS)[number]
type Methods = Record<HeadMethod, (...args: unknown[]) => unknown>

/**
 * The middleware: `app.use(session(manager))`. Mounting it again (a router, a route) in the same
 * request gives the same session.
 */
export function session(manager: Manager<any, any, any>, options?: AdapterOptions): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const opts = checkOptions(options)
  const sessions = hooked<any, IncomingMessage, ServerResponse>(manager, { getCookie, setCookie, canSetCookie, onRead })
  return function simplesessions(req, res, next) {
    const known = slotOf(req, manager)
    if (known) {
      expose(req, known.session as AdapterSession, known.start)
      return next()
    }
    const slot: Slot<AdapterData> = new Slot<AdapterData>(sessions, req, res, opts, (s) => expose(req, s as AdapterSession, slot.start))
    keepSlot(req, manager, slot)
    slot.open().then(() => {
      hold(res, slot, next)
      next()
    }, next)
  }
}

// ---- req.session and req.startSession -------------------------------------------------------
//
// Express gives each request and response a prototype of its own (app.request, app.response), and
// V8 then builds a new hidden class for every property added to the object, which measured several
// µs each. So where Express's shared request object sits between the request and IncomingMessage,
// `session` and `startSession` are accessors on it reading a WeakMap, and the response's head
// methods are held by wrappers on Express's shared response object: no property is added to
// either object. A value someone else assigns to req.session becomes the request's own property,
// as it would without us. On plain connect (node's own classes), they are own properties.

/** What req.session and req.startSession show, for requests whose accessors are on a prototype. */
const EXPOSED = new WeakMap<object, { session: AdapterSession; start: Start }>()

/**
 * The object a framework placed right above node's `core` prototype in `obj`'s chain (Express's
 * request or response object, shared by every app of that Express copy), if any.
 */
function frameworkProto(obj: object, core: object): object | undefined {
  let below: object | undefined
  for (let p = Object.getPrototypeOf(obj) as object | null; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (p === core) return below
    below = p
  }
  return undefined
}

/** Request prototypes that carry the accessors; `false` when they could not be added (a name in use). */
const ACCESSORS = new WeakMap<object, boolean>()

function accessorsOn(proto: object): boolean {
  let ok = ACCESSORS.get(proto)
  if (ok !== undefined) return ok
  ok = !('session' in proto) && !('startSession' in proto)
  if (ok) {
    for (const [name, pick] of [
      ['session', (e: { session: AdapterSession }) => e.session],
      ['startSession', (e: { start: Start }) => e.start],
    ] as const) {
      Object.defineProperty(proto, name, {
        configurable: true,
        get(this: object) {
          const e = EXPOSED.get(this)
          return e === undefined ? undefined : pick(e as { session: AdapterSession; start: Start })
        },
        set(this: object, value: unknown) {
          Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true })
        },
      })
    }
  }
  ACCESSORS.set(proto, ok)
  return ok
}

function expose(req: IncomingMessage, s: AdapterSession, start: Start): void {
  const proto = frameworkProto(req, IncomingMessage.prototype)
  if (proto !== undefined && accessorsOn(proto) && !Object.hasOwn(req, 'session') && !Object.hasOwn(req, 'startSession')) {
    EXPOSED.set(req, { session: s, start })
  } else {
    const r = req as IncomingMessage & { session: AdapterSession; startSession: Start }
    r.session = s
    r.startSession = start
  }
}

// ---- holding the response until the commit ----------------------------------------------------

/** The method under this middleware's wrapper: what a held call runs once released. */
type Below = (m: HeadMethod) => (...args: unknown[]) => unknown

/** A response's held calls, and what releases them. */
interface Held {
  slot: Slot<AdapterData>
  next: Next
  below: Below
  calls: [HeadMethod, unknown[]][] | undefined
  released: boolean
}

const HELD = new WeakMap<object, Held>()

/**
 * The first head-writing call is held until the session committed, then the held calls run in
 * their order, each by the method under this middleware's wrapper: a middleware that wrapped
 * the response's methods in turn (compression, after or before this one) has done its part on
 * the way in, and must not see the chunk twice.
 */
function holdCall(res: ServerResponse, h: Held, m: HeadMethod, args: unknown[]): unknown {
  const ret = m === 'write' ? true : m === 'flushHeaders' ? undefined : res
  if (h.calls) {
    h.calls.push([m, args])
    return ret
  }
  h.calls = [[m, args]]
  // writeHead(status) sets the status as it sends it.
  const status = m === 'writeHead' && typeof args[0] === 'number' ? args[0] : res.statusCode
  h.slot.end(status >= 500).then(
    () => {
      h.released = true
      for (const [method, a] of h.calls ?? []) h.below(method).apply(res, a)
    },
    (err: unknown) => {
      h.released = true
      h.calls = undefined
      h.next(err)
    },
  )
  return ret
}

/** Wrappers set on a response itself (plain connect, and the first response of an Express copy). */
const instanceWrappers = Object.fromEntries(
  HEAD_METHODS.map((m) => [
    m,
    function (this: ServerResponse, ...args: unknown[]): unknown {
      const h = HELD.get(this)!
      if (h.released) return h.below(m).apply(this, args)
      return holdCall(this, h, m, args)
    },
  ]),
) as Methods

/** Response prototypes that carry the wrappers, with what is under them. */
const WRAPPED = new WeakMap<object, Below>()

/**
 * Wraps the head methods on `proto` once; each passes through for a response that is not held.
 * Under each: a method `proto` had of its own, else the one above it, looked up at the call (so
 * a later patch of ServerResponse.prototype is honoured).
 */
function wrapProto(proto: object): Below {
  const p = proto as Methods
  const above = Object.getPrototypeOf(proto) as Methods
  const own: Partial<Methods> = {}
  for (const m of HEAD_METHODS) if (Object.hasOwn(proto, m)) own[m] = p[m]
  const below: Below = (m) => own[m] ?? above[m]
  for (const m of HEAD_METHODS) {
    p[m] = function (this: ServerResponse, ...args: unknown[]): unknown {
      const h = HELD.get(this)
      if (h === undefined || h.released) return below(m).apply(this, args)
      return holdCall(this, h, m, args)
    }
  }
  WRAPPED.set(proto, below)
  return below
}

function hold(res: ServerResponse, slot: Slot<AdapterData>, next: Next): void {
  const proto = frameworkProto(res, ServerResponse.prototype)
  const below = proto === undefined ? undefined : WRAPPED.get(proto)
  if (below !== undefined) {
    HELD.set(res, { slot, next, below, calls: undefined, released: false })
    return
  }
  // The first response of this Express copy (or plain connect): a middleware mounted before this
  // one may hold node's own methods already, so this response is wrapped itself; the prototype,
  // wrapped now, serves every later response.
  const own = res as unknown as Methods
  const original: Methods = { writeHead: own.writeHead, write: own.write, end: own.end, flushHeaders: own.flushHeaders }
  HELD.set(res, { slot, next, below: (m) => original[m], calls: undefined, released: false })
  own.writeHead = instanceWrappers.writeHead
  own.write = instanceWrappers.write
  own.end = instanceWrappers.end
  own.flushHeaders = instanceWrappers.flushHeaders
  if (proto !== undefined) wrapProto(proto)
}
