// The Cookie request header and the Set-Cookie response header, without dependencies, by
// RFC 6265bis: https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis-20
//
// Reading never throws, as a Cookie header carries whatever browsers stored. parseCookie splits
// on ';' and the first '=' (§5.6), trims SP/HTAB, unquotes "..." (§4.1.1), does not
// percent-decode (our values never need it, and decoding would make %41 and A one cookie), keeps
// the first of duplicated names (the longest Path, §5.8), returns an object without a prototype,
// and works in linear time. getCookie, the per-request hot path, gives parseCookie(header)[name]
// without building a map. parseSetCookie reads a Set-Cookie line as a user agent does (§5.6).
//
// Writing is strict and throws SessionError: CONFIG, or TOO_LARGE past 4096 bytes (§5.6). Names
// are tokens and values cookie-octets (§4.1.1), refused rather than encoded, so no input can inject
// a header or an attribute (compare CVE-2024-47764). Path, Domain, the __Secure-/__Host- prefixes
// (§4.1.3), SameSite=None and Partitioned (both need Secure) are checked; Max-Age is capped at
// 400 days as user agents cap it (§5.6.2). withVaryCookie and withNoCacheSetCookie give a response
// that sets a cookie its Vary and Cache-Control.
//
// Every rule with its reason, and where this deviates from jshttp/cookie: docs/decisions/cookies.md.

import { SessionError, configError } from './errors.js'

/**
 * One cookie with its Set-Cookie attributes. This flat object is what the Manager hands to the
 * user's `setCookie` callback.
 *
 * Write every attribute it carries: a removal cookie (an empty value with `maxAge: 0`) removes
 * only the cookie of the same name, Path and Domain, and a browser refuses a `SameSite=None`,
 * `Partitioned` or `__Host-` cookie without `Secure`.
 *
 * @example
 * import { Manager, type CookieAttributes } from 'simplesessions'
 * import type { ServerResponse } from 'node:http'
 *
 * function setCookieLine(c: CookieAttributes): string {
 *   const parts = [`${c.name}=${c.value}`]
 *   if (c.path !== undefined) parts.push(`Path=${c.path}`)
 *   if (c.domain !== undefined) parts.push(`Domain=${c.domain}`)
 *   if (c.maxAge !== undefined) parts.push(`Max-Age=${Math.floor(c.maxAge)}`)
 *   if (c.expires !== undefined) parts.push(`Expires=${c.expires.toUTCString()}`)
 *   if (c.httpOnly) parts.push('HttpOnly')
 *   if (c.secure) parts.push('Secure')
 *   if (c.sameSite !== undefined) parts.push(`SameSite=${c.sameSite.charAt(0).toUpperCase()}${c.sameSite.slice(1)}`)
 *   if (c.partitioned) parts.push('Partitioned')
 *   if (c.priority !== undefined) parts.push(`Priority=${c.priority}`)
 *   return parts.join('; ')
 * }
 *
 * const manager = new Manager({
 *   secrets: [process.env.SESSION_SECRET!],
 *   getCookie: () => undefined,
 *   setCookie: (cookie: CookieAttributes, res: ServerResponse) => res.appendHeader('set-cookie', setCookieLine(cookie)),
 * })
 */
export interface CookieAttributes {
  /** The cookie's name. */
  name: string
  /** The cookie's value; empty in a removal cookie. */
  value: string
  /** Must start with '/'. */
  path?: string
  /** The Domain attribute: sent to that domain and its subdomains. */
  domain?: string
  /** Seconds; floored, capped at 400 days; 0 expires the cookie now. */
  maxAge?: number
  /** The Expires attribute, for clients that do not know Max-Age. */
  expires?: Date
  /** Sent over HTTPS only. */
  secure?: boolean
  /** Hidden from scripts in the page. */
  httpOnly?: boolean
  /** Which cross-site requests carry the cookie. */
  sameSite?: 'lax' | 'strict' | 'none'
  /** CHIPS; requires secure. */
  partitioned?: boolean
  /** The Priority attribute (Chrome): which cookies go last when a domain has too many. */
  priority?: 'low' | 'medium' | 'high'
}

export interface ParseCookieOptions {
  /** Pairs stored at most (duplicates count); the rest of the header is ignored. Default 1000. */
  maxPairs?: number
  /** Applied to each kept value after unquoting. Not called for later duplicates. Default: none. */
  decode?: (value: string) => string
}

export interface GetCookieOptions {
  /** Applied to the value found, after unquoting. Default: none. */
  decode?: (value: string) => string
}

/** Default of ParseCookieOptions.maxPairs. */
export const DEFAULT_MAX_PAIRS = 1000
/** Longest name + value a user agent stores, in bytes (§5.6, §5.7). */
export const MAX_COOKIE_BYTES = 4096
/** Longest Path or Domain attribute value a user agent honours, in bytes (§5.6). */
export const MAX_ATTRIBUTE_BYTES = 1024
/** Largest Max-Age written: 400 days, the limit user agents apply (§5.6.2). */
export const MAX_AGE_LIMIT = 400 * 24 * 60 * 60

const SEMI = 0x3b
const EQ = 0x3d
const SP = 0x20
const HTAB = 0x09
const DQUOTE = 0x22

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * Parses a Cookie header into an object without a prototype. Never throws (unless `decode`
 * does). The first of duplicated names wins; values are unquoted but not decoded.
 *
 * @example
 * parseCookie('a=1; b="two"; a=3') // { a: '1', b: 'two' }
 */
export function parseCookie(header: string | undefined | null, options?: ParseCookieOptions): Record<string, string> {
  const out = Object.create(null) as Record<string, string>
  if (typeof header !== 'string') return out
  const len = header.length
  const maxPairs = options?.maxPairs ?? DEFAULT_MAX_PAIRS
  const decode = options?.decode
  let pairs = 0
  let start = 0
  let eq = -1
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, with start >= len the search for '=' below finds none and breaks
  while (start < len && pairs < maxPairs) {
    // The last '=' found is reused while it is still ahead: searching again from each piece's
    // start would make "a;a;a;...;a=b" quadratic.
    // Stryker disable next-line EqualityOperator: equivalent, with eq === start a new search from start finds the same '='
    if (eq < start) {
      eq = header.indexOf('=', start)
      if (eq === -1) break // no '=' left: no pair left
    }
    let end = header.indexOf(';', start)
    if (end === -1) end = len
    // Stryker disable next-line EqualityOperator: equivalent, eq is an '=' and end a ';' or the length, never the same index
    if (eq > end) {
      start = end + 1 // a piece without '=': skip it
      continue
    }
    const name = trimmed(header, start, eq)
    if (name !== '') {
      pairs++
      if (out[name] === undefined) {
        const raw = unquoted(trimmed(header, eq + 1, end))
        out[name] = decode === undefined ? raw : decode(raw)
      }
    }
    start = end + 1
  }
  return out
}

// The last name that passed LOOKUP_NAME. It starts undefined, not '': the empty name is invalid
// and must be refused on the first call too.
let checkedName: string | undefined

/**
 * Finds one cookie in a Cookie header without building a map: the same value as
 * `parseCookie(header)[name]` (first of duplicates, unquoted, not decoded), or undefined.
 *
 * @example
 * getCookie('xsession=1; session=2', 'session') // '2'
 */
export function getCookie(header: string | undefined | null, name: string, options?: GetCookieOptions): string | undefined {
  if (typeof header !== 'string') return undefined
  let at = header.indexOf(name)
  // Stryker disable next-line ConditionalExpression: equivalent, a shortcut: the loop below finds nothing from -1 either
  if (at === -1) return undefined
  // Stryker disable next-line ConditionalExpression: equivalent, a cache: testing a name again gives the same answer
  if (name !== checkedName) {
    // A name parseCookie can never produce (empty, with ';' or '=', or with SP/HTAB at either
    // end, which it trims) finds nothing.
    if (!LOOKUP_NAME.test(name)) return undefined
    checkedName = name
  }
  const len = header.length
  const nameLen = name.length
  while (at !== -1) {
    let k = at - 1
    let c = 0
    // Stryker disable next-line ConditionalExpression: equivalent, charCodeAt(-1) is NaN, which ends the loop as k >= 0 does
    while (k >= 0 && ((c = header.charCodeAt(k)) === SP || c === HTAB)) k--
    if (k < 0 || c === SEMI) {
      let j = at + nameLen
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, charCodeAt(len) is NaN, which ends the loop as j < len does
      while (j < len && ((c = header.charCodeAt(j)) === SP || c === HTAB)) j++
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, with j === len c is still the SP, HTAB, ';' or 0 seen before, never '='
      if (j < len && c === EQ) {
        // Stryker disable next-line ArithmeticOperator: equivalent, header[j - 1] is the name's end or a blank, never ';'
        let end = header.indexOf(';', j + 1)
        if (end === -1) end = len
        const raw = unquoted(trimmed(header, j + 1, end))
        const decode = options?.decode
        return decode === undefined ? raw : decode(raw)
      }
    }
    at = header.indexOf(name, at + 1)
  }
  return undefined
}

// Not empty, no ';' or '=', no SP/HTAB at either end.
const LOOKUP_NAME = /^[^;=\t ](?:[^;=]*[^;=\t ])?$/

/** header[from, to) without leading and trailing SP/HTAB. */
function trimmed(s: string, from: number, to: number): string {
  let c: number
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, every caller's `to` is at a '=', a ';' or the end, where this loop stops anyway
  while (from < to && ((c = s.charCodeAt(from)) === SP || c === HTAB)) from++
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, past from this loop meets only the blanks the first one skipped, then stops at the '=', ';' or start before them, and slice(from, to) with to < from is '' as with to === from
  while (to > from && ((c = s.charCodeAt(to - 1)) === SP || c === HTAB)) to--
  return s.slice(from, to)
}

function unquoted(v: string): string {
  const n = v.length
  return n >= 2 && v.charCodeAt(0) === DQUOTE && v.charCodeAt(n - 1) === DQUOTE ? v.slice(1, n - 1) : v
}

// A set-cookie-string with a CTL other than HTAB is ignored whole (§5.6 step 1).
const SET_COOKIE_CTL = /[\x00-\x08\x0A-\x1F\x7F]/
// Max-Age: a DIGIT or '-', then DIGITs; anything else is ignored (§5.6.2).
const MAX_AGE = /^-?[0-9]+$/

/**
 * Reads one Set-Cookie line back into the attributes serializeCookie takes (its inverse, with
 * Max-Age floored and capped and Expires to the second as they were written), tolerating what a
 * user agent tolerates (§5.6): attribute names in any case, the last of a repeated attribute
 * wins, unknown attributes and values that do not parse are skipped, as are values over 1024
 * bytes. Undefined for a line a user agent ignores whole: a CTL in it, no `name=` before the
 * first ';', or name + value over 4096 bytes. Not done here, since it needs the request: the
 * default Path, and the Domain checks against the host. Expires is read with Date.parse, which
 * takes the IMF-fixdate written here (not every date form of §5.1.1).
 *
 * @example
 * parseSetCookie('sid=abc; Path=/; HttpOnly; SameSite=Lax') // { name: 'sid', value: 'abc', path: '/', httpOnly: true, sameSite: 'lax' }
 */
export function parseSetCookie(line: string): CookieAttributes | undefined {
  if (typeof line !== 'string' || SET_COOKIE_CTL.test(line)) return undefined
  const [pair, ...avs] = line.split(';') as [string, ...string[]]
  const eq = pair.indexOf('=')
  if (eq === -1) return undefined
  const name = trimmed(pair, 0, eq)
  const value = trimmed(pair, eq + 1, pair.length)
  if (name === '' || name.length + value.length > MAX_COOKIE_BYTES) return undefined
  const c: CookieAttributes = { name, value }
  for (const av of avs) {
    const i = av.indexOf('=')
    const v = i === -1 ? '' : trimmed(av, i + 1, av.length)
    if (v.length > MAX_ATTRIBUTE_BYTES) continue
    const key = trimmed(av, 0, i === -1 ? av.length : i).toLowerCase()
    const lower = v.toLowerCase()
    if (key === 'max-age') {
      if (MAX_AGE.test(v)) c.maxAge = Number(v)
    } else if (key === 'expires') {
      const t = Date.parse(v)
      if (!Number.isNaN(t)) c.expires = new Date(t)
    } else if (key === 'domain') {
      if (v !== '') c.domain = v
    } else if (key === 'path') {
      // A path that does not start with '/' gives the default path (§5.6.4), which needs the request.
      if (v.charCodeAt(0) === 0x2f) c.path = v
    } else if (key === 'secure') c.secure = true
    else if (key === 'httponly') c.httpOnly = true
    else if (key === 'partitioned') c.partitioned = true
    else if (key === 'samesite') {
      if (Object.hasOwn(SAME_SITE, lower)) c.sameSite = lower as keyof typeof SAME_SITE
    } else if (key === 'priority') {
      if (Object.hasOwn(PRIORITY, lower)) c.priority = lower as keyof typeof PRIORITY
    }
  }
  return c
}

// ---------------------------------------------------------------------------------------------
// Writing

// cookie-name = token; tchar per RFC 9110 §5.6.2.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )
// cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E   (no CTLs, SP, '"', ',', ';', '\')
const COOKIE_VALUE = /^(?:[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*|"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*")$/
// path-value = '/' *av-octet; av-octet = any CHAR except CTLs or ';' (%x20-3A / %x3C-7E).
const PATH = /^\/[\x20-\x3A\x3C-\x7E]*$/
// domain-value = subdomain (RFC 1034 §3.5 as relaxed by RFC 1123 §2.1: labels may start with a
// digit), optional leading '.' (ignored by user agents, §5.6.3), labels of 1-63 characters.
const DOMAIN = /^\.?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i
const MAX_DOMAIN_CHARS = 253
const SECURE_PREFIX = /^__secure-/i
const HOST_PREFIX = /^__host-/i

/** A value shown in an error: long values are cut, so a 5 KB cookie does not fill the log. */
function shown(v: unknown): unknown {
  return typeof v === 'string' && v.length > 64 ? `${v.slice(0, 64)}…` : v
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw configError('cookie.name', shown(name), 'must be a non-empty token: letters, digits and !#$%&\'*+-.^_`|~, RFC 6265bis §4.1.1')
  }
  return name
}

function checkValue(value: unknown): string {
  if (typeof value !== 'string' || !COOKIE_VALUE.test(value)) {
    throw configError(
      'cookie.value',
      shown(value),
      'must be cookie-octets (printable ASCII except SP " , ; \\), optionally in double quotes, RFC 6265bis §4.1.1',
    )
  }
  return value
}

function checkSize(name: string, value: string): void {
  // Both are ASCII once checked, so characters are bytes.
  const bytes = name.length + value.length
  if (bytes > MAX_COOKIE_BYTES) {
    throw new SessionError(
      'TOO_LARGE',
      `cookie ${JSON.stringify(shown(name))} is ${bytes} bytes (name + value), over the limit of ${MAX_COOKIE_BYTES} that user agents store (RFC 6265bis §5.6)`,
    )
  }
}

function checkBoolean(option: string, v: unknown): boolean {
  if (v === undefined) return false
  if (typeof v !== 'boolean') throw configError(option, v, 'must be a boolean')
  return v
}

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const
const PRIORITY = { low: 'Low', medium: 'Medium', high: 'High' } as const

/**
 * Checks every attribute and builds the attribute part of a Set-Cookie string ("; Max-Age=..."),
 * enforcing the rules that tie attributes to each other and to the name.
 */
function attributes(c: Omit<CookieAttributes, 'value'>, name: string): string {
  let s = ''
  const { maxAge, domain, path, expires, sameSite, priority } = c
  const httpOnly = checkBoolean('cookie.httpOnly', c.httpOnly)
  const secure = checkBoolean('cookie.secure', c.secure)
  const partitioned = checkBoolean('cookie.partitioned', c.partitioned)

  if (maxAge !== undefined) {
    // Stryker disable next-line ConditionalExpression: equivalent, Number.isFinite is false for every non-number, so the typeof test only narrows the type
    if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge < 0) {
      throw configError('cookie.maxAge', maxAge, 'must be a finite number of seconds >= 0')
    }
    // Floored, capped at the 400 days user agents apply (§5.6.2); `+ 0` turns -0 into 0.
    // Stryker disable next-line ArithmeticOperator: equivalent, a template literal writes -0 as "0" too, so `- 0` gives the same text
    s += `; Max-Age=${Math.min(Math.floor(maxAge), MAX_AGE_LIMIT) + 0}`
  }
  if (domain !== undefined) {
    if (typeof domain !== 'string' || !DOMAIN.test(domain) || domain.length - (domain.charCodeAt(0) === 0x2e ? 1 : 0) > MAX_DOMAIN_CHARS) {
      throw configError('cookie.domain', shown(domain), 'must be a host name: dot-separated labels of letters, digits and inner hyphens, optionally with a leading dot')
    }
    s += `; Domain=${domain}`
  }
  if (path !== undefined) {
    if (typeof path !== 'string' || !PATH.test(path)) {
      throw configError('cookie.path', shown(path), "must start with '/' and contain only printable ASCII except ';', RFC 6265bis §4.1.1, §5.6.4")
    }
    if (path.length > MAX_ATTRIBUTE_BYTES) {
      throw configError('cookie.path', shown(path), `longer than ${MAX_ATTRIBUTE_BYTES} bytes, which user agents ignore (RFC 6265bis §5.6)`)
    }
    s += `; Path=${path}`
  }
  if (expires !== undefined) {
    const t = expires instanceof Date ? expires.getTime() : NaN
    const year = Number.isNaN(t) ? NaN : (expires as Date).getUTCFullYear()
    if (!(year >= 1601 && year <= 9999)) {
      throw configError('cookie.expires', expires, 'must be a valid Date in the UTC years 1601-9999, RFC 6265bis §5.1.1')
    }
    // toUTCString is the IMF-fixdate of RFC 9110 §5.6.7 for 4-digit years (ECMA-262 §21.4.4.43).
    s += `; Expires=${(expires as Date).toUTCString()}`
  }
  if (httpOnly) s += '; HttpOnly'
  if (secure) s += '; Secure'
  if (partitioned) {
    if (!secure) throw configError('cookie.partitioned', true, 'Partitioned requires secure: true (CHIPS)')
    s += '; Partitioned'
  }
  if (priority !== undefined) {
    const p = typeof priority === 'string' && Object.hasOwn(PRIORITY, priority) ? PRIORITY[priority] : undefined
    if (p === undefined) throw configError('cookie.priority', priority, "must be 'low', 'medium' or 'high'")
    s += `; Priority=${p}`
  }
  if (sameSite !== undefined) {
    const v = typeof sameSite === 'string' && Object.hasOwn(SAME_SITE, sameSite) ? SAME_SITE[sameSite] : undefined
    if (v === undefined) throw configError('cookie.sameSite', sameSite, "must be 'lax', 'strict' or 'none'")
    if (v === 'None' && !secure) throw configError('cookie.sameSite', sameSite, 'SameSite=None requires secure: true, RFC 6265bis §5.7')
    s += `; SameSite=${v}`
  }

  // Prefix rules (§4.1.3), matched case-insensitively like user agents do (§5.7).
  // Stryker disable next-line ConditionalExpression: equivalent, both prefix patterns start with ^__, so this test only saves running them
  if (name.charCodeAt(0) === 0x5f /* _ */) {
    if (HOST_PREFIX.test(name)) {
      if (!secure) throw configError('cookie.secure', c.secure, `a __Host- cookie (${name}) requires secure: true, RFC 6265bis §4.1.3.2`)
      if (domain !== undefined) throw configError('cookie.domain', domain, `a __Host- cookie (${name}) must not have a domain, RFC 6265bis §4.1.3.2`)
      if (path !== '/') throw configError('cookie.path', path, `a __Host- cookie (${name}) requires path: '/', RFC 6265bis §4.1.3.2`)
    } else if (SECURE_PREFIX.test(name) && !secure) {
      throw configError('cookie.secure', c.secure, `a __Secure- cookie (${name}) requires secure: true, RFC 6265bis §4.1.3.1`)
    }
  }
  return s
}

/**
 * Builds a Set-Cookie header value. Throws SessionError: 'TOO_LARGE' when name + value exceed
 * 4096 bytes, 'CONFIG' for anything else that is invalid (see docs/decisions/cookies.md).
 *
 * @example
 * serializeCookie({ name: 'session', value: 'abc', path: '/', httpOnly: true, secure: true, sameSite: 'lax' })
 * // 'session=abc; Path=/; HttpOnly; Secure; SameSite=Lax'
 */
export function serializeCookie(c: CookieAttributes): string {
  const name = checkName(c.name)
  const value = checkValue(c.value)
  checkSize(name, value)
  return `${name}=${value}${attributes(c, name)}`
}

/**
 * Checks cookie options the way serializeCookie will, without a value, so that a Manager can
 * refuse a misconfiguration at construction instead of on the first response.
 */
export function validateCookieOptions(c: Omit<CookieAttributes, 'value'>): void {
  const name = checkName(c.name)
  checkSize(name, '')
  attributes(c, name)
}

/**
 * The cookie that removes `c` from the browser: the same name, Path, Domain, Secure, SameSite
 * and Partitioned (a removal only matches a cookie with the same scope), an empty value,
 * Max-Age=0 and an Expires in the past for user agents that ignore Max-Age.
 */
export function removalCookie(c: Omit<CookieAttributes, 'value'>): CookieAttributes {
  return Object.assign({}, c, { value: '', maxAge: 0, expires: new Date(0) })
}

// ---------------------------------------------------------------------------------------------
// Cache headers for responses that set cookies

/**
 * The Vary header value for a response that sets a cookie: `vary` with `Cookie` added once
 * (case-insensitive), unchanged when it already lists Cookie or is `*`.
 *
 * @example
 * withVaryCookie(undefined)            // 'Cookie'
 * withVaryCookie('Accept-Encoding')    // 'Accept-Encoding, Cookie'
 */
export function withVaryCookie(vary: string | null | undefined): string {
  if (vary == null || vary.trim() === '') return 'Cookie'
  for (const field of vary.split(',')) {
    const f = field.trim().toLowerCase()
    if (f === 'cookie' || f === '*') return vary
  }
  return `${vary}, Cookie`
}

/**
 * The Cache-Control value for a response that sets a cookie: `cacheControl` with
 * `no-cache="Set-Cookie"` added, so shared caches never store the Set-Cookie header (RFC 9111
 * §5.2.2.4). Unchanged when it already forbids storing or reusing the response (`no-store`,
 * `private`, or an unqualified `no-cache`).
 */
export function withNoCacheSetCookie(cacheControl: string | null | undefined): string {
  const directive = 'no-cache="Set-Cookie"'
  if (cacheControl == null || cacheControl.trim() === '') return directive
  for (const part of cacheControl.split(',')) {
    const d = part.trim().toLowerCase()
    if (d === 'no-store' || d === 'private' || d === 'no-cache' || d === directive.toLowerCase()) return cacheControl
  }
  return `${cacheControl}, ${directive}`
}

/**
 * The Set-Cookie lines of a response with any earlier line for cookie `name` replaced by `line`:
 * a response that sets the same cookie twice (a regenerate followed by a commit) sends it once,
 * the last value. A user agent would keep the last of the two anyway (RFC 6265bis §5.7), but
 * servers are told not to send two (§4.1.1: "Servers SHOULD NOT include more than one Set-Cookie
 * header field in the same response with the same cookie-name").
 */
export function mergeSetCookie(lines: readonly string[], name: string, line: string): string[] {
  const prefix = `${name}=`
  const out = lines.filter((l) => !l.startsWith(prefix))
  out.push(line)
  return out
}
