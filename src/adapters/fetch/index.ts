// Cookie and response hooks for fetch handlers (Workers, Deno, Bun, Node's Request/Response):
// `manager.acquire(request, responseHeaders)`, then build the Response with those headers.
//
// Commit before the Headers become a Response: `new Response(body, { headers })` copies them, so
// a cookie set afterwards would reach a Headers object nobody sends. The Headers of a Response
// that was already made (`Response.redirect(...).headers`, a fetched response's) are immutable:
// canSetCookie says so (deleting a header name that is not there throws a TypeError on an
// immutable Headers and does nothing otherwise: https://fetch.spec.whatwg.org/#dom-headers-delete),
// so a commit or regenerate that must send a cookie rejects with SessionError 'HEADERS_SENT'
// before any store write, instead of a raw TypeError after it. setCookie carries canSetCookie
// and onRead as properties, so a Manager given this setCookie uses them without being told.
//
// @example
//   const headers = new Headers()
//   const sess = await manager.acquire(request, headers)
//   ...
//   await sess.commit()
//   return new Response(body, { headers })

import { getCookie as readCookie, mergeSetCookie, serializeCookie, withNoCacheSetCookie, withVaryCookie, type CookieAttributes } from '../../cookie.js'
import { SessionError } from '../../errors.js'

/** A header name no one sends: deleting it only tells whether the Headers are mutable. */
const PROBE = 'x-simplesessions-probe'

/**
 * The raw value of cookie `name` in the request's Cookie header; undefined when absent.
 *
 * @example
 * import { getCookie } from 'simplesessions/adapters/fetch'
 *
 * const request = new Request('https://example.com/', { headers: { cookie: 'theme=dark' } })
 * getCookie('theme', request) // 'dark'
 */
export function getCookie(name: string, req: Request): string | undefined {
  return readCookie(req.headers.get('cookie'), name)
}

/**
 * False when the Headers are immutable (they belong to a Response already made). The Manager
 * takes it from setCookie; pass it yourself only when you wrap setCookie.
 *
 * @example
 * import { canSetCookie } from 'simplesessions/adapters/fetch'
 *
 * canSetCookie(new Headers()) // true
 * canSetCookie(Response.redirect('https://example.com/').headers) // false
 */
export function canSetCookie(headers: Headers): boolean {
  try {
    headers.delete(PROBE)
    return true
  } catch {
    return false
  }
}

/**
 * Marks the response as depending on the Cookie header (when the Headers can still change):
 * adds `Vary: Cookie`. The Manager calls it at a session's first read.
 *
 * @example
 * import { onRead } from 'simplesessions/adapters/fetch'
 *
 * const headers = new Headers({ vary: 'Accept' })
 * onRead(headers)
 * headers.get('vary') // 'Accept, Cookie'
 */
export function onRead(headers: Headers): void {
  if (canSetCookie(headers)) headers.set('vary', withVaryCookie(headers.get('vary')))
}

function writeCookie(cookie: CookieAttributes, headers: Headers): void {
  if (!canSetCookie(headers)) throw new SessionError('HEADERS_SENT', `cannot set cookie ${cookie.name}: the response Headers are immutable (the Response was already made)`)
  const line = serializeCookie(cookie)
  const existing = headers.getSetCookie()
  const merged = mergeSetCookie(existing, cookie.name, line)
  if (merged.length !== existing.length + 1) {
    headers.delete('set-cookie')
    for (const l of merged) headers.append('set-cookie', l)
  } else {
    headers.append('set-cookie', line)
  }
  headers.set('vary', withVaryCookie(headers.get('vary')))
  headers.set('cache-control', withNoCacheSetCookie(headers.get('cache-control')))
}

/**
 * Sets the cookie on the response Headers, replacing an earlier Set-Cookie of the same name,
 * with `Vary: Cookie` and `Cache-Control: no-cache="Set-Cookie"`. SessionError HEADERS_SENT on
 * immutable Headers. Carries canSetCookie and onRead as properties, so a Manager given this
 * setCookie uses them without being told. Commit before the Headers become a Response: `new
 * Response(body, { headers })` copies them.
 *
 * @example
 * import { Manager } from 'simplesessions'
 * import { getCookie, setCookie } from 'simplesessions/adapters/fetch'
 *
 * const manager = new Manager({ secrets: [process.env.SESSION_SECRET!], getCookie, setCookie })
 * export default {
 *   async fetch(request: Request): Promise<Response> {
 *     const headers = new Headers()
 *     const sess = await manager.acquire(request, headers)
 *     await sess.set('seen', true)
 *     await sess.commit()
 *     return new Response('ok', { headers })
 *   },
 * }
 */
export const setCookie: ((cookie: CookieAttributes, headers: Headers) => void) & {
  /** The adapter's canSetCookie, which the Manager uses unless given one of its own. */
  readonly canSetCookie: typeof canSetCookie
  /** The adapter's onRead, which the Manager uses unless given one of its own. */
  readonly onRead: typeof onRead
} = Object.assign(writeCookie, { canSetCookie, onRead })
