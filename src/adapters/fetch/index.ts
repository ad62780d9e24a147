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

export function getCookie(name: string, req: Request): string | undefined {
  return readCookie(req.headers.get('cookie'), name)
}

/** False when the Headers are immutable (they belong to a Response already made). */
export function canSetCookie(headers: Headers): boolean {
  try {
    headers.delete(PROBE)
    return true
  } catch {
    return false
  }
}

/** Marks the response as depending on the Cookie header (when the Headers can still change). */
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

/** Sets the cookie on the response Headers; carries canSetCookie and onRead (see above). */
export const setCookie: ((cookie: CookieAttributes, headers: Headers) => void) & {
  readonly canSetCookie: typeof canSetCookie
  readonly onRead: typeof onRead
} = Object.assign(writeCookie, { canSetCookie, onRead })
