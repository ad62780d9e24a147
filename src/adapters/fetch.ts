// Cookie hooks for fetch handlers (Workers, Deno, Bun, Node's Request/Response):
// `manager.acquire(request, responseHeaders)`, then build the Response with those headers.
//
// @example
//   const headers = new Headers()
//   const sess = await manager.acquire(request, headers)
//   ...
//   await sess.commit()
//   return new Response(body, { headers })

import { getCookie as readCookie, serializeCookie, withNoCacheSetCookie, withVaryCookie, type CookieAttributes } from '../cookie'
import { mergeSetCookie } from './shared'

export function getCookie(name: string, req: Request): string | undefined {
  return readCookie(req.headers.get('cookie'), name)
}

export function setCookie(cookie: CookieAttributes, headers: Headers): void {
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
