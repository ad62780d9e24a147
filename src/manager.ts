// The Manager: options validated once, at construction, and acquire() for each request.
//
// Like the Go simplesessions library (https://github.com/zerodha/simplesessions#readme), whose
// names it keeps in camelCase, it knows no framework, store or cookie jar: reading and writing
// the cookie are two callbacks (getCookie/setCookie, or an adapter's hooks), the store sits behind
// the Store interface, and values keep their types through the codec.
//
// Defaults are a demanding user's, not the loosest: cookie "session", Path=/, Secure, HttpOnly,
// SameSite=Lax (their meaning: RFC 6265bis §4.1.2, https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis-20#section-4.1.2);
// idle timeout 24 h and absolute lifetime 7 days, enforced on the server from stored metadata;
// secrets of at least 32 bytes; IDs of 192 bits. Times in options are seconds, like Max-Age.
//
// Two kinds of store (src/stores/types.ts): a server-side Store, whose cookie is a signed ID, and
// a sealed store (the cookie store), whose cookie is the record itself, sealed with keys derived
// from the same secrets under labels of its own (never the Signer's keys).
//
// Owners (ownerKey): listSessions and destroySessions reach the store's owner index behind
// checks: the owner is a non-empty string or a safe integer (TYPE), ownerKey is set (CONFIG:
// without it nothing is indexed), the store keeps an index (UNSUPPORTED). Handles are random,
// unguessable, and carry nothing of the ID. Why: docs/decisions/owner-index.md.

import { Attachment } from './attach.js'
import { SessionError, configError } from './errors.js'
import { Signer, type Secret } from './signing.js'
import { VerifiedCookies } from './verified.js'
import { DEFAULT_ID_LENGTH, MAX_ID_LENGTH, MIN_ID_LENGTH, checkIdLength, generateId } from './id.js'
import { validateCookieOptions, type CookieAttributes } from './cookie.js'
import { MemoryStore } from './stores/memory/index.js'
import type { SealedStore, OpenedRecord, Store } from './stores/types.js'
import { Session, ownerOf, storeCall, type InvalidCookieReason, type ResponseHooks, type SessionContext, type SessionData } from './session.js'
import type { OwnedSession } from './stores/types.js'

/**
 * Reads the raw value of cookie `name` from a request; undefined (or null) when absent. The
 * adapters export one for their request type.
 *
 * @example
 * import type { IncomingMessage } from 'node:http'
 * import type { GetCookie } from 'simplesessions'
 *
 * const getCookie: GetCookie<IncomingMessage> = (name, req) =>
 *   req.headers.cookie?.split('; ').find((c) => c.startsWith(`${name}=`))?.slice(name.length + 1)
 */
export type GetCookie<Req = any> = (name: string, req: Req) => string | undefined | null
/**
 * Writes a cookie to a response; receives a flat, camelCase description of it (a removal too:
 * an empty value with `maxAge: 0`). It must write every attribute given: a removal cookie only
 * removes the cookie of the same name, Path and Domain. The adapters export one for their
 * response type.
 *
 * @example
 * import type { Response } from 'express'
 * import type { SetCookie } from 'simplesessions'
 *
 * // Through a framework's own cookie writer (Express's res.cookie, for an app that calls
 * // manager.acquire itself), every attribute passed on. Express takes maxAge in milliseconds
 * // and percent-encodes values unless told otherwise.
 * const setCookie: SetCookie<Response> = ({ name, value, maxAge, ...attributes }, res) => {
 *   res.cookie(name, value, { ...attributes, ...(maxAge === undefined ? {} : { maxAge: maxAge * 1000 }), encode: String })
 * }
 */
export type SetCookie<Res = any> = (cookie: CookieAttributes, res: Res) => void
/**
 * False once a response can no longer take a header (node: res.headersSent).
 *
 * @example
 * import type { ServerResponse } from 'node:http'
 * import type { CanSetCookie } from 'simplesessions'
 *
 * const canSetCookie: CanSetCookie<ServerResponse> = (res) => !res.headersSent
 */
export type CanSetCookie<Res = any> = (res: Res) => boolean
/**
 * Called once per session, at its first read: the adapter marks the response Vary: Cookie.
 *
 * @example
 * import type { OnRead } from 'simplesessions'
 *
 * const onRead: OnRead<Headers> = (headers) => headers.append('vary', 'Cookie')
 */
export type OnRead<Res = any> = (res: Res) => void

/**
 * The cookie and response hooks of one adapter, as a framework adapter passes them to acquire and
 * newSession for its requests, leaving the Manager's own hooks alone (one Manager can serve an
 * Express app and a node:http server side by side). canSetCookie and onRead default to the
 * properties of setCookie, as for the Manager's options.
 *
 * @example
 * import { Manager, type CookieHooks } from 'simplesessions'
 * import * as fetchHooks from 'simplesessions/adapters/fetch'
 *
 * const manager = new Manager({ secrets: [process.env.SESSION_SECRET!] })
 * const hooks: CookieHooks<Request, Headers> = fetchHooks
 * const request = new Request('https://example.com/')
 * const headers = new Headers()
 * const sess = await manager.acquire(request, headers, undefined, hooks)
 */
export interface CookieHooks<Req = any, Res = any> {
  /** Reads the session cookie from the request. */
  getCookie: GetCookie<Req>
  /** Writes a cookie to the response. */
  setCookie: SetCookie<Res>
  /** Default: the `canSetCookie` property of setCookie, else always true. */
  canSetCookie?: CanSetCookie<Res> | undefined
  /** Default: the `onRead` property of setCookie, if any. */
  onRead?: OnRead<Res> | undefined
}

/**
 * The session cookie's attributes (ManagerOptions.cookie). Defaults: `session`, Path=/, Secure,
 * HttpOnly, SameSite=Lax, persistent, living as long as the session can.
 *
 * @example
 * import type { CookieOptions } from 'simplesessions'
 *
 * // A __Host- cookie must be Secure, on Path=/ and without a Domain (checked at construction).
 * const cookie: CookieOptions = { name: '__Host-session', sameSite: 'strict', maxAge: 86400 }
 */
export interface CookieOptions {
  /** Default "session". `__Host-` and `__Secure-` prefixes are checked against the other options. */
  name?: string
  /** Default none: the cookie goes back to the host that set it only. */
  domain?: string
  /** Default "/". */
  path?: string
  /** Default true. */
  secure?: boolean
  /** Default true. */
  httpOnly?: boolean
  /** Default "lax"; "none" requires secure. */
  sameSite?: 'lax' | 'strict' | 'none'
  /** Seconds; caps Max-Age. Default: the cookie lives as long as the session can. */
  maxAge?: number
  /** CHIPS; requires secure. */
  partitioned?: boolean
  /**
   * Default true: cookies with Max-Age and Expires. False: browser-session cookies, without
   * either (gone when the browser closes), while the server still enforces the idle and absolute
   * timeouts. A session's rememberMe(boolean) overrides it for that session.
   */
  persist?: boolean
}

/**
 * What ManagerOptions.onInvalidCookie receives: a cookie that did not lead to a session.
 *
 * @example
 * import { Manager, type InvalidCookieEvent } from 'simplesessions'
 *
 * const manager = new Manager({
 *   secrets: [process.env.SESSION_SECRET!],
 *   onInvalidCookie: (e: InvalidCookieEvent) => console.warn(`session cookie ${e.reason}: ${e.cookie}`),
 * })
 */
export interface InvalidCookieEvent<Req = any> {
  /** malformed: not a signed value of ours; signature: no secret verifies it; unknown: no such
   *  session in the store; expired: the session timed out. */
  reason: InvalidCookieReason
  /**
   * The first 12 characters of the cookie as received (for a signed value: the version and the
   * start of the ID), enough to correlate log lines, never the whole bearer token. It is
   * attacker-controlled: log with care.
   */
  cookie: string
  /** The request that carried it. */
  req: Req
}

/**
 * The Manager's options; only `secrets` is required. Times are seconds, like Max-Age.
 *
 * @example
 * import { Manager, type ManagerOptions } from 'simplesessions'
 * import { MemoryStore } from 'simplesessions/stores/memory'
 * import { getCookie, setCookie } from 'simplesessions/adapters/node'
 *
 * const options: ManagerOptions = {
 *   store: new MemoryStore(),
 *   secrets: [process.env.SESSION_SECRET!, process.env.OLD_SESSION_SECRET!],
 *   cookie: { sameSite: 'lax' },
 *   getCookie,
 *   setCookie,
 *   idleTimeout: 30 * 60,
 *   ownerKey: 'userId',
 * }
 * const manager = new Manager(options)
 */
export interface ManagerOptions<Req = any, Res = any> {
  /**
   * Where sessions live: a server-side Store, or a sealed store that keeps each session in its
   * cookie (simplesessions/stores/cookie). Default: a new MemoryStore (one process only).
   */
  store?: Store | SealedStore
  /** Newest first: [0] signs, every one verifies. Each at least 32 bytes. */
  secrets: readonly Secret[]
  /** The session cookie's attributes. */
  cookie?: CookieOptions
  /**
   * Reads the cookie from a request (an adapter's getCookie). Needed by acquire and newSession
   * called directly; the framework adapters bring their own.
   */
  getCookie?: GetCookie<Req>
  /** Writes a cookie to a response (an adapter's setCookie); needed as getCookie is. */
  setCookie?: SetCookie<Res>
  /**
   * False once the response can no longer take the cookie; then a commit or regenerate that must
   * send one rejects with HEADERS_SENT before any store write. Default: the `canSetCookie`
   * property of `setCookie` (the adapters' setCookie carry theirs), else always true.
   */
  canSetCookie?: CanSetCookie<Res>
  /** Called at a session's first read. Default: the `onRead` property of `setCookie`, if any. */
  onRead?: OnRead<Res>
  /** Custom ID generator; its IDs may use any cookie-octet except ".", 1-255 characters. */
  generateId?: () => string
  /** Checks an incoming ID (after its signature verified) before any store call. */
  validateId?: (id: string) => boolean
  /** Length of generated IDs (base64url characters, 6 bits each). Default 32 (192 bits). */
  idLength?: number
  /** Without a valid cookie: true (default) gives a new session, false rejects (INVALID_SESSION). */
  autoCreate?: boolean
  /** Seconds without a request after which a session ends. Default 86400; 0 turns it off. */
  idleTimeout?: number
  /** Seconds after creation at which a session ends, active or not. Default 604800; 0 = off. */
  absoluteTimeout?: number
  /** Seconds: a session's idle expiry (and a cookie that follows it) is moved at most this often. Default 60. */
  touchAfter?: number
  /**
   * How many signed cookie values to remember as verified, so that a repeat of one skips the
   * HMAC (src/verified.ts says why that is safe). Default 10000; 0 turns it off.
   */
  verifiedCookies?: number
  /** Clock in ms since the epoch. Default Date.now. */
  now?: () => number
  /** Sees every cookie that did not lead to a session (for logging suspicious activity). */
  onInvalidCookie?: (event: InvalidCookieEvent<Req>) => void
  /**
   * The session field naming its owner (e.g. 'userId'; its values non-empty strings or safe
   * integers, else TYPE at set). With it, the store indexes sessions by owner, for listSessions
   * and destroySessions ("log out everywhere"). Default: none, and nothing is indexed.
   */
  ownerKey?: string
}

/**
 * What destroySessions ends: every session of the owner, or `only` those, never `except`.
 *
 * @example
 * import type { DestroySessionsOptions, Manager, Session } from 'simplesessions'
 *
 * declare const manager: Manager
 * declare const sess: Session
 * // After a password change: log out everywhere but here.
 * const options: DestroySessionsOptions = { except: sess }
 * await manager.destroySessions(sess.string(await sess.get('userId')), options)
 */
export interface DestroySessionsOptions {
  /** Keep this session (the current request's): "log out everywhere else". */
  except?: Session<any> | undefined
  /** End only the sessions with these handles (from listSessions): "sign out this device". */
  only?: readonly string[] | undefined
}

function seconds(option: string, v: unknown, fallback: number, min = 0): number {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 2 ** 31) throw configError(option, v, `an integer number of seconds >= ${min}`)
  return v
}

/** The Manager's side of SessionContext: it swaps the sealer when the store changes. */
type MutableContext = { -readonly [K in keyof SessionContext]: SessionContext[K] }

/**
 * Sessions for one app: options checked once, at construction (SessionError CONFIG), and
 * {@link Manager.acquire} for each request. Type parameters: the session's values (`T`), and
 * the request and response types of the cookie hooks.
 *
 * @example
 * import { createServer } from 'node:http'
 * import { Manager } from 'simplesessions'
 * import { MemoryStore } from 'simplesessions/stores/memory'
 * import { getCookie, setCookie } from 'simplesessions/adapters/node'
 *
 * const manager = new Manager<{ visits: number }>({
 *   store: new MemoryStore(),
 *   secrets: [process.env.SESSION_SECRET!],
 *   getCookie,
 *   setCookie,
 * })
 *
 * createServer(async (req, res) => {
 *   const sess = await manager.acquire(req, res)
 *   const visits = ((await sess.get('visits')) ?? 0) + 1
 *   await sess.set('visits', visits)
 *   await sess.commit()
 *   res.end(`visit ${visits}`)
 * }).listen(3000)
 */
export class Manager<T extends SessionData = SessionData, Req = any, Res = any> {
  #store: Store | SealedStore
  /** A copy of the secrets list, kept for a sealed store given later to useStore. */
  readonly #secrets: readonly Secret[]
  /** The default store is the manager's to close; a store the user passed in is not. */
  #ownsStore: boolean
  #getCookie: GetCookie<Req> | undefined
  #setCookie: SetCookie<Res> | undefined
  readonly #canSetCookie: CanSetCookie<Res> | undefined
  readonly #onRead: OnRead<Res> | undefined
  readonly #signer: Signer
  readonly #verified: VerifiedCookies
  readonly #ctx: MutableContext
  readonly #cookieName: string
  readonly #autoCreate: boolean
  readonly #validateId: ((id: string) => boolean) | undefined
  readonly #ownerKey: string | undefined
  readonly #onInvalid: ((event: InvalidCookieEvent<Req>) => void) | undefined
  /** The Session of each ctx (src/attach.ts: on the ctx itself, not in a WeakMap). */
  readonly #sessions = new Attachment<Session<T>>('simplesessions session')
  /** The Manager's own hooks, read at each call (they may be registered later). */
  readonly #hooks: ResponseHooks
  /** An adapter's hooks, resolved once per hooks object. */
  readonly #adapterHooks = new WeakMap<CookieHooks<Req, Res>, ResponseHooks>()

  constructor(options: ManagerOptions<Req, Res>) {
    if (typeof options !== 'object' || options === null) throw configError('options', options, 'an object')
    const o = options
    for (const hook of ['getCookie', 'setCookie', 'canSetCookie', 'onRead', 'generateId', 'validateId', 'now', 'onInvalidCookie'] as const) {
      if (o[hook] !== undefined && typeof o[hook] !== 'function') throw configError(hook, typeof o[hook], 'a function')
    }
    if (o.store !== undefined && !isStore(o.store) && !isSealedStore(o.store)) throw configError('store', typeof o.store, STORE_SHAPE)
    if (o.autoCreate !== undefined && typeof o.autoCreate !== 'boolean') throw configError('autoCreate', o.autoCreate)
    const idle = seconds('idleTimeout', o.idleTimeout, 86400)
    const absolute = seconds('absoluteTimeout', o.absoluteTimeout, 7 * 86400)
    if (idle === 0 && absolute === 0) throw configError('idleTimeout', 0, 'idleTimeout and absoluteTimeout cannot both be off')
    // A session active within touchAfter must never lapse: its idle expiry (and a cookie that
    // follows it) moves only once per touchAfter, so touchAfter must be shorter than both
    // lifetimes. The default: 60 s, or half of the shorter one.
    const c = o.cookie ?? {}
    // Max-Age=0 would delete the cookie as it is set: at least 1 second.
    const cookieMaxAge = c.maxAge === undefined ? undefined : seconds('cookie.maxAge', c.maxAge, 0, 1)
    const capSeconds = cookieMaxAge ?? Infinity
    const touchAfter = seconds('touchAfter', o.touchAfter, Math.min(60, Math.floor(idle / 2), Math.floor(capSeconds / 2)))
    if (idle > 0 && touchAfter >= idle) throw configError('touchAfter', touchAfter, `less than idleTimeout (${idle}): a session written to more often than that would still lapse`)
    if (touchAfter >= capSeconds) throw configError('touchAfter', touchAfter, `less than cookie.maxAge (${capSeconds}): the cookie of an active session would lapse`)
    const verifiedCookies = o.verifiedCookies ?? 10_000
    if (!Number.isInteger(verifiedCookies) || verifiedCookies < 0 || verifiedCookies > 2 ** 24) throw configError('verifiedCookies', verifiedCookies, 'an integer from 0 (off) to 16777216')
    if (o.ownerKey !== undefined && (typeof o.ownerKey !== 'string' || o.ownerKey === '')) throw configError('ownerKey', o.ownerKey, 'the name of a session field')
    if (o.cookie?.persist !== undefined && typeof o.cookie.persist !== 'boolean') throw configError('cookie.persist', o.cookie.persist, 'a boolean')
    const idLength = checkIdLength('idLength', o.idLength ?? DEFAULT_ID_LENGTH, MIN_ID_LENGTH)

    const cookie: Omit<CookieAttributes, 'value' | 'maxAge' | 'expires'> = {
      name: c.name ?? 'session',
      path: c.path ?? '/',
      secure: c.secure ?? true,
      httpOnly: c.httpOnly ?? true,
      sameSite: c.sameSite ?? 'lax',
    }
    if (c.domain !== undefined) cookie.domain = c.domain
    if (c.partitioned !== undefined) cookie.partitioned = c.partitioned
    validateCookieOptions(cookie)

    const custom = o.generateId
    this.#signer = custom
      ? new Signer(o.secrets, { idLength: DEFAULT_ID_LENGTH, idMinLength: 1, idMaxLength: MAX_ID_LENGTH, strictAlphabet: false })
      : new Signer(o.secrets, { idLength })
    const signer = this.#signer
    const verified = (this.#verified = new VerifiedCookies(verifiedCookies))
    this.#secrets = [...o.secrets]
    this.#store = o.store ?? new MemoryStore()
    this.#ownsStore = o.store === undefined
    this.#getCookie = o.getCookie
    this.#setCookie = o.setCookie
    this.#canSetCookie = o.canSetCookie
    this.#onRead = o.onRead
    this.#cookieName = cookie.name
    this.#autoCreate = o.autoCreate ?? true
    this.#validateId = o.validateId
    this.#ownerKey = o.ownerKey
    this.#onInvalid = o.onInvalidCookie
    const clock = o.now ?? Date.now
    // Stores take integer milliseconds (Redis PEXPIREAT does).
    const now = () => Math.floor(clock())
    const manager = this
    this.#ctx = {
      get store() {
        return manager.#store as Store
      },
      sealer: isSealedStore(this.#store) ? this.#store.keys(this.#secrets) : undefined,
      now,
      idleTimeout: idle * 1000,
      absoluteTimeout: absolute * 1000,
      touchAfter: touchAfter * 1000,
      cookieMaxAge,
      persist: c.persist ?? true,
      ownerKey: o.ownerKey,
      newHandle: () => generateId(HANDLE_LENGTH),
      cookie,
      newId: custom
        ? () => {
            const id = custom()
            return { id, value: signer.sign(id) }
          }
        : () => signer.newSignedId(),
      sign: (id) => signer.sign(id),
      forget: (id) => verified.forget(id),
      invalid: (reason, value, req) => this.#onInvalid?.({ reason, cookie: value.slice(0, INVALID_COOKIE_SHOWN), req: req as Req }),
    }
    this.#hooks = {
      setCookie: (cookie, res) => {
        if (!this.#setCookie) throw unregistered('setCookie')
        this.#setCookie(cookie, res as Res)
      },
      canSetCookie: (res) => {
        const hook = this.#canSetCookie ?? responseHook<CanSetCookie<Res>>(this.#setCookie, 'canSetCookie')
        return hook === undefined || hook(res as Res) !== false
      },
      onRead: (res) => {
        const hook = this.#onRead ?? responseHook<OnRead<Res>>(this.#setCookie, 'onRead')
        hook?.(res as Res)
      },
    }
  }

  /** The cookie name this manager reads and writes. */
  get cookieName(): string {
    return this.#cookieName
  }

  /** Replaces the store (UseStore in the Go library). */
  useStore(store: Store | SealedStore): void {
    const sealed = isSealedStore(store)
    if (!sealed && !isStore(store)) throw configError('store', typeof store, STORE_SHAPE)
    const sealer = sealed ? store.keys(this.#secrets) : undefined
    this.#ctx.sealer?.close()
    this.#ctx.sealer = sealer
    this.#store = store
    this.#ownsStore = false
  }

  /** Sets the getCookie hook after construction (RegisterGetCookie in the Go library). */
  registerGetCookie(fn: GetCookie<Req>): void {
    if (typeof fn !== 'function') throw configError('getCookie', typeof fn, 'a function')
    this.#getCookie = fn
  }

  /** Sets the setCookie hook after construction (RegisterSetCookie in the Go library). */
  registerSetCookie(fn: SetCookie<Res>): void {
    if (typeof fn !== 'function') throw configError('setCookie', typeof fn, 'a function')
    this.#setCookie = fn
  }

  /**
   * The session of this request. Verifies the cookie's signature and ID format; makes no store
   * call (except with autoCreate off, which must know the session exists). Pass the same `ctx`
   * object again in the same request to get the same Session back. `hooks` are for framework
   * adapters: the request's cookie and response hooks, used instead of the Manager's own.
   *
   * @example
   * import type { IncomingMessage, ServerResponse } from 'node:http'
   * import type { Manager } from 'simplesessions'
   *
   * declare const manager: Manager
   * declare const req: IncomingMessage
   * declare const res: ServerResponse
   *
   * const sess = await manager.acquire(req, res, req)
   * const same = await manager.acquire(req, res, req) // the same Session: `req` is the ctx
   */
  async acquire(req: Req, res: Res, ctx?: object, hooks?: CookieHooks<Req, Res>): Promise<Session<T>> {
    if (ctx !== undefined) {
      const existing = this.#sessions.get(ctx)
      if (existing) return existing
    }
    const h = this.#hooksOf(hooks)
    const raw = this.#getCookieOf(hooks)(this.#cookieName, req)
    let from: { id: string; cookie: string; resign: boolean } | undefined
    let record: OpenedRecord | undefined
    const sealer = this.#ctx.sealer
    if (typeof raw === 'string' && raw !== '' && sealer !== undefined) {
      // A sealed value is not "1.<id>.<mac>": the Signer never sees it.
      const r = sealer.open(raw)
      if (typeof r === 'string') this.#ctx.invalid(r, raw, req)
      else if (this.#validateId && !this.#validateId(r.id)) this.#ctx.invalid('malformed', raw, req)
      else {
        record = r
        from = { id: r.id, cookie: raw, resign: r.key > 0 }
      }
    } else if (typeof raw === 'string' && raw !== '') {
      let v: ReturnType<Signer['check']> | undefined = this.#verified.get(raw)
      if (v === undefined) {
        v = this.#signer.check(raw)
        if (typeof v !== 'string') this.#verified.add(raw, v)
      }
      if (typeof v === 'string') this.#ctx.invalid(v, raw, req)
      else if (this.#validateId && !this.#validateId(v.id)) this.#ctx.invalid('malformed', raw, req)
      else from = { id: v.id, cookie: raw, resign: v.key > 0 }
    }
    let session: Session<T>
    if (from) {
      session = new Session<T>(this.#ctx, h, req, res, from, record)
      if (!this.#autoCreate) {
        await session.load()
        if (session.isNew) throw new SessionError('INVALID_SESSION', 'the session has expired or does not exist')
      }
    } else {
      if (!this.#autoCreate) throw new SessionError('INVALID_SESSION', 'no valid session cookie')
      session = new Session<T>(this.#ctx, h, req, res, undefined)
    }
    if (ctx !== undefined) this.#sessions.set(ctx, session)
    return session
  }

  /**
   * A fresh session for this request, whatever cookie it carries (NewSession in the Go library):
   * for the login route of an app with `autoCreate: false`, where acquire rejects without a
   * session. It is lazy like any other (stored, and its cookie sent, by the first commit that sets
   * something). A session the request's cookie names is left as it is: destroy it through
   * acquire first if it should end. With `ctx`, later acquire calls with that ctx return it;
   * `hooks` as for acquire.
   *
   * @example
   * import type { IncomingMessage, ServerResponse } from 'node:http'
   * import type { Manager } from 'simplesessions'
   *
   * declare const manager: Manager
   * declare const req: IncomingMessage
   * declare const res: ServerResponse
   *
   * // POST /login, on a Manager with autoCreate: false
   * const sess = await manager.newSession(req, res)
   * await sess.set('userId', 'ada')
   * await sess.commit() // stores the session and sends its cookie
   */
  async newSession(req: Req, res: Res, ctx?: object, hooks?: CookieHooks<Req, Res>): Promise<Session<T>> {
    const session = new Session<T>(this.#ctx, this.#hooksOf(hooks), req, res, undefined)
    if (ctx !== undefined) this.#sessions.set(ctx, session)
    return session
  }

  /**
   * The response hooks of a call: the adapter's when given, else the Manager's (CONFIG without
   * them, or without the Manager's getCookie, which #getCookieOf then answers). Two methods, not
   * one returning a pair: acquire runs on every request, and the pair was an array each time.
   */
  #hooksOf(hooks: CookieHooks<Req, Res> | undefined): ResponseHooks {
    if (hooks === undefined) {
      if (!this.#getCookie) throw unregistered('getCookie')
      if (!this.#setCookie) throw unregistered('setCookie')
      return this.#hooks
    }
    let h = this.#adapterHooks.get(hooks)
    if (h === undefined) {
      if (typeof hooks !== 'object' || hooks === null || typeof hooks.getCookie !== 'function' || typeof hooks.setCookie !== 'function') {
        throw configError('hooks', typeof hooks, 'an object with getCookie and setCookie functions')
      }
      const setCookie = hooks.setCookie
      const canSetCookie = hooks.canSetCookie ?? responseHook<CanSetCookie<Res>>(setCookie, 'canSetCookie')
      const onRead = hooks.onRead ?? responseHook<OnRead<Res>>(setCookie, 'onRead')
      h = {
        setCookie: (cookie, res) => setCookie(cookie, res as Res),
        canSetCookie: canSetCookie ? (res) => canSetCookie(res as Res) !== false : () => true,
        onRead: onRead ? (res) => onRead(res as Res) : () => {},
      }
      this.#adapterHooks.set(hooks, h)
    }
    return h
  }

  /** The getCookie of a call whose hooks #hooksOf accepted. */
  #getCookieOf(hooks: CookieHooks<Req, Res> | undefined): GetCookie<Req> {
    return hooks === undefined ? this.#getCookie! : hooks.getCookie
  }

  /**
   * The owner's live sessions: handle (opaque, not the ID: safe to render), createdAt and
   * expiresAt (ms since the epoch), in no particular order, at most the store's per-owner cap
   * of them. Compare a handle with `session.handle` to mark "this device". CONFIG without
   * ownerKey, UNSUPPORTED on a store without an owner index (the sealed cookie store).
   *
   * @example
   * import type { Manager, Session } from 'simplesessions'
   *
   * declare const manager: Manager // with ownerKey: 'userId'
   * declare const sess: Session
   * for (const s of await manager.listSessions('ada')) {
   *   console.log(s.handle === sess.handle ? 'this device' : 'another device', new Date(s.createdAt))
   * }
   */
  async listSessions(owner: string | number): Promise<OwnedSession[]> {
    const [store, key] = this.#ownerIndex(owner)
    return storeCall('list the sessions of an owner', () => store.listSessions!(key))
  }

  /**
   * Ends sessions of the owner and resolves to how many it ended: all of them ("log out
   * everywhere"), all but `except` (the current session: "everywhere else"), or `only` the
   * handles given ("sign out this device"). Ended as by destroy(): a request of one of them that
   * is still in flight cannot bring it back. Errors as for listSessions.
   *
   * @example
   * import type { Manager, Session } from 'simplesessions'
   *
   * declare const manager: Manager // with ownerKey: 'userId'
   * declare const sess: Session
   * await manager.destroySessions('ada') // log out everywhere
   * await manager.destroySessions('ada', { except: sess }) // everywhere else
   * await manager.destroySessions('ada', { only: ['a-handle-from-listSessions'] }) // one device
   */
  async destroySessions(owner: string | number, options: DestroySessionsOptions = {}): Promise<number> {
    const [store, key] = this.#ownerIndex(owner)
    if (typeof options !== 'object' || options === null) throw new SessionError('TYPE', `destroySessions options must be an object, got ${typeof options}`)
    const { except, only } = options
    if (except !== undefined && !(except instanceof Session)) throw new SessionError('TYPE', `destroySessions option except must be a Session, got ${typeof except}`)
    if (only !== undefined && (!Array.isArray(only) || !only.every((h) => typeof h === 'string'))) {
      throw new SessionError('TYPE', 'destroySessions option only must be an array of handles (strings)')
    }
    // The handle comes with the session's metadata: a session not read yet is read first.
    if (except !== undefined && except.handle === undefined) await except.load()
    const filter = { only, except: except?.handle }
    return storeCall('destroy the sessions of an owner', () => store.destroySessions!(key, filter))
  }

  /** The store's owner index and the owner as stored, or the error that says why not. */
  #ownerIndex(owner: unknown): [Store, string] {
    const key = ownerOf(owner)
    if (this.#ownerKey === undefined) throw configError('ownerKey', undefined, 'listSessions and destroySessions need it: without it no session is indexed by owner')
    const store = this.#store
    if (isSealedStore(store) || typeof store.listSessions !== 'function' || typeof store.destroySessions !== 'function') {
      throw new SessionError('UNSUPPORTED', `${isSealedStore(store) ? 'the sealed cookie store keeps nothing on the server, so it' : 'this store'} cannot list or destroy the sessions of an owner`)
    }
    return [store, key]
  }

  /** Releases what the manager owns: its signing keys, and the default store if it made one. */
  async close(): Promise<void> {
    this.#verified.clear()
    this.#signer.close()
    this.#ctx.sealer?.close()
    if (this.#ownsStore) await (this.#store as Store).close?.()
  }
}

const STORE_METHODS = ['create', 'load', 'commit', 'touch', 'regenerate', 'destroy'] as const
const STORE_SHAPE = `a Store (${STORE_METHODS.join(', ')}) or a sealed store (kind 'sealed', keys)`

function isSealedStore(s: unknown): s is SealedStore {
  const o = s as Record<string, unknown> | null
  return typeof o === 'object' && o !== null && o.kind === 'sealed' && typeof o.keys === 'function'
}

function isStore(s: unknown): s is Store {
  const o = s as Record<string, unknown> | null
  return typeof o === 'object' && o !== null && STORE_METHODS.every((m) => typeof o[m] === 'function')
}

/** Characters of a handle (6 bits each: 96 bits, unguessable, and shorter than an ID). */
const HANDLE_LENGTH = 16

/** How much of a rejected cookie onInvalidCookie sees: "1." and 10 characters of the ID. */
const INVALID_COOKIE_SHOWN = 12

/** A response hook an adapter's setCookie carries as a property (see the adapters). */
function responseHook<F>(setCookie: unknown, name: 'canSetCookie' | 'onRead'): F | undefined {
  const f = typeof setCookie === 'function' ? (setCookie as unknown as Record<string, unknown>)[name] : undefined
  return typeof f === 'function' ? (f as F) : undefined
}

/** CONFIG for a cookie hook that a call needs and no one gave: the same message wherever it is missed. */
function unregistered(hook: 'getCookie' | 'setCookie'): SessionError {
  return configError(hook, undefined, `register one with ${hook === 'getCookie' ? 'registerGetCookie' : 'registerSetCookie'} or use an adapter`)
}
