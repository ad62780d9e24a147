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
import { Attachment } from '../../attach.js'
import { SessionError } from '../../errors.js'
import { checkOptions, hooked, keepSlot, Slot, slotIn, type AdapterOptions, type RequestSlots, type SlotStore } from '../lifecycle.js'

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

/** The response methods that put the head (and maybe body) on the wire. */
const HEAD_METHODS = ['writeHead', 'write', 'end', 'flushHeaders'] as const
type HeadMethod = (typeof HEAD_METHODS)[number]
type Methods = Record<HeadMethod, (...args: unknown[]) => unknown>

/**
 * The middleware: `app.use(session(manager))`, then `req.session` in every handler. It brings
 * the node adapter's cookie hooks (the Manager needs none) and commits the session before the
 * response's head goes out; not after a 5xx unless `saveOnError`. Mounting it again (a router,
 * a route) in the same request gives the same session.
 *
 * @example
 * import express from 'express'
 * import { Manager } from 'simplesessions'
 * import { session } from 'simplesessions/adapters/express'
 *
 * const manager = new Manager({ secrets: [process.env.SESSION_SECRET!] })
 * const app = express()
 * app.use(session(manager))
 * app.get('/', async (req, res) => {
 *   const visits = req.session.int((await req.session.get('visits')) ?? 0) + 1
 *   await req.session.set('visits', visits)
 *   res.send(`visit ${visits}`) // committed before the response leaves
 * })
 */
export function session(manager: Manager<any, any, any>, options?: AdapterOptions): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const opts = checkOptions(options)
  const sessions = hooked<any, IncomingMessage, ServerResponse>(manager, { getCookie, setCookie, canSetCookie, onRead })
  wrapResponses()
  return function simplesessions(req, res, next) {
    provide(req)
    const kept = LIVE.get(req)
    const known = slotIn(kept, manager)
    if (known) {
      kept!.current = known
      expose(req, known.session)
      return next()
    }
    const slot = new Slot<AdapterData>(sessions, req, res, opts, expose)
    if (res.headersSent) return late(req, slot, next)
    const slots = keepSlot(req, manager, slot, kept, LIVE)
    slot.acquire().then(
      (s) => {
        try {
          slot.opened(s)
          hold(req, res, slots, slot, next)
        } catch (failure) {
          forget(req, slots)
          return next(failure) // never an unhandled rejection, which ends the process
        }
        next()
      },
      (err: unknown) => {
        try {
          slot.refused(err)
        } catch (failure) {
          forget(req, slots)
          return next(failure)
        }
        hold(req, res, slots, slot, next)
        next()
      },
    )
  }
}

// ---- the requests in flight ---------------------------------------------------------------------
//
// Each request's slots, and with them the response's hold (found by the wrappers through
// `res.req`), are kept in a Map of the requests in flight, not on the request as the other
// adapters keep them: on Express each property added to a request costs a hidden class of its
// own and a copy of the request's ~40 property descriptors (~1.3 KB, src/attach.ts), and the
// lookups of a property the request does not have walk its prototype chain in the runtime. A Map
// entry costs neither, and unlike a WeakMap's it is not an ephemeron that every scavenge traces.
// Server CPU a request on the Express benchmark, measured in pairs (docs/decisions/adapters.md):
// ~3% less than with the slots on the request.
//
// A request leaves the map when its response's `end` has run through the wrappers (held, or
// after the hold was released: a streamed body, a failed commit's error page), or when its
// session middleware failed before holding the response: the usual ways out, which keep a
// finished request's objects from being held past their young generation. A session middleware
// mounted again after that finds the response's head gone and neither holds nor commits (see
// late()): as before, nothing written after the commit is saved. A request whose response was
// never ended through the wrappers (the client went away and the handler never answered, or the
// response was ended around them) is found by a sweep, which runs when the map has grown to twice
// what the last sweep left (at least SWEEP_FLOOR entries), so its cost is constant per request
// and the map stays within twice the requests in flight, plus the floor. The sweep drops a request whose response is ended, and moves one whose response closed
// before it was ended to a WeakMap, where every lookup still finds it (its handler may still
// answer, and its session must still commit) and which keeps it no longer than the request lives.
// Those are few, so their scavenge cost is small; a lookup of a request that is in neither costs
// two hash misses. Only node:http's requests go in the map (their responses end or close, and the
// sweep can tell which); any other request object (a test's stand-in) keeps its slots on itself.

/** The fewest entries the map of requests in flight sweeps at. */
const SWEEP_FLOOR = 1024

/** The slots of a request that is not an IncomingMessage. */
const ON_OBJECT = new Attachment<RequestSlots>('simplesessions express slots')

class InFlight implements SlotStore {
  readonly #map = new Map<object, RequestSlots>()
  /** Requests whose response closed before it was ended (moved here by the sweep). */
  readonly #closed = new WeakMap<object, RequestSlots>()
  #sweepAt = SWEEP_FLOOR

  get(req: object): RequestSlots | undefined {
    if (!(req instanceof IncomingMessage)) return ON_OBJECT.get(req)
    return this.#map.get(req) ?? this.#closed.get(req)
  }

  set(req: object, slots: RequestSlots): void {
    if (!(req instanceof IncomingMessage)) return ON_OBJECT.set(req, slots)
    if (this.#map.size >= this.#sweepAt) this.#sweep()
    this.#map.set(req, slots)
  }

  /** `req` is over: its response was ended through the wrappers, or its middleware failed (forget). */
  delete(req: object): void {
    this.#map.delete(req)
  }

  #sweep(): void {
    for (const [req, slots] of this.#map) {
      const res = slots.current?.res as Partial<ServerResponse> | null | undefined
      if (res?.writableEnded === true) this.#map.delete(req)
      // Not req.destroyed: a request whose body was read is destroyed while its response is not.
      else if (res?.destroyed === true || (req as IncomingMessage).socket?.destroyed === true) {
        this.#closed.set(req, slots)
        this.#map.delete(req)
      }
    }
    this.#sweepAt = Math.max(SWEEP_FLOOR, 2 * this.#map.size)
  }
}

/** The requests in flight that this copy of the module's session middlewares have seen. */
const LIVE = new InFlight()

/**
 * A session middleware that runs after the response's head went out (mounted again after the
 * answer, once the request left the map, or first mounted that late): nothing it could write
 * would reach the client's cookie, so the response is not held and nothing is committed. The
 * session the request shows already stays; a request without one gets one to read.
 */
function late(req: IncomingMessage, slot: Slot<AdapterData>, next: Next): void {
  if ((req as { session?: unknown }).session !== undefined) return next()
  slot.open().then(() => next(), next)
}

/**
 * A session middleware failed before it held the response (its error goes to next(err)): the
 * request leaves the map, unless another session middleware holds its response (that hold's end
 * takes it out).
 */
function forget(req: IncomingMessage, slots: RequestSlots): void {
  if (slots.held === undefined) LIVE.delete(req)
}

// ---- req.session and req.startSession ----------------------------------------------------------
//
// `req.session` is an own property of the request, as express-session's is. `req.startSession`
// is a method of the request's prototype (Express's `app.request`, or IncomingMessage's under
// plain connect), given once per prototype, not a property of each request: each property added
// to an Express request costs a new hidden class and a copy of its ~40 property descriptors
// (~1.3 KB), since Express gives every request its app's prototype (src/attach.ts). A request
// that is not an IncomingMessage gets it as an own property: its prototype may be shared by
// everything (Object.prototype). The method starts a session on the request's current slot (the
// session middleware that ran last).

/** The prototype of the last request found to have startSession (Express's `app.request`): no lookup. */
let provided: object | null = null

/** Puts startSession in place for `req`. */
function provide(req: IncomingMessage): void {
  const proto = Object.getPrototypeOf(req) as object | null
  if (proto === provided && proto !== null) return
  if (!(req instanceof IncomingMessage) || proto === null) {
    ;(req as { startSession?: unknown }).startSession = startSession
    return
  }
  if ((req as { startSession?: unknown }).startSession !== startSession) {
    Object.defineProperty(proto, 'startSession', { value: startSession, writable: true, configurable: true })
  }
  provided = proto
}

/** Shows the current slot's session as `req.session`. */
function expose(req: IncomingMessage, s: SimpleSession<AdapterData> | null): void {
  ;(req as { session?: unknown }).session = s
}

function startSession(this: unknown): Promise<SimpleSession<AdapterData>> {
  const slot = typeof this === 'object' && this !== null ? LIVE.get(this)?.current : undefined
  if (slot === undefined && (this as { res?: { headersSent?: unknown } } | undefined)?.res?.headersSent === true) {
    // The request's response went out (its session middleware let go of it then): no cookie can follow.
    return Promise.reject(new SessionError('HEADERS_SENT', "startSession: the response's headers were already sent"))
  }
  if (slot === undefined) {
    return Promise.reject(new SessionError('CONFIG', 'startSession: no session middleware has run for this request (call it as req.startSession())'))
  }
  return slot.start()
}

// ---- holding the response until the commit ----------------------------------------------------
//
// The head methods are wrapped once, on ServerResponse.prototype, and each wrapper finds what
// holds its response through its request (see hold): a response no session holds passes straight
// through. Not by wrapping each response's methods: four closures per request where one small
// record does. Not on Express's response object either: a request that enters an app of another
// Express copy is given that copy's prototypes, and would leave the wrappers behind. Every chain
// ends in ServerResponse's.

/** The method under the wrapper: what a held call runs once released. */
const BELOW = {} as Methods

/** A response's held calls, and what releases them. */
interface Held {
  req: IncomingMessage
  /** One per session middleware (each Manager's) that held this response. */
  slots: Slot<AdapterData>[]
  next: Next
  calls: [HeadMethod, unknown[]][] | undefined
  released: boolean
}

/** The hold of a response that `res.req` does not link to its request. */
const HELD = new Attachment<Held>('simplesessions held')

/**
 * Set once the wrappers are in place. Per copy of this module: a second copy wraps the first
 * one's wrappers, and each passes through the responses the other holds.
 */
let wrapped = false

function wrapResponses(): void {
  if (wrapped) return
  wrapped = true
  const proto = ServerResponse.prototype as unknown as Methods
  for (const m of HEAD_METHODS) {
    const below = proto[m]
    BELOW[m] = below
    // `arguments`, not a rest parameter: V8 passes `apply(this, arguments)` on without making an
    // array, and every response calls two of these (end, and writeHead from inside it).
    proto[m] = function (this: ServerResponse): unknown {
      const h = heldOf(this)
      if (h === undefined || h.released) {
        const r = below.apply(this, arguments as unknown as unknown[])
        if (m === 'end') over(this, h) // ended after the release (a streamed body), or never held
        return r
      }
      // Copied by index: Array.from(arguments) goes through the iterator protocol.
      const args = new Array<unknown>(arguments.length)
      for (let i = 0; i < args.length; i++) args[i] = arguments[i]
      return holdCall(this, h, m, args)
    }
  }
}

/**
 * Holds `res` for `slot` too. The hold is kept with the request's slots, where the wrappers find
 * it through `res.req` (Express sets it, and node:http since 15.7), so the response takes no
 * property of its own; a response without that link carries it itself.
 */
function hold(req: IncomingMessage, res: ServerResponse, slots: RequestSlots, slot: Slot<AdapterData>, next: Next): void {
  const linked = (res as { req?: unknown }).req === req
  const h = (linked ? slots.held : HELD.get(res)) as Held | undefined
  // A second session middleware (another Manager) in the same request: its session commits too.
  if (h !== undefined && !h.released) return void h.slots.push(slot)
  const held: Held = { req, slots: [slot], next, calls: undefined, released: false }
  if (linked) slots.held = held
  else HELD.set(res, held)
  lastRes = res
  lastHeld = held
}

// The response heldOf answered for last, and its answer: a response's calls come in a row (end
// calls writeHead), and each lookup on Express's objects goes to the runtime (src/attach.ts).
// hold() and over() are the only places a response's answer changes (release changes the Held,
// not which).
let lastRes: ServerResponse | undefined
let lastHeld: Held | undefined

/** `res` was ended through the wrappers: nothing here keeps it, or the request it held, any longer. */
function over(res: ServerResponse, h: Held | undefined): void {
  if (h !== undefined) LIVE.delete(h.req)
  if (lastRes === res) lastRes = lastHeld = undefined
}

/** What holds `res`, if anything. */
function heldOf(res: ServerResponse): Held | undefined {
  if (res === lastRes) return lastHeld
  const req = (res as { req?: object }).req
  const h = (req === undefined ? undefined : (LIVE.get(req)?.held as Held | undefined)) ?? HELD.get(res)
  lastRes = res
  lastHeld = h
  return h
}

/**
 * The first head-writing call is held until every session of the response committed, then the
 * held calls run in their order, each by the method under the wrapper: a middleware that wrapped
 * the response's methods in turn (compression, mounted after or before this one) has done its part
 * on the way in, and must not see a chunk twice.
 */
function holdCall(res: ServerResponse, h: Held, m: HeadMethod, args: unknown[]): unknown {
  if (m === 'writeHead') args = headersNow(res, args)
  // A held write reports a full buffer, so a piped body waits for 'drain' instead of piling up.
  const ret = m === 'write' ? false : m === 'flushHeaders' ? undefined : res
  if (h.calls) {
    h.calls.push([m, args])
    return ret
  }
  h.calls = [[m, args]]
  // writeHead(status) sets the status as it sends it.
  const status = m === 'writeHead' && typeof args[0] === 'number' ? args[0] : res.statusCode
  const failed = status >= 500
  const slots = h.slots
  ;(slots.length === 1 ? slots[0]!.end(failed) : Promise.all(slots.map((slot) => slot.end(failed)))).then(
    () => replay(res, h),
    (err: unknown) => {
      h.released = true
      h.calls = undefined
      h.next(err)
    },
  )
  return ret
}

/**
 * writeHead(status, [message], headers): the headers go on the response now, as writeHead would
 * set them, so that the session's Set-Cookie and Vary, added by the commit, are merged with them
 * rather than replaced when the call runs. The call keeps its status and message.
 */
function headersNow(res: ServerResponse, args: unknown[]): unknown[] {
  const at = typeof args[1] === 'string' ? 2 : 1
  const headers = args[at]
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return args
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) res.setHeader(k, v as string | string[] | number)
  return args.slice(0, at)
}

/**
 * Runs the held calls. One that throws (a header with a CR/LF, a bad status) goes to the app's
 * error handler while nothing was sent, as it would have without the hold; after that, the
 * response is destroyed. Never an unhandled rejection, which would end the process.
 */
function replay(res: ServerResponse, h: Held): void {
  h.released = true
  const calls = h.calls ?? []
  h.calls = undefined // not kept (a held chunk can be large) once it is on its way
  let wrote = true
  try {
    for (const [method, a] of calls) {
      const r = BELOW[method].apply(res, a)
      if (method === 'write') wrote = r !== false
      else if (method === 'end') over(res, h)
    }
  } catch (err) {
    if (!res.headersSent) h.next(err)
    else res.destroy(err as Error)
    return
  }
  // The held writes answered false: a writer waiting for 'drain' goes on now, unless the socket
  // is really full (it then emits 'drain' itself).
  if (wrote && calls.some(([m]) => m === 'write')) res.emit('drain')
}
