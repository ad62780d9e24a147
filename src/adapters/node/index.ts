// Cookie and response hooks for node:http: `new Manager({ ..., getCookie, setCookie })` with
// `manager.acquire(req, res)` on IncomingMessage / ServerResponse.
//
// setCookie replaces an earlier Set-Cookie of the same name in this response (a regenerate
// followed by a commit sends one cookie, the last), and adds `Vary: Cookie` and
// `Cache-Control: no-cache="Set-Cookie"` so no shared cache stores one user's cookie for another
// (https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.4).
//
// The response hooks: canSetCookie is `!res.headersSent` (after res.end(), or once the head was
// flushed by a write, no header can be added); onRead adds `Vary: Cookie` to a response whose
// content depends on the session although it sets no cookie. setCookie carries both as
// properties, so a Manager given this setCookie uses them without being told; they are exported
// too, for a Manager that wraps setCookie in a function of its own. A setCookie call after the
// headers went out is a bug in the caller (the Session checks canSetCookie first): it throws
// SessionError 'HEADERS_SENT' rather than losing the cookie in silence.

import type { IncomingMessage, ServerResponse } from 'node:http'
import { getCookie as readCookie, mergeSetCookie, serializeCookie, withNoCacheSetCookie, withVaryCookie, type CookieAttributes } from '../../cookie.js'
import { SessionError } from '../../errors.js'

/**
 * The raw value of cookie `name` in the request's Cookie header; undefined when absent.
 *
 * @example
 * import { createServer } from 'node:http'
 * import { getCookie } from 'simplesessions/adapters/node'
 *
 * createServer((req, res) => res.end(getCookie('theme', req) ?? 'light'))
 */
export function getCookie(name: string, req: IncomingMessage): string | undefined {
  return readCookie(req.headers.cookie, name)
}

/**
 * False once the response's headers are sent. The Manager takes it from setCookie; pass it
 * yourself only when you wrap setCookie in a function of your own.
 *
 * @example
 * import { Manager } from 'simplesessions'
 * import { canSetCookie, getCookie, onRead, setCookie } from 'simplesessions/adapters/node'
 *
 * const manager = new Manager({
 *   secrets: [process.env.SESSION_SECRET!],
 *   getCookie,
 *   setCookie: (cookie, res) => setCookie(cookie, res),
 *   canSetCookie,
 *   onRead,
 * })
 */
export function canSetCookie(res: ServerResponse): boolean {
  return !res.headersSent
}

/**
 * Marks the response as depending on the Cookie header (while it can still take a header): adds
 * `Vary: Cookie`. The Manager calls it at a session's first read.
 *
 * @example
 * import { createServer } from 'node:http'
 * import { onRead } from 'simplesessions/adapters/node'
 *
 * createServer((req, res) => {
 *   onRead(res)
 *   res.end() // Vary: Cookie
 * })
 */
export function onRead(res: ServerResponse): void {
  if (res.headersSent) return
  addVary(res)
}

function addVary(res: ServerResponse): void {
  const vary = res.getHeader('vary')
  res.setHeader('vary', withVaryCookie(vary === undefined ? undefined : String(vary)))
}

function writeCookie(cookie: CookieAttributes, res: ServerResponse): void {
  if (res.headersSent) throw new SessionError('HEADERS_SENT', `cannot set cookie ${cookie.name}: the response's headers were already sent`)
  const line = serializeCookie(cookie)
  const prev = res.getHeader('set-cookie')
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)]
  res.setHeader('set-cookie', mergeSetCookie(list, cookie.name, line))
  addVary(res)
  const cc = res.getHeader('cache-control')
  res.setHeader('cache-control', withNoCacheSetCookie(cc === undefined ? undefined : String(cc)))
}

/**
 * Sets the cookie on the response, replacing an earlier Set-Cookie of the same name, with
 * `Vary: Cookie` and `Cache-Control: no-cache="Set-Cookie"`. SessionError HEADERS_SENT once the
 * headers went out. Carries canSetCookie and onRead as properties, so a Manager given this
 * setCookie uses them without being told.
 *
 * @example
 * import { createServer } from 'node:http'
 * import { Manager } from 'simplesessions'
 * import { getCookie, setCookie } from 'simplesessions/adapters/node'
 *
 * const manager = new Manager({ secrets: [process.env.SESSION_SECRET!], getCookie, setCookie })
 * createServer(async (req, res) => {
 *   const sess = await manager.acquire(req, res)
 *   await sess.set('seen', true)
 *   await sess.commit() // Set-Cookie is on res now
 *   res.end()
 * })
 */
export const setCookie: ((cookie: CookieAttributes, res: ServerResponse) => void) & {
  /** The adapter's canSetCookie, which the Manager uses unless given one of its own. */
  readonly canSetCookie: typeof canSetCookie
  /** The adapter's onRead, which the Manager uses unless given one of its own. */
  readonly onRead: typeof onRead
} = Object.assign(writeCookie, { canSetCookie, onRead })
