// Minimal declarations for the benchmark's competitors that ship no types.

declare module 'cookie-signature' {
  type Secret = string | NodeJS.ArrayBufferView | import('node:crypto').KeyObject
  const cookieSignature: {
    /** `${val}.${base64(HMAC-SHA256(secret, val)) without '='}` */
    sign(val: string, secret: Secret): string
    /** The value when the signature matches, otherwise false. */
    unsign(input: string, secret: Secret): string | false
  }
  export default cookieSignature
}

declare module 'uid-safe' {
  interface UidSafe {
    (byteLength: number): Promise<string>
    (byteLength: number, callback: (err: Error | null, uid: string) => void): void
    /** base64url of `byteLength` random bytes (24 bytes -> 32 chars). */
    sync(byteLength: number): string
  }
  const uid: UidSafe
  export default uid
}

declare module 'autocannon' {
  // Only what the HTTP benchmarks use.
  interface Options {
    url: string
    connections?: number
    pipelining?: number
    /** Seconds. */
    duration?: number
    headers?: Record<string, string>
    /** Called with each connection's client before it starts: a session cookie a connection. */
    setupClient?: (client: { setHeaders(headers: Record<string, string>): void }) => void
  }
  interface Result {
    '2xx': number
    non2xx: number
    errors: number
    timeouts: number
    /** Seconds the run took. */
    duration: number
  }
  interface Instance extends PromiseLike<Result> {
    /** Every response: the client, its status, its size and its latency in (fractional) ms. */
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this
  }
  function autocannon(opts: Options): Instance
  export default autocannon
}

declare module 'express-session' {
  // Only what bench/memory.bench.ts uses: the store, and the classes a request's session is made of.
  class MemoryStore {
    /** sid -> JSON.stringify(session) */
    sessions: Record<string, string>
    set(sid: string, session: object, callback?: (err?: unknown) => void): void
    get(sid: string, callback: (err: unknown, session?: object | null) => void): void
    length(callback: (err: unknown, length?: number) => void): void
  }
  class Session {
    constructor(req: { sessionID: string }, data?: object)
  }
  class Cookie {
    constructor(options?: { maxAge?: number; path?: string; httpOnly?: boolean; secure?: boolean })
  }
  // bench/redis-server-child.ts: the middleware itself, and the base class connect-redis extends.
  interface SessionData {
    [key: string]: unknown
  }
  class Store {}
  interface SessionOptions {
    store?: Store
    secret: string | string[]
    name?: string
    resave?: boolean
    saveUninitialized?: boolean
    rolling?: boolean
    cookie?: { path?: string; httpOnly?: boolean; secure?: boolean | 'auto'; sameSite?: boolean | 'lax' | 'strict' | 'none'; maxAge?: number; domain?: string }
  }
  type Middleware = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, next: (err?: unknown) => void) => void
  const session: {
    (options: SessionOptions): Middleware
    MemoryStore: typeof MemoryStore
    Session: typeof Session
    Cookie: typeof Cookie
    Store: typeof Store
  }
  export default session
}
