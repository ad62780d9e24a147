// What the framework adapters (express, fastify, hono) share: the request cycle of scs's
// LoadAndSave and tower-sessions' service layer, written once. Per request and Manager:
//   - open: acquire the session once (no store call unless autoCreate is off, see Manager); with
//     autoCreate off and no valid cookie the request has no session (null) until startSession(),
//     which is manager.newSession under the hood.
//   - every later mount of the same middleware in the same request (an app-level and a
//     router-level one, two plugins) finds the same slot, so everything in one request shares one
//     Session and it is committed once. The slot is that sharing: the Manager is called without a
//     ctx, which would put one more property on every request object (src/attach.ts says what
//     each costs); a handler that calls manager.acquire itself gets a Session of its own.
//   - end: commit, unless the handler failed (threw, or answered 5xx) and `saveOnError` is not
//     set: tower-sessions never saves on a 5xx either, since a half-done handler's writes are not
//     trustworthy. A regenerate or destroy already happened in the store and on the response
//     (they act at once) and stays.
//   https://github.com/alexedwards/scs/blob/master/session.go (LoadAndSave)
//   https://github.com/maxcountryman/tower-sessions (SessionManagerLayer)

import { Attachment } from '../attach.js'
import { isSessionError } from '../errors.js'
import { configError } from '../errors.js'
import type { CookieHooks, Manager } from '../manager.js'
import type { Session, SessionData } from '../session.js'

/** acquire and newSession of one Manager on one adapter's cookie and response hooks. */
export interface HookedManager<T extends SessionData, Req, Res> {
  acquire(req: Req, res: Res, ctx?: object): Promise<Session<T>>
  newSession(req: Req, res: Res, ctx?: object): Promise<Session<T>>
}

/**
 * `manager` with the adapter's `hooks` passed to every acquire and newSession (the Manager's own
 * hooks, if it has any, stay for its direct callers). CONFIG when `manager` is not a Manager.
 */
export function hooked<T extends SessionData, Req, Res>(manager: Manager<T, any, any>, hooks: CookieHooks<Req, Res>): HookedManager<T, Req, Res> {
  if (typeof manager !== 'object' || manager === null || typeof manager.acquire !== 'function' || typeof manager.newSession !== 'function') {
    throw configError('manager', typeof manager, 'a Manager')
  }
  return {
    acquire: (req, res, ctx) => manager.acquire(req, res, ctx, hooks),
    newSession: (req, res, ctx) => manager.newSession(req, res, ctx, hooks),
  }
}

/**
 * Options every framework adapter takes, named alike.
 *
 * @example
 * import express from 'express'
 * import { Manager } from 'simplesessions'
 * import { session, type AdapterOptions } from 'simplesessions/adapters/express'
 *
 * // Keep what a failing handler wrote (by default a 5xx or a throw drops it).
 * const options: AdapterOptions = { saveOnError: true }
 * express().use(session(new Manager({ secrets: [process.env.SESSION_SECRET!] }), options))
 */
export interface AdapterOptions {
  /**
   * Commit also when the handler failed (it threw, or the response is a 5xx). Default false:
   * the handler's pending writes are dropped; a regenerate() or destroy() it made stays done.
   */
  saveOnError?: boolean
}

export function checkOptions(options: unknown): Required<AdapterOptions> {
  if (options === undefined) return { saveOnError: false }
  if (typeof options !== 'object' || options === null) throw configError('options', options, 'an object')
  const { saveOnError } = options as AdapterOptions
  if (saveOnError !== undefined && typeof saveOnError !== 'boolean') throw configError('saveOnError', saveOnError)
  return { saveOnError: saveOnError ?? false }
}

/** What end() gives when there is nothing to commit: settled, so one serves every call. */
const ENDED: Promise<void> = Promise.resolve()

/** One request's session under one Manager. */
export class Slot<T extends SessionData = SessionData> {
  session: Session<T> | null = null
  #ended = false
  readonly #m: HookedManager<T, any, any>
  readonly #req: unknown
  /** The response this slot's session answers with (the Express adapter's sweep reads it). */
  readonly res: unknown
  readonly #saveOnError: boolean
  /**
   * Tells the framework's request object (`req`) about the session: one function per adapter,
   * not a closure per request.
   */
  readonly #expose: (req: any, s: Session<T> | null) => void

  constructor(m: HookedManager<T, any, any>, req: unknown, res: unknown, options: Required<AdapterOptions>, expose: (req: any, s: Session<T> | null) => void) {
    this.#m = m
    this.#req = req
    this.res = res
    this.#saveOnError = options.saveOnError
    this.#expose = expose
  }

  /** Acquires the request's session; INVALID_SESSION (autoCreate off, no valid cookie) gives null. */
  async open(): Promise<void> {
    try {
      this.opened(await this.acquire())
    } catch (err) {
      this.refused(err)
    }
  }

  /**
   * open() in parts, for an adapter that chains on acquire's promise itself (Express: one
   * promise less a request than awaiting open()): acquire, then opened(session) or refused(err).
   */
  acquire(): Promise<Session<T>> {
    return this.#m.acquire(this.#req, this.res)
  }

  opened(s: Session<T>): void {
    this.session = s
    this.#expose(this.#req, s)
  }

  /** acquire failed: INVALID_SESSION (autoCreate off, no valid cookie) means no session; anything else is thrown on. */
  refused(err: unknown): void {
    if (!isSessionError(err, 'INVALID_SESSION')) throw err
    this.session = null
    this.#expose(this.#req, null)
  }

  /** A fresh session for this request, whatever its cookie said; it becomes the request's session. */
  async start(): Promise<Session<T>> {
    const s = await this.#m.newSession(this.#req, this.res)
    this.session = s
    this.#expose(this.#req, s)
    return s
  }

  /**
   * Commits once, at the end of the request, unless the handler failed (see AdapterOptions).
   * Not an async function: the commit's own promise is the answer (one suspension less).
   */
  end(failed: boolean): Promise<void> {
    if (this.#ended) return ENDED
    this.#ended = true
    return this.session && (!failed || this.#saveOnError) ? this.session.commit() : ENDED
  }
}

/**
 * What the session middlewares keep for one request object: their slots, the newest first, and
 * the slot whose session the request shows now. By default one property of the request itself
 * (see src/attach.ts for why not a WeakMap, and why not more than one); the Express adapter keeps
 * it in its map of the requests in flight (SlotStore).
 */
export interface RequestSlots {
  head: SlotEntry | undefined
  current: Slot<any> | undefined
  /** The Express adapter's hold on the response (src/adapters/express/index.ts). */
  held: object | undefined
}
interface SlotEntry {
  manager: object
  slot: Slot<any>
  next: SlotEntry | undefined
}

/**
 * Where an adapter keeps each request's slots. The default is a property of the request object
 * (src/attach.ts); the Express adapter keeps its own map of the requests in flight (its module
 * comment says why).
 */
export interface SlotStore {
  get(req: object): RequestSlots | undefined
  set(req: object, slots: RequestSlots): void
}
const SLOTS: SlotStore = new Attachment<RequestSlots>('simplesessions slots')

/** The slots kept on `req`, if any middleware kept one. */
export function slotsOf(req: object): RequestSlots | undefined {
  return SLOTS.get(req)
}

export function slotOf(req: object, manager: object): Slot<any> | undefined {
  return slotIn(SLOTS.get(req), manager)
}

/** The slot of `manager` among `slots` (what slotsOf gave), if any. */
export function slotIn(slots: RequestSlots | undefined, manager: object): Slot<any> | undefined {
  for (let s = slots?.head; s; s = s.next) if (s.manager === manager) return s.slot
  return undefined
}

/**
 * Keeps `slot` of `manager` for `req`; it is the request's current slot. `slots`: what the store
 * gave for `req` (slotsOf, by default), looked up once by the caller (undefined, the request has
 * none yet: not looked up again).
 */
export function keepSlot(req: object, manager: object, slot: Slot<any>, slots: RequestSlots | undefined, store: SlotStore = SLOTS): RequestSlots {
  let r = slots
  if (r === undefined) store.set(req, (r = { head: undefined, current: undefined, held: undefined }))
  r.head = { manager, slot, next: r.head }
  r.current = slot
  return r
}
