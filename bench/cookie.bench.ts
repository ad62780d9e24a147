// Cookie rows: src/cookie.ts against jshttp/cookie (what express and most Node frameworks use) on
// a realistic request header: reading the session cookie (our getCookie fast path and our full
// parse against cookie's parse), and writing a session Set-Cookie.
//
// jshttp is called with an identity decode/encode so both sides do the same work (ours does not
// decode by default; see src/cookie.ts). To include these rows, add `cookieSuite()` to the suites
// in bench/main.ts.

import * as jshttp from 'cookie'
import { getCookie, parseCookie, serializeCookie, type CookieAttributes } from '../src/cookie'
import { assert, sink, type Suite } from './harness'

/** Operations per timed call (see harness.ts). */
const B = 50

const identity = (s: string) => s

/** A browser-like header: analytics and consent cookies around the session cookie. */
export const header = [
  '_ga=GA1.1.1234567890.1732700000',
  '_gid=GA1.1.987654321.1732700000',
  'consent="analytics:yes,ads:no"',
  'theme=dark',
  'xsession=decoy',
  'session=1.q3xV7f0Zb2LrT9kWm4NcHs8YdJ1aEuP6.Gx5yH0n2K8rV3bW7cQ1dZ9fT4mL6pJ0sA2eU8iO5kXw',
  'lang=en-US',
].join('; ')

const cookie: CookieAttributes = {
  name: 'session',
  value: '1.q3xV7f0Zb2LrT9kWm4NcHs8YdJ1aEuP6.Gx5yH0n2K8rV3bW7cQ1dZ9fT4mL6pJ0sA2eU8iO5kXw',
  path: '/',
  maxAge: 86400,
  httpOnly: true,
  secure: true,
  sameSite: 'lax',
}

export function cookieSuite(): Suite {
  const want = '1.q3xV7f0Zb2LrT9kWm4NcHs8YdJ1aEuP6.Gx5yH0n2K8rV3bW7cQ1dZ9fT4mL6pJ0sA2eU8iO5kXw'
  assert(getCookie(header, 'session') === want, 'getCookie finds the session cookie')
  assert(parseCookie(header).session === want, 'parseCookie finds the session cookie')
  assert(jshttp.parseCookie(header, { decode: identity }).session === want, 'jshttp parse finds the session cookie')
  const line = serializeCookie(cookie)
  assert(line === jshttp.stringifySetCookie(cookie, { encode: identity }), `same Set-Cookie: ${line}`)

  return {
    contenders: [
      { name: 'ours getCookie(session)', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += getCookie(header, 'session')?.length ?? -1 } },
      { name: 'ours parseCookie().session', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += parseCookie(header).session?.length ?? -1 } },
      {
        name: 'cookie parseCookie().session', batch: B,
        fn: () => { for (let i = 0; i < B; i++) sink.n += jshttp.parseCookie(header, { decode: identity }).session?.length ?? -1 },
      },
      { name: 'ours serializeCookie', batch: B, fn: () => { for (let i = 0; i < B; i++) sink.n += serializeCookie(cookie).length } },
      {
        name: 'cookie stringifySetCookie', batch: B,
        fn: () => { for (let i = 0; i < B; i++) sink.n += jshttp.stringifySetCookie(cookie, { encode: identity }).length },
      },
    ],
    rows: [
      { measure: 'read the session cookie (fast path)', ours: 'ours getCookie(session)', theirs: 'cookie parseCookie().session' },
      { measure: 'parse the whole Cookie header', ours: 'ours parseCookie().session', theirs: 'cookie parseCookie().session' },
      { measure: 'serialize a session Set-Cookie (validated)', ours: 'ours serializeCookie', theirs: 'cookie stringifySetCookie' },
    ],
    context: [],
  }
}
