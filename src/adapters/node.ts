// Cookie hooks for node:http: `new Manager({ ..., getCookie, setCookie })` with
// `manager.acquire(req, res)` on IncomingMessage / ServerResponse.
//
// setCookie replaces an earlier Set-Cookie of the same name in this response (a regenerate
// followed by a commit sends one cookie, the last), and adds `Vary: Cookie` and
// `Cache-Control: no-cache="Set-Cookie"` so no shared cache stores one user's cookie for another
// (https://www.rfc-editor.org/rfc/rfc9111#section-5.2.2.4).

import type { IncomingMessage, ServerResponse } from 'node:http'
import { getCookie as readCookie, serializeCookie, withNoCacheSetCookie, withVaryCookie, type CookieAttributes } from '../cookie'
import { mergeSetCookie } from './shared'

export function getCookie(name: string, req: IncomingMessage): string | undefined {
  return readCookie(req.headers.cookie, name)
}

export function setCookie(cookie: CookieAttributes, res: ServerResponse): void {
  if (res.headersSent) return // too late to change headers; nothing sensible to do but not crash
  const line = serializeCookie(cookie)
  const prev = res.getHeader('set-cookie')
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev : [String(prev)]
  res.setHeader('set-cookie', mergeSetCookie(list, cookie.name, line))
  const vary = res.getHeader('vary')
  res.setHeader('vary', withVaryCookie(vary === undefined ? undefined : String(vary)))
  const cc = res.getHeader('cache-control')
  res.setHeader('cache-control', withNoCacheSetCookie(cc === undefined ? undefined : String(cc)))
}
