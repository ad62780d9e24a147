// src/cookie.ts: Set-Cookie grammar and injection refusals in every attribute, prefix and Secure
// rules, the 4096-byte boundary, Max-Age/Expires formatting and attribute order; Cookie header
// parsing (duplicates, prototype pollution, quoting, whitespace, malformed pieces, bounds); the
// getCookie fast path; parseSetCookie (a user agent's tolerance, and the serializer's inverse);
// and property tests against jshttp/cookie as an oracle.
//
// Where the oracle intentionally differs (see the module comment of src/cookie.ts) its output is
// normalised before comparing:
//   - jshttp percent-decodes by default: it is called with an identity `decode`.
//   - jshttp keeps a pair with an empty name (`=x` gives the key ""): that key is dropped.
//   - jshttp does not unquote `"..."` values: its values are unquoted.
//   - jshttp's default `encode` percent-encodes '%' and DQUOTE-wrapped values when serializing:
//     it is called with an identity `encode` (it then checks its own, laxer, value grammar).
// Duplicates need no normalisation: both keep the first.

import * as oracle from 'cookie'
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import {
  DEFAULT_MAX_PAIRS,
  MAX_AGE_LIMIT,
  getCookie,
  parseCookie,
  parseSetCookie,
  removalCookie,
  serializeCookie,
  validateCookieOptions,
  withNoCacheSetCookie,
  withVaryCookie,
  type CookieAttributes,
} from '../src/cookie'
import { SessionError, type ErrorCode } from '../src/errors'

function thrown(fn: () => unknown): SessionError {
  let caught: unknown
  try {
    fn()
  } catch (e) {
    caught = e
  }
  if (!(caught instanceof SessionError)) throw new Error(`expected a SessionError, got ${String(caught)}`)
  return caught
}

function expectRefused(fn: () => unknown, code: ErrorCode, option?: string): SessionError {
  const e = thrown(fn)
  expect(e.code).toBe(code)
  if (option !== undefined) {
    expect(e.message).toMatch(new RegExp(`^option ${option.replace('.', '\\.')} is invalid: `))
    // Every refusal says why: `option cookie.<attribute> is invalid: <value> (<why>)`.
    expect(e.message).toMatch(/ \(.+\)$/)
  }
  // Whatever was refused is shown escaped: an error message never carries a raw CR, LF or NUL.
  expect(e.message).not.toMatch(/[\r\n\0]/)
  return e
}

const base: CookieAttributes = { name: 'sid', value: 'abc' }

// ---------------------------------------------------------------------------------------------
describe('serializeCookie', () => {
  it('writes name=value alone when no attribute is given', () => {
    expect(serializeCookie(base)).toBe('sid=abc')
    expect(serializeCookie({ name: 'sid', value: '' })).toBe('sid=')
  })

  it('writes every attribute in one fixed order', () => {
    const all: CookieAttributes = {
      sameSite: 'none',
      priority: 'high',
      partitioned: true,
      secure: true,
      httpOnly: true,
      expires: new Date(Date.UTC(1994, 10, 6, 8, 49, 37)),
      path: '/app',
      domain: 'example.com',
      maxAge: 3600,
      value: 'v',
      name: 'n',
    }
    expect(serializeCookie(all)).toBe(
      'n=v; Max-Age=3600; Domain=example.com; Path=/app; Expires=Sun, 06 Nov 1994 08:49:37 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=None',
    )
    // Key order of the input does not matter.
    const reversed = Object.fromEntries(Object.entries(all).reverse()) as unknown as CookieAttributes
    expect(serializeCookie(reversed)).toBe(serializeCookie(all))
  })

  it('writes each SameSite and Priority value with its canonical casing', () => {
    expect(serializeCookie({ ...base, sameSite: 'lax' })).toBe('sid=abc; SameSite=Lax')
    expect(serializeCookie({ ...base, sameSite: 'strict' })).toBe('sid=abc; SameSite=Strict')
    expect(serializeCookie({ ...base, sameSite: 'none', secure: true })).toBe('sid=abc; Secure; SameSite=None')
    expect(serializeCookie({ ...base, priority: 'low' })).toBe('sid=abc; Priority=Low')
    expect(serializeCookie({ ...base, priority: 'medium' })).toBe('sid=abc; Priority=Medium')
  })

  it('omits false booleans', () => {
    expect(serializeCookie({ ...base, secure: false, httpOnly: false, partitioned: false })).toBe('sid=abc')
  })

  it('accepts every tchar in a name and every cookie-octet in a value, bare or in double quotes', () => {
    const tchars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    let octets = ''
    for (let c = 0x21; c <= 0x7e; c++) if (c !== 0x22 && c !== 0x2c && c !== 0x3b && c !== 0x5c) octets += String.fromCharCode(c)
    expect(octets).toHaveLength(90)
    expect(serializeCookie({ name: tchars, value: octets })).toBe(`${tchars}=${octets}`)
    expect(serializeCookie({ name: 'q', value: `"${octets}"` })).toBe(`q="${octets}"`)
    expect(serializeCookie({ name: 'q', value: '""' })).toBe('q=""')
  })

  describe('refuses injection and characters outside the grammar', () => {
    // Inserted at the start (after the leading '/' for a path), the middle and the end.
    const bad = [';', '\r', '\n', '\r\n', '\0', ' ', ',', '\t', '\x7f', '\x01', '"', '\\', '=', 'é', 'Ā', '\u2028', '😀', '\ud800']
    const cases: { attr: 'name' | 'value' | 'path' | 'domain'; base: string; allowed: string[] }[] = [
      { attr: 'name', base: 'session', allowed: [] },
      { attr: 'value', base: 'abc.def', allowed: ['='] },
      // Path takes any CHAR but CTLs and ';' (av-octet).
      { attr: 'path', base: '/app/x', allowed: [' ', ',', '"', '\\', '='] },
      { attr: 'domain', base: 'example.com', allowed: [] },
    ]
    for (const { attr, base: good, allowed } of cases) {
      const from = attr === 'path' ? 1 : 0
      for (const ch of bad) {
        const variants = [good.slice(0, from) + ch + good.slice(from), good.slice(0, 3) + ch + good.slice(3), good + ch]
        const label = JSON.stringify(ch)
        if (allowed.includes(ch)) {
          it(`accepts ${label} in ${attr}`, () => {
            for (const v of variants) {
              const out = serializeCookie({ ...base, [attr]: v })
              expect(out).toContain(v)
            }
          })
        } else {
          it(`refuses ${label} in ${attr}`, () => {
            for (const v of variants) {
              expectRefused(() => serializeCookie({ ...base, [attr]: v }), 'CONFIG', `cookie.${attr}`)
              if (attr !== 'value') expectRefused(() => validateCookieOptions({ name: 'sid', [attr]: v }), 'CONFIG', `cookie.${attr}`)
            }
          })
        }
      }
    }
  })

  it('refuses unbalanced or inner double quotes in a value', () => {
    for (const v of ['"', '"abc', 'abc"', 'a"b', '"a"b"', '""""']) expectRefused(() => serializeCookie({ ...base, value: v }), 'CONFIG', 'cookie.value')
  })

  it('refuses an empty name and non-string names and values', () => {
    expectRefused(() => serializeCookie({ name: '', value: 'x' }), 'CONFIG', 'cookie.name')
    expectRefused(() => validateCookieOptions({ name: '' }), 'CONFIG', 'cookie.name')
    expectRefused(() => serializeCookie({ name: 1 as unknown as string, value: 'x' }), 'CONFIG', 'cookie.name')
    expectRefused(() => serializeCookie({ name: 'a', value: undefined as unknown as string }), 'CONFIG', 'cookie.value')
    expectRefused(() => serializeCookie({ name: 'a', value: 5 as unknown as string }), 'CONFIG', 'cookie.value')
  })

  it('cuts refused values longer than 64 characters in the message, and shows shorter ones whole', () => {
    const e = expectRefused(() => serializeCookie({ ...base, value: 'x'.repeat(3000) + ';' }), 'CONFIG', 'cookie.value')
    expect(e.message.length).toBeLessThan(400)
    const at64 = 'a'.repeat(63) + ';'
    expect(expectRefused(() => serializeCookie({ ...base, value: at64 }), 'CONFIG', 'cookie.value').message).toContain(`${JSON.stringify(at64)} (`)
    const at65 = 'b' + at64
    expect(expectRefused(() => serializeCookie({ ...base, value: at65 }), 'CONFIG', 'cookie.value').message).toContain(`${JSON.stringify(at65.slice(0, 64) + '…')} (`)
  })

  describe('path', () => {
    it('must start with /', () => {
      for (const p of ['', 'app', ' /app', '.', '*']) expectRefused(() => serializeCookie({ ...base, path: p }), 'CONFIG', 'cookie.path')
      expect(serializeCookie({ ...base, path: '/' })).toBe('sid=abc; Path=/')
    })

    it('is at most 1024 bytes', () => {
      const p = '/' + 'p'.repeat(1023)
      expect(serializeCookie({ ...base, path: p })).toBe(`sid=abc; Path=${p}`)
      expectRefused(() => serializeCookie({ ...base, path: p + 'p' }), 'CONFIG', 'cookie.path')
    })
  })

  describe('domain', () => {
    it('accepts host names, with an optional leading dot, in any case', () => {
      for (const d of ['example.com', '.example.com', 'a.b-c.example', 'EXAMPLE.COM', 'localhost', 'xn--bcher-kva.example', '127.0.0.1', '1a.example', 'a']) {
        expect(serializeCookie({ ...base, domain: d })).toBe(`sid=abc; Domain=${d}`)
      }
    })

    it('refuses anything else', () => {
      const refused = ['', '.', 'example.com.', '..example.com', 'a..b', '-a.com', 'a-.com', 'a.-b.com', 'ex_ample.com', '[::1]', 'example.com:443', 'exa mple.com', 'https://example.com', 'a/b']
      for (const d of refused) expectRefused(() => serializeCookie({ ...base, domain: d }), 'CONFIG', 'cookie.domain')
    })

    it('has labels of at most 63 and names of at most 253 characters', () => {
      const l63 = 'a'.repeat(63)
      expect(serializeCookie({ ...base, domain: `${l63}.com` })).toContain(`Domain=${l63}.com`)
      expectRefused(() => serializeCookie({ ...base, domain: `${l63}a.com` }), 'CONFIG', 'cookie.domain')
      const d253 = [l63, l63, l63, 'a'.repeat(61)].join('.')
      expect(d253).toHaveLength(253)
      expect(serializeCookie({ ...base, domain: d253 })).toContain(`Domain=${d253}`)
      expect(serializeCookie({ ...base, domain: `.${d253}` })).toContain(`Domain=.${d253}`)
      expectRefused(() => serializeCookie({ ...base, domain: `${d253}a` }), 'CONFIG', 'cookie.domain')
      expectRefused(() => serializeCookie({ ...base, domain: `.${d253}a` }), 'CONFIG', 'cookie.domain')
    })
  })

  describe('prefixes and Secure', () => {
    const host: Omit<CookieAttributes, 'value'> = { name: '__Host-sid', secure: true, path: '/' }

    it('__Secure- requires Secure', () => {
      expectRefused(() => serializeCookie({ name: '__Secure-sid', value: 'x' }), 'CONFIG', 'cookie.secure')
      expectRefused(() => serializeCookie({ name: '__Secure-sid', value: 'x', secure: false }), 'CONFIG', 'cookie.secure')
      expectRefused(() => validateCookieOptions({ name: '__Secure-sid' }), 'CONFIG', 'cookie.secure')
      expect(serializeCookie({ name: '__Secure-sid', value: 'x', secure: true, domain: 'example.com', path: '/a' })).toBe(
        '__Secure-sid=x; Domain=example.com; Path=/a; Secure',
      )
    })

    it('__Host- requires Secure, Path=/ and no Domain', () => {
      expect(serializeCookie({ ...host, value: 'x' })).toBe('__Host-sid=x; Path=/; Secure')
      expect(() => validateCookieOptions(host)).not.toThrow()
      expectRefused(() => serializeCookie({ name: '__Host-sid', path: '/', value: 'x' }), 'CONFIG', 'cookie.secure')
      expectRefused(() => serializeCookie({ name: '__Host-sid', secure: true, value: 'x' }), 'CONFIG', 'cookie.path')
      expectRefused(() => serializeCookie({ ...host, path: '/app', value: 'x' }), 'CONFIG', 'cookie.path')
      expectRefused(() => serializeCookie({ ...host, domain: 'example.com', value: 'x' }), 'CONFIG', 'cookie.domain')
      expectRefused(() => validateCookieOptions({ ...host, domain: 'example.com' }), 'CONFIG', 'cookie.domain')
      expectRefused(() => validateCookieOptions({ name: '__Host-sid', secure: true }), 'CONFIG', 'cookie.path')
    })

    it('matches prefixes case-insensitively, as user agents do', () => {
      expectRefused(() => validateCookieOptions({ name: '__secure-sid' }), 'CONFIG', 'cookie.secure')
      expectRefused(() => validateCookieOptions({ name: '__SECURE-sid' }), 'CONFIG', 'cookie.secure')
      expectRefused(() => validateCookieOptions({ name: '__host-sid', secure: true }), 'CONFIG', 'cookie.path')
      expectRefused(() => validateCookieOptions({ name: '__HoSt-sid', secure: true, path: '/', domain: 'a.com' }), 'CONFIG', 'cookie.domain')
    })

    it('leaves names that only resemble a prefix alone', () => {
      // A prefix counts only at the very start of the name, also in names that start with '_'.
      const lookalikes = ['_Host-sid', '__Host', '__Hostsid', 'x__Host-sid', '__Securesid', '__Secure_sid']
      for (const name of [...lookalikes, '_x__Host-sid', '_x__Secure-sid', '___Host-sid', '___Secure-sid']) {
        expect(serializeCookie({ name, value: 'x', domain: 'a.com', path: '/p' })).toBe(`${name}=x; Domain=a.com; Path=/p`)
      }
    })

    it('SameSite=None requires Secure', () => {
      expectRefused(() => serializeCookie({ ...base, sameSite: 'none' }), 'CONFIG', 'cookie.sameSite')
      expectRefused(() => validateCookieOptions({ name: 'sid', sameSite: 'none', secure: false }), 'CONFIG', 'cookie.sameSite')
      expect(() => validateCookieOptions({ name: 'sid', sameSite: 'none', secure: true })).not.toThrow()
    })

    it('Partitioned requires Secure', () => {
      expectRefused(() => serializeCookie({ ...base, partitioned: true }), 'CONFIG', 'cookie.partitioned')
      expectRefused(() => validateCookieOptions({ name: 'sid', partitioned: true }), 'CONFIG', 'cookie.partitioned')
      expect(serializeCookie({ ...base, partitioned: true, secure: true })).toBe('sid=abc; Secure; Partitioned')
    })
  })

  it('refuses unknown SameSite and Priority values and non-boolean flags', () => {
    for (const s of ['Lax', 'LAX', 'default', '', true, 1]) {
      expectRefused(() => serializeCookie({ ...base, secure: true, sameSite: s as 'lax' }), 'CONFIG', 'cookie.sameSite')
    }
    for (const p of ['High', 'urgent', '', 0]) {
      expectRefused(() => serializeCookie({ ...base, priority: p as 'low' }), 'CONFIG', 'cookie.priority')
    }
    for (const flag of ['secure', 'httpOnly', 'partitioned'] as const) {
      expectRefused(() => serializeCookie({ ...base, [flag]: 'true' }), 'CONFIG', `cookie.${flag}`)
      expectRefused(() => validateCookieOptions({ name: 'sid', [flag]: 1 }), 'CONFIG', `cookie.${flag}`)
    }
  })

  it('refuses SameSite and Priority values that are only names on Object.prototype or convert to a valid value', () => {
    // The lookup tables are plain objects: a value is looked up only when it is one of their own keys.
    const inherited = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']
    const sameSites = [...inherited, ['lax'], { toString: () => 'lax' }, new String('lax')]
    const priorities = [...inherited, ['low'], { toString: () => 'low' }, new String('low')]
    for (const s of sameSites) {
      expectRefused(() => serializeCookie({ ...base, secure: true, sameSite: s as 'lax' }), 'CONFIG', 'cookie.sameSite')
      expectRefused(() => validateCookieOptions({ name: 'sid', secure: true, sameSite: s as 'lax' }), 'CONFIG', 'cookie.sameSite')
    }
    for (const p of priorities) {
      expectRefused(() => serializeCookie({ ...base, priority: p as 'low' }), 'CONFIG', 'cookie.priority')
      expectRefused(() => validateCookieOptions({ name: 'sid', priority: p as 'low' }), 'CONFIG', 'cookie.priority')
    }
  })

  it('refuses a domain or path that is not a string, also one that converts to a valid string', () => {
    // A regex test converts its argument to a string: the type is checked before the grammar.
    const convertingTo = (s: string): unknown[] => [[s], { toString: () => s }, new String(s)]
    for (const d of [...convertingTo('example.com'), 123, true, null]) {
      expectRefused(() => serializeCookie({ ...base, domain: d as string }), 'CONFIG', 'cookie.domain')
      expectRefused(() => validateCookieOptions({ name: 'sid', domain: d as string }), 'CONFIG', 'cookie.domain')
    }
    for (const p of [...convertingTo('/'), ...convertingTo('/app'), 1, null]) {
      expectRefused(() => serializeCookie({ ...base, path: p as string }), 'CONFIG', 'cookie.path')
      expectRefused(() => validateCookieOptions({ name: '__Host-sid', secure: true, path: p as string }), 'CONFIG', 'cookie.path')
    }
  })

  describe('4096-byte limit on name + value', () => {
    it('accepts exactly 4096 bytes and refuses 4097 with TOO_LARGE', () => {
      const name = 'session'
      const fits = 'v'.repeat(4096 - name.length)
      expect(serializeCookie({ name, value: fits })).toBe(`${name}=${fits}`)
      const e = expectRefused(() => serializeCookie({ name, value: fits + 'v' }), 'TOO_LARGE')
      expect(e.message).toContain('4097')
      expect(e.message.length).toBeLessThan(300)
    })

    it('counts the quotes of a quoted value', () => {
      const inner = 'v'.repeat(4096 - 1 - 2)
      expect(serializeCookie({ name: 'n', value: `"${inner}"` })).toHaveLength(1 + 1 + 4096 - 1)
      expectRefused(() => serializeCookie({ name: 'n', value: `"${inner}v"` }), 'TOO_LARGE')
    })

    it('applies to a name alone at validation', () => {
      expect(() => validateCookieOptions({ name: 'n'.repeat(4096) })).not.toThrow()
      expectRefused(() => validateCookieOptions({ name: 'n'.repeat(4097) }), 'TOO_LARGE')
      expectRefused(() => serializeCookie({ name: 'n'.repeat(4097), value: '' }), 'TOO_LARGE')
    })
  })

  describe('Max-Age', () => {
    const maxAge = (n: number) => serializeCookie({ ...base, maxAge: n })

    it('writes whole seconds, floored', () => {
      expect(maxAge(3600)).toBe('sid=abc; Max-Age=3600')
      expect(maxAge(0)).toBe('sid=abc; Max-Age=0')
      expect(maxAge(-0)).toBe('sid=abc; Max-Age=0')
      expect(maxAge(1.999)).toBe('sid=abc; Max-Age=1')
      expect(maxAge(0.5)).toBe('sid=abc; Max-Age=0')
    })

    it('caps at 400 days', () => {
      expect(MAX_AGE_LIMIT).toBe(34_560_000)
      expect(maxAge(MAX_AGE_LIMIT)).toBe('sid=abc; Max-Age=34560000')
      expect(maxAge(MAX_AGE_LIMIT + 1)).toBe('sid=abc; Max-Age=34560000')
      expect(maxAge(2 * 365 * 86400)).toBe('sid=abc; Max-Age=34560000')
      expect(maxAge(Number.MAX_VALUE)).toBe('sid=abc; Max-Age=34560000')
      expect(() => validateCookieOptions({ name: 'sid', maxAge: 10 * 365 * 86400 })).not.toThrow()
    })

    it('refuses negative, non-finite and non-number values', () => {
      for (const n of [-1, -0.5, NaN, Infinity, -Infinity, '3600', null]) {
        expectRefused(() => serializeCookie({ ...base, maxAge: n as number }), 'CONFIG', 'cookie.maxAge')
        expectRefused(() => validateCookieOptions({ name: 'sid', maxAge: n as number }), 'CONFIG', 'cookie.maxAge')
      }
    })
  })

  describe('Expires', () => {
    const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/
    const expires = (d: Date) => serializeCookie({ ...base, expires: d }).replace('sid=abc; Expires=', '')

    it('is an IMF-fixdate in GMT, whole seconds', () => {
      expect(expires(new Date(Date.UTC(1994, 10, 6, 8, 49, 37, 999)))).toBe('Sun, 06 Nov 1994 08:49:37 GMT')
      expect(expires(new Date(0))).toBe('Thu, 01 Jan 1970 00:00:00 GMT')
      expect(expires(new Date(Date.UTC(1601, 0, 1)))).toBe('Mon, 01 Jan 1601 00:00:00 GMT')
      expect(expires(new Date(Date.UTC(9999, 11, 31, 23, 59, 59)))).toBe('Fri, 31 Dec 9999 23:59:59 GMT')
      fc.assert(
        fc.property(fc.date({ min: new Date(Date.UTC(1601, 0, 1)), max: new Date(Date.UTC(9999, 11, 31, 23, 59, 59)), noInvalidDate: true }), (d) => {
          const s = expires(d)
          expect(s).toMatch(IMF_FIXDATE)
          expect(new Date(s).getTime()).toBe(Math.floor(d.getTime() / 1000) * 1000)
        }),
      )
    })

    it('refuses invalid dates, years outside 1601-9999 and non-dates', () => {
      const refused: unknown[] = [new Date(NaN), new Date(Date.UTC(1600, 11, 31, 23, 59, 59)), new Date(Date.UTC(10000, 0, 1)), Date.now(), '2030-01-01', null]
      for (const d of refused) {
        expectRefused(() => serializeCookie({ ...base, expires: d as Date }), 'CONFIG', 'cookie.expires')
        expectRefused(() => validateCookieOptions({ name: 'sid', expires: d as Date }), 'CONFIG', 'cookie.expires')
      }
    })
  })

  it('treats undefined attributes as absent', () => {
    const loose = { ...base, path: undefined, domain: undefined, maxAge: undefined, expires: undefined, sameSite: undefined, priority: undefined, secure: undefined }
    expect(serializeCookie(loose as unknown as CookieAttributes)).toBe('sid=abc')
  })

  it('removalCookie keeps the scope and expires the cookie', () => {
    const c = { name: '__Host-sid', path: '/', secure: true, httpOnly: true, sameSite: 'strict', partitioned: true, maxAge: 3600 } as const
    const r = removalCookie(c)
    expect(r).toEqual({ ...c, value: '', maxAge: 0, expires: new Date(0) })
    expect(serializeCookie(r)).toBe('__Host-sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; Partitioned; SameSite=Strict')
  })
})

// ---------------------------------------------------------------------------------------------
describe('validateCookieOptions', () => {
  it('accepts a typical session configuration', () => {
    expect(() => validateCookieOptions({ name: 'session', path: '/', secure: true, httpOnly: true, sameSite: 'lax', maxAge: 86400 })).not.toThrow()
  })

  it('throws exactly what serializeCookie throws for the same attributes (with a valid value)', () => {
    const anyAttr = fc.record(
      {
        name: fc.oneof(fc.constantFrom('sid', '__Host-sid', '__Secure-sid', '__host-x', '', 'a b', 'a;b'), fc.string({ maxLength: 6 })),
        path: fc.constantFrom('/', '/a', 'a', '/a;b', ''),
        domain: fc.constantFrom('example.com', '.a.b', 'a..b', 'a;b', ''),
        maxAge: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(NaN, 1e12, 2.5)),
        expires: fc.constantFrom(new Date(0), new Date(NaN), new Date(Date.UTC(1500, 0, 1))),
        secure: fc.boolean(),
        httpOnly: fc.boolean(),
        partitioned: fc.boolean(),
        sameSite: fc.constantFrom('lax', 'strict', 'none', 'Lax'),
        priority: fc.constantFrom('low', 'medium', 'high', 'x'),
      },
      { requiredKeys: ['name'] },
    )
    fc.assert(
      fc.property(anyAttr, (attrs) => {
        const c = attrs as Omit<CookieAttributes, 'value'>
        let a: unknown
        let b: unknown
        try {
          validateCookieOptions(c)
        } catch (e) {
          a = e
        }
        try {
          serializeCookie({ ...c, value: 'v' })
        } catch (e) {
          b = e
        }
        if (a === undefined) expect(b).toBeUndefined()
        else {
          expect(a).toBeInstanceOf(SessionError)
          expect(b).toBeInstanceOf(SessionError)
          expect((b as SessionError).code).toBe((a as SessionError).code)
          expect((b as SessionError).message).toBe((a as SessionError).message)
        }
      }),
      { numRuns: 500 },
    )
  })
})

// ---------------------------------------------------------------------------------------------
describe('parseCookie', () => {
  const entries = (o: Record<string, string>) => Object.entries(o)

  it('returns an empty object without a prototype for no header', () => {
    for (const h of [undefined, null, '', ' ', ';', '=', 'a']) {
      const o = parseCookie(h)
      expect(Object.getPrototypeOf(o)).toBeNull()
      expect(Object.keys(o)).toEqual([])
    }
  })

  it('parses pairs in order', () => {
    expect(entries(parseCookie('a=1; b=2; c=3'))).toEqual([['a', '1'], ['b', '2'], ['c', '3']])
  })

  it('keeps the first of duplicated names', () => {
    expect(entries(parseCookie('a=1; b=2; a=3; a=4'))).toEqual([['a', '1'], ['b', '2']])
    expect(parseCookie('sid=first;sid=second').sid).toBe('first')
    // Empty counts as a value: it still wins.
    expect(parseCookie('a=; a=2').a).toBe('')
  })

  it('does not let __proto__, constructor or other Object.prototype names pollute anything', () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort()
    const o = parseCookie('__proto__=x; constructor=y; toString=z; hasOwnProperty=w; valueOf=v; __defineGetter__=g; isPrototypeOf=i')
    expect(Object.getPrototypeOf(o)).toBeNull()
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before)
    expect(entries(o)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['toString', 'z'],
      ['hasOwnProperty', 'w'],
      ['valueOf', 'v'],
      ['__defineGetter__', 'g'],
      ['isPrototypeOf', 'i'],
    ])
    const plain: Record<string, unknown> = {}
    expect(plain.x).toBeUndefined()
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype)
    expect(typeof plain.toString).toBe('function')
    // A name that exists on Object.prototype is not mistaken for a duplicate.
    expect(parseCookie('toString=1').toString).toBe('1')
    expect(parseCookie('a=1').toString).toBeUndefined()
  })

  it('unquotes DQUOTE-wrapped values only', () => {
    expect(parseCookie('a="x"').a).toBe('x')
    expect(parseCookie('a=""').a).toBe('')
    expect(parseCookie('a=" spaced "').a).toBe(' spaced ')
    expect(parseCookie('a= "x" ').a).toBe('x')
    expect(parseCookie('a="').a).toBe('"')
    expect(parseCookie('a="x').a).toBe('"x')
    expect(parseCookie('a=x"').a).toBe('x"')
    expect(parseCookie('a=""x""').a).toBe('"x"')
  })

  it('keeps empty values', () => {
    expect(entries(parseCookie('a=; b=;c='))).toEqual([['a', ''], ['b', ''], ['c', '']])
    expect(parseCookie('a=   ').a).toBe('')
  })

  it('tolerates whitespace around pieces, names and values (SP and HTAB only)', () => {
    const expected = [['a', '1'], ['b', '2']]
    for (const h of ['a=1;b=2', 'a=1; b=2', '  a = 1 ;  b =  2  ', '\ta\t=\t1\t;\tb=2\t', 'a=1 ;b=2;', ';a=1;;b=2;;', ' ; a=1 ; ; b=2 ; ']) {
      expect(entries(parseCookie(h))).toEqual(expected)
    }
    // Inner whitespace is kept; other whitespace is not trimmed.
    expect(parseCookie('a=1 2').a).toBe('1 2')
    expect(parseCookie('a b=1')['a b']).toBe('1')
    expect(parseCookie('a=\n1\n').a).toBe('\n1\n')
  })

  it('skips malformed pieces and keeps reading', () => {
    expect(entries(parseCookie('junk; a=1; =nameless; = ; b=2; also junk; c=3'))).toEqual([['a', '1'], ['b', '2'], ['c', '3']])
    expect(entries(parseCookie('a=b=c; d==e'))).toEqual([['a', 'b=c'], ['d', '=e']])
  })

  it('does not decode by default, and decodes with `decode` after unquoting, once per kept value', () => {
    expect(parseCookie('a=%41%20b').a).toBe('%41%20b')
    const calls: string[] = []
    const decode = (s: string) => {
      calls.push(s)
      return decodeURIComponent(s)
    }
    expect(entries(parseCookie('a="%41"; b=%62; a=%63', { decode }))).toEqual([['a', 'A'], ['b', 'b']])
    expect(calls).toEqual(['%41', '%62'])
  })

  it('stores at most maxPairs pairs (default 1000), counting duplicates', () => {
    expect(DEFAULT_MAX_PAIRS).toBe(1000)
    const h = Array.from({ length: 1500 }, (_, i) => `k${i}=${i}`).join('; ')
    const o = parseCookie(h)
    expect(Object.keys(o)).toHaveLength(1000)
    expect(o.k999).toBe('999')
    expect(o.k1000).toBeUndefined()
    expect(Object.keys(parseCookie(h, { maxPairs: 1500 }))).toHaveLength(1500)
    expect(entries(parseCookie('a=1; a=2; b=3; c=4', { maxPairs: 3 }))).toEqual([['a', '1'], ['b', '3']])
    // Malformed pieces are not pairs.
    expect(entries(parseCookie('x; =y; a=1; b=2', { maxPairs: 1 }))).toEqual([['a', '1']])
    expect(entries(parseCookie('a=1', { maxPairs: 0 }))).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------
describe('getCookie', () => {
  it('finds a cookie anywhere in the header', () => {
    const h = 'a=1; session=abc; b=2'
    expect(getCookie(h, 'session')).toBe('abc')
    expect(getCookie(h, 'a')).toBe('1')
    expect(getCookie(h, 'b')).toBe('2')
    expect(getCookie('session=abc', 'session')).toBe('abc')
  })

  it('does not match a name that contains the wanted one, or text in a value', () => {
    expect(getCookie('xsession=1', 'session')).toBeUndefined()
    expect(getCookie('session2=1', 'session')).toBeUndefined()
    expect(getCookie('a=session=1', 'session')).toBeUndefined()
    expect(getCookie('a=x session=1', 'session')).toBeUndefined()
    expect(getCookie('a b session=1', 'session')).toBeUndefined()
    expect(getCookie('session', 'session')).toBeUndefined()
    expect(getCookie('session;=1', 'session')).toBeUndefined()
    expect(getCookie('xsession=1; session2=2; a=session; session=3', 'session')).toBe('3')
    expect(getCookie('sessionsession=1; session=2', 'session')).toBe('2')
  })

  it('handles whitespace, quotes and empty values like parseCookie', () => {
    expect(getCookie(' \tsession \t= \t"v" \t; x=1', 'session')).toBe('v')
    expect(getCookie('a=1;session=', 'session')).toBe('')
    expect(getCookie('a=1; session=""', 'session')).toBe('')
    expect(getCookie('session=a=b', 'session')).toBe('a=b')
  })

  it('returns the first of duplicates', () => {
    expect(getCookie('session=1; session=2', 'session')).toBe('1')
  })

  it('finds nothing for no header and for names parseCookie never produces', () => {
    expect(getCookie(undefined, 'a')).toBeUndefined()
    expect(getCookie(null, 'a')).toBeUndefined()
    expect(getCookie('', 'a')).toBeUndefined()
    expect(getCookie('a=1', '')).toBeUndefined()
    expect(getCookie('=1', '')).toBeUndefined()
    expect(getCookie(' a=1', ' a')).toBeUndefined()
    expect(getCookie('a =1', 'a ')).toBeUndefined()
    expect(getCookie('a=b=1', 'a=b')).toBeUndefined()
    expect(getCookie('x;a=1', 'x;a')).toBeUndefined()
    expect(getCookie('a=1', 'b')).toBeUndefined()
  })

  it('decodes with `decode` when given', () => {
    expect(getCookie('a=%41', 'a')).toBe('%41')
    expect(getCookie('a="%41"', 'a', { decode: decodeURIComponent })).toBe('A')
  })

  it('finds nothing for the empty name on the first call in a fresh module', async () => {
    // The name check is cached; an empty cache must not pass the empty name unchecked.
    vi.resetModules()
    const fresh = await import('../src/cookie')
    expect(fresh.getCookie('=1', '')).toBeUndefined()
  })

  it('finds a name after a name that failed validation (no stale cache)', () => {
    expect(getCookie('a=1', ' a')).toBeUndefined()
    expect(getCookie('a=1', 'a')).toBe('1')
    expect(getCookie(' a=1', ' a')).toBeUndefined()
  })
})

// ---------------------------------------------------------------------------------------------
describe('parseSetCookie', () => {
  it('reads name, value and every attribute serializeCookie writes', () => {
    const line = 'sid="a=b"; Max-Age=60; Domain=.Example.com; Path=/app; Expires=Sun, 06 Nov 1994 08:49:37 GMT; HttpOnly; Secure; Partitioned; Priority=High; SameSite=None'
    expect(parseSetCookie(line)).toEqual({
      name: 'sid',
      value: '"a=b"',
      maxAge: 60,
      domain: '.Example.com',
      path: '/app',
      expires: new Date(Date.UTC(1994, 10, 6, 8, 49, 37)),
      httpOnly: true,
      secure: true,
      partitioned: true,
      priority: 'high',
      sameSite: 'none',
    })
    expect(parseSetCookie('sid=abc')).toEqual({ name: 'sid', value: 'abc' })
    expect(parseSetCookie('sid=')).toEqual({ name: 'sid', value: '' })
  })

  it('trims SP and HTAB around names, values and attributes, and takes attribute names in any case', () => {
    expect(parseSetCookie(' \tsid = a\tb \t;  PATH = /x ; max-AGE=5;secure ;hTTPonly; partitioned; priority=LOW; samesite=STRICT; EXPIRES=Thu, 01 Jan 1970 00:00:01 GMT')).toEqual({
      name: 'sid',
      value: 'a\tb',
      path: '/x',
      maxAge: 5,
      secure: true,
      httpOnly: true,
      partitioned: true,
      priority: 'low',
      sameSite: 'strict',
      expires: new Date(1000),
    })
    expect(parseSetCookie('a=1; SameSite=lax; Priority=medium')).toEqual({ name: 'a', value: '1', sameSite: 'lax', priority: 'medium' })
    expect(parseSetCookie('a=1; Secure=no; HttpOnly=0')).toEqual({ name: 'a', value: '1', secure: true, httpOnly: true })
  })

  it('keeps the last of a repeated attribute', () => {
    expect(parseSetCookie('a=1; Max-Age=5; Path=/x; Max-Age=7; Path=/y')).toEqual({ name: 'a', value: '1', maxAge: 7, path: '/y' })
  })

  it('skips unknown attributes and values that do not parse, keeping the rest', () => {
    const skipped = [
      'Max-Age=', 'Max-Age=x1', 'Max-Age=1x', 'Max-Age=+1', 'Max-Age=1.5', 'Max-Age', 'Expires=nonsense', 'Expires=', 'Domain=', 'Domain',
      'Path=', 'Path=app', 'Path', 'SameSite=Default', 'SameSite=', 'SameSite', 'Priority=urgent', 'Priority', 'Comment=x', 'Version=1', '', ' ',
    ]
    for (const av of skipped) expect(parseSetCookie(`a=1; ${av}; HttpOnly`), av).toEqual({ name: 'a', value: '1', httpOnly: true })
    expect(parseSetCookie('a=1; Max-Age=-1')!.maxAge).toBe(-1)
    expect(parseSetCookie('a=1; Max-Age=0')!.maxAge).toBe(0)
    expect(parseSetCookie('a=1; Max-Age=120')!.maxAge).toBe(120)
  })

  it('skips an attribute whose value is over 1024 bytes (§5.6)', () => {
    const at = (n: number) => `/${'p'.repeat(n - 1)}`
    expect(parseSetCookie(`a=1; Path=${at(1024)}`)!.path).toBe(at(1024))
    expect(parseSetCookie(`a=1; Path=${at(1025)}; Secure`)).toEqual({ name: 'a', value: '1', secure: true })
  })

  it('ignores a line a user agent ignores whole: a CTL but HTAB, no name=, an empty name, name + value over 4096 bytes', () => {
    for (const ctl of ['\x00', '\x08', '\x0a', '\x0d', '\x1f', '\x7f']) {
      expect(parseSetCookie(`a=1${ctl}`), JSON.stringify(ctl)).toBeUndefined()
      expect(parseSetCookie(`a=1; Path=/${ctl}`), JSON.stringify(ctl)).toBeUndefined()
    }
    expect(parseSetCookie('a=1\t2')).toEqual({ name: 'a', value: '1\t2' })
    expect(parseSetCookie('a= \x20!~')).toEqual({ name: 'a', value: '!~' })
    for (const line of ['', 'abc', 'abc; a=b', '=abc', ' =abc; Path=/', ';a=b']) expect(parseSetCookie(line), line).toBeUndefined()
    expect(parseSetCookie(`a=${'v'.repeat(4095)}`)!.value).toHaveLength(4095)
    expect(parseSetCookie(`a=${'v'.repeat(4096)}`)).toBeUndefined()
    expect(parseSetCookie(`ab=${'v'.repeat(4095)}`)).toBeUndefined()
    for (const v of [undefined, null, 42, {}]) expect(parseSetCookie(v as unknown as string), String(v)).toBeUndefined()
  })

  it('reads back what removalCookie serializes as a removal', () => {
    const c = parseSetCookie(serializeCookie(removalCookie({ name: 'sid', path: '/', secure: true, sameSite: 'lax' })))
    expect(c).toEqual({ name: 'sid', value: '', path: '/', secure: true, sameSite: 'lax', maxAge: 0, expires: new Date(0) })
  })
})

describe('bounded work', () => {
  // Hang guards, not speed targets: a quadratic parser takes seconds on these. The limit leaves
  // room for mutation testing, whose instrumented code runs several times slower (75 ms seen on a
  // loaded 2-core machine); the exact linear bound is the character count in the next test.
  const LIMIT_MS = 200
  const time = (fn: () => void) => {
    const t = performance.now()
    fn()
    return performance.now() - t
  }

  it('parses a 100 KB header of 10k pairs quickly, and getCookie finds the last one', () => {
    const h = Array.from({ length: 10_000 }, (_, i) => `c${String(i).padStart(4, '0')}=${'v'.repeat(3)}${i}`).join('; ')
    expect(h.length).toBeGreaterThanOrEqual(100_000)
    let all: Record<string, string> = {}
    expect(time(() => (all = parseCookie(h, { maxPairs: Infinity })))).toBeLessThan(LIMIT_MS)
    expect(Object.keys(all)).toHaveLength(10_000)
    let capped: Record<string, string> = {}
    expect(time(() => (capped = parseCookie(h)))).toBeLessThan(LIMIT_MS)
    expect(Object.keys(capped)).toHaveLength(DEFAULT_MAX_PAIRS)
    let last: string | undefined
    expect(time(() => (last = getCookie(h, 'c9999')))).toBeLessThan(LIMIT_MS)
    expect(last).toBe('vvv9999')
    // A name that is a suffix of all 10k names, then present at the end.
    expect(time(() => (last = getCookie(`${h}; 999=end`, '999')))).toBeLessThan(LIMIT_MS)
    expect(last).toBe('end')
  })

  it('stays linear on adversarial headers (characters examined, counted)', () => {
    // Counted rather than timed, so the bound is exact and load on the machine cannot flake it.
    const n = 100_000
    const cases: [string, string, string | undefined][] = [
      // Pieces without '=' before a pair: a parser that searches '=' again from each piece is quadratic.
      [';'.repeat(n) + 'a=1', 'a', '1'],
      ['x;'.repeat(n / 2) + 'a=1', 'a', '1'],
      // One huge piece of '=', and of whitespace around a name.
      ['='.repeat(n) + '; a=1', 'a', '1'],
      [' '.repeat(n) + 'a' + ' '.repeat(n) + '=1', 'a', '1'],
      // The wanted name repeated without '=' or boundaries, and overlapping with itself.
      ['session'.repeat(n / 7) + '; session=1', 'session', '1'],
      ['session '.repeat(n / 8) + '; session=1', 'session', '1'],
      [' session'.repeat(n / 8) + '=2; session=1', 'session', '1'],
      ['aa'.repeat(n / 2), 'aa', undefined],
      ['a=1;'.repeat(n / 4), 'a', '1'],
    ]
    // The counter sees the work: the first header is read through to its one '=' at least once.
    expect(examined(() => parseCookie(cases[0]![0]))).toBeGreaterThanOrEqual(n)
    for (const [h, name, value] of cases) {
      let o: Record<string, string> = {}
      expect(examined(() => (o = parseCookie(h, { maxPairs: Infinity })))).toBeLessThan(4 * h.length)
      expect(o[name]).toBe(value)
      let v: string | undefined
      expect(examined(() => (v = getCookie(h, name)))).toBeLessThan(4 * h.length)
      expect(v).toBe(value)
    }
  })
})

/**
 * Characters that `fn` examines through String.prototype.indexOf, lastIndexOf, charCodeAt and
 * slice, the only string operations src/cookie.ts uses on a header.
 */
function examined(fn: () => void): number {
  const proto = String.prototype
  const { indexOf, lastIndexOf, charCodeAt, slice } = proto
  let count = 0
  proto.indexOf = function (this: string, search: string, from?: number) {
    const at = indexOf.call(this, search, from)
    count += (at === -1 ? this.length : at + search.length) - Math.max(0, from ?? 0)
    return at
  }
  proto.lastIndexOf = function (this: string, search: string, from?: number) {
    const at = lastIndexOf.call(this, search, from)
    count += Math.min(this.length, from ?? Infinity) - (at === -1 ? 0 : at)
    return at
  }
  proto.charCodeAt = function (this: string, i: number) {
    count++
    return charCodeAt.call(this, i)
  }
  proto.slice = function (this: string, a?: number, b?: number) {
    const r = slice.call(this, a, b)
    count += r.length
    return r
  }
  try {
    fn()
  } finally {
    Object.assign(proto, { indexOf, lastIndexOf, charCodeAt, slice })
  }
  return count
}

// ---------------------------------------------------------------------------------------------
describe('against jshttp/cookie (property tests)', () => {
  const identity = (s: string) => s
  const unquote = (v: string) => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v)

  /** jshttp's parse, normalised for our documented differences. */
  function oracleParse(h: string): [string, string][] {
    const theirs = oracle.parseCookie(h, { decode: identity })
    const out: [string, string][] = []
    for (const [k, v] of Object.entries(theirs)) if (k !== '' && v !== undefined) out.push([k, unquote(v)])
    return out
  }

  const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
  const OCTETS = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i))
    .filter((c) => !'",;\\'.includes(c))
    .join('')
  const token = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 8 })
  const octets = fc.string({ unit: fc.constantFrom(...OCTETS), maxLength: 12 })
  const ows = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 2 })
  // A small pool of names makes duplicates, prefixes and suffixes of each other likely.
  const name = fc.oneof(token, fc.constantFrom('session', 'xsession', 'session2', 'sess', '__proto__', 'constructor', 'a', 'A'))
  const value = fc.oneof(octets, octets.map((v) => `"${v}"`), fc.constantFrom('', '""', '"', 'a=b', 'session=x'))
  const pair = fc.tuple(ows, name, ows, ows, value, ows).map(([a, n, b, c, v, d]) => `${a}${n}${b}=${c}${v}${d}`)
  const malformed = fc.constantFrom('', ' ', 'junk', '=x', ' = ', 'session', 'a b=c', '"q"')
  const header = fc
    .array(fc.oneof({ weight: 4, arbitrary: pair }, { weight: 1, arbitrary: malformed }), { maxLength: 12 })
    .chain((pieces) => fc.constantFrom('; ', ';', ' ;').map((sep) => pieces.join(sep)))
  // Arbitrary text over the characters that matter to the grammar, and arbitrary UTF-16.
  const soup = fc.string({ unit: fc.constantFrom(';', '=', ' ', '\t', '"', 'a', 's', 'x', '%', '4', '1', '\r', '\n'), maxLength: 40 })
  const anything = fc.string({ unit: 'binary', maxLength: 60 })
  const headers = fc.oneof(header, soup, anything)

  it('parseCookie agrees with jshttp parseCookie', () => {
    fc.assert(
      fc.property(headers, (h) => {
        expect(Object.entries(parseCookie(h, { maxPairs: Infinity }))).toEqual(oracleParse(h))
      }),
      { numRuns: 3000 },
    )
  })

  it('parseCookie with decodeURIComponent agrees with jshttp default decoding', () => {
    const safeDecode = (s: string) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    }
    const pct = fc.string({ unit: fc.constantFrom('%', '4', '1', 'e', '2', '0', 'a', 'C', '3'), maxLength: 9 })
    const pctHeader = fc.array(fc.tuple(name, fc.oneof(pct, pct.map((v) => `"${v}"`))), { maxLength: 6 }).map((ps) => ps.map(([n, v]) => `${n}=${v}`).join('; '))
    fc.assert(
      fc.property(fc.oneof(pctHeader, headers), (h) => {
        const theirs: [string, string][] = []
        for (const [k, v] of Object.entries(oracle.parseCookie(h))) if (k !== '' && v !== undefined) theirs.push([k, v])
        // jshttp decodes the quoted text as a whole; quotes survive decoding, so unquoting after is the same.
        const expected = theirs.map(([k, v]): [string, string] => [k, unquote(v)])
        expect(Object.entries(parseCookie(h, { maxPairs: Infinity, decode: safeDecode }))).toEqual(expected)
      }),
      { numRuns: 1000 },
    )
  })

  it('getCookie(h, n) is parseCookie(h)[n] for every name in the header and others', () => {
    fc.assert(
      fc.property(headers, fc.array(fc.oneof(name, fc.string({ maxLength: 4 })), { maxLength: 4 }), (h, extra) => {
        const all = parseCookie(h, { maxPairs: Infinity })
        for (const n of [...Object.keys(all), ...extra]) expect(getCookie(h, n)).toBe(all[n])
      }),
      { numRuns: 3000 },
    )
  })

  // Valid attribute sets: prefix and Secure rules applied by construction.
  const validCookie: fc.Arbitrary<CookieAttributes> = fc
    .record(
      {
        name: fc.oneof(token, fc.constantFrom('__Host-sid', '__Secure-sid', '__host-x')),
        value: fc.oneof(octets, octets.map((v) => `"${v}"`)),
        path: fc.string({ unit: fc.constantFrom(...'/abc-_.~%20 ,=:@!$&\'()*+'.split('')), maxLength: 10 }).map((p) => `/${p}`),
        domain: fc.constantFrom('example.com', '.example.com', 'a.b-c.example', 'localhost', 'EXAMPLE.org'),
        maxAge: fc.integer({ min: 0, max: MAX_AGE_LIMIT }),
        expires: fc.date({ min: new Date(Date.UTC(1601, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
        secure: fc.boolean(),
        httpOnly: fc.boolean(),
        partitioned: fc.boolean(),
        sameSite: fc.constantFrom('lax', 'strict', 'none'),
        priority: fc.constantFrom('low', 'medium', 'high'),
      },
      { requiredKeys: ['name', 'value'] },
    )
    .map((r) => {
      const c = { ...r } as CookieAttributes
      if (c.sameSite === 'none' || c.partitioned || /^__(secure|host)-/i.test(c.name)) c.secure = true
      if (/^__host-/i.test(c.name)) {
        c.path = '/'
        delete c.domain
      }
      return c
    })

  it('serializeCookie writes exactly what jshttp stringifySetCookie writes for valid cookies', () => {
    fc.assert(
      fc.property(validCookie, (c) => {
        expect(serializeCookie(c)).toBe(oracle.stringifySetCookie(c, { encode: identity }))
      }),
      { numRuns: 2000 },
    )
  })

  it('jshttp parseSetCookie reads back every attribute serializeCookie wrote', () => {
    fc.assert(
      fc.property(validCookie, (c) => {
        const back = oracle.parseSetCookie(serializeCookie(c), { decode: identity })
        expect(back.name).toBe(c.name)
        expect(back.value).toBe(c.value)
        expect(back.path).toBe(c.path?.trim())
        expect(back.domain).toBe(c.domain)
        expect(back.maxAge).toBe(c.maxAge)
        expect(back.expires?.getTime()).toBe(c.expires === undefined ? undefined : Math.floor(c.expires.getTime() / 1000) * 1000)
        expect(back.secure).toBe(c.secure || undefined)
        expect(back.httpOnly).toBe(c.httpOnly || undefined)
        expect(back.partitioned).toBe(c.partitioned || undefined)
        expect(back.sameSite).toBe(c.sameSite)
        expect(back.priority).toBe(c.priority)
      }),
      { numRuns: 1000 },
    )
  })

  it('parseSetCookie is the inverse of serializeCookie: it gives back every cookie it wrote', () => {
    fc.assert(
      fc.property(validCookie, (c) => {
        // What the line carries: no false flags, Expires to the second, a path without the trailing SP the parser trims.
        const written: CookieAttributes = { ...c }
        for (const flag of ['secure', 'httpOnly', 'partitioned'] as const) if (!c[flag]) delete written[flag]
        if (c.expires !== undefined) written.expires = new Date(Math.floor(c.expires.getTime() / 1000) * 1000)
        if (c.path !== undefined) written.path = c.path.replace(/ +$/, '')
        expect(parseSetCookie(serializeCookie(c))).toEqual(written)
        expect(serializeCookie(parseSetCookie(serializeCookie(c))!)).toBe(serializeCookie(written))
      }),
      { numRuns: 2000 },
    )
  })

  it('no input injects: serializeCookie either refuses or writes exactly the attributes given', () => {
    const str = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ unit: fc.constantFrom(';', '\r', '\n', '\0', ' ', ',', '=', '"', 'a', '/', '.'), maxLength: 8 }))
    fc.assert(
      fc.property(str, str, fc.option(str, { nil: undefined }), fc.option(str, { nil: undefined }), (n, v, path, domain) => {
        const c: CookieAttributes = { name: n, value: v }
        if (path !== undefined) c.path = path
        if (domain !== undefined) c.domain = domain
        let out: string
        try {
          out = serializeCookie(c)
        } catch (e) {
          expect(e).toBeInstanceOf(SessionError)
          expect(['CONFIG', 'TOO_LARGE']).toContain((e as SessionError).code)
          return
        }
        expect(out).toMatch(/^[\x20-\x7e]*$/)
        expect(out.split(';')).toHaveLength(1 + (path === undefined ? 0 : 1) + (domain === undefined ? 0 : 1))
        const back = oracle.parseSetCookie(out, { decode: identity })
        expect(back.name).toBe(n)
        expect(back.value).toBe(v)
        expect(back.path).toBe(path?.trim())
        expect(back.domain).toBe(domain)
      }),
      { numRuns: 3000 },
    )
  })
})

// ---------------------------------------------------------------------------------------------
describe('cache headers for responses that set cookies', () => {
  it('withVaryCookie adds Cookie once', () => {
    expect(withVaryCookie(undefined)).toBe('Cookie')
    expect(withVaryCookie(null)).toBe('Cookie')
    expect(withVaryCookie(' ')).toBe('Cookie')
    expect(withVaryCookie('Accept-Encoding')).toBe('Accept-Encoding, Cookie')
    expect(withVaryCookie('Accept-Encoding, cookie')).toBe('Accept-Encoding, cookie')
    expect(withVaryCookie('Origin,COOKIE')).toBe('Origin,COOKIE')
    expect(withVaryCookie('*')).toBe('*')
    expect(withVaryCookie('Cookies')).toBe('Cookies, Cookie')
  })

  it('withNoCacheSetCookie adds no-cache="Set-Cookie" unless the response is not stored by shared caches anyway', () => {
    expect(withNoCacheSetCookie(undefined)).toBe('no-cache="Set-Cookie"')
    expect(withNoCacheSetCookie('')).toBe('no-cache="Set-Cookie"')
    expect(withNoCacheSetCookie(' \t ')).toBe('no-cache="Set-Cookie"')
    expect(withNoCacheSetCookie('public, max-age=60')).toBe('public, max-age=60, no-cache="Set-Cookie"')
    expect(withNoCacheSetCookie('max-age=0, no-cache="set-cookie"')).toBe('max-age=0, no-cache="set-cookie"')
    for (const cc of ['no-store', 'private, max-age=60', 'No-Cache']) expect(withNoCacheSetCookie(cc)).toBe(cc)
  })
})
