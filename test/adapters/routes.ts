// The routes every adapter's test server implements, written once as framework-neutral handlers.
// A server (test/adapters/servers.ts) maps each route onto its framework: it gives the handler a
// RouteContext over the request's session, and answers with the handler's status and JSON body.
// A server for a framework not here (the Next.js App Router) implements the same list, with the
// same answers, to run the same scenarios (test/adapters/suite.ts).
//
// Every answer is JSON. `key` and `value` come from the query string; values are strings.
//
//   GET  /plain                     does not touch the session                      {"ok":true}
//   GET  /get?key=K                 reads K (null when missing; session false when
//                                   there is none, autoCreate off)                  {"session":true,"value":V|null}
//   GET  /all                       every key                                       {"session":true,"values":{...}}
//   POST /set?key=K&value=V         sets K (401 when there is no session)           {"ok":true}
//   POST /start?key=K&value=V       startSession() when there is no session, sets K {"ok":true}
//   POST /regenerate                regenerate()                                    {"ok":true}
//   POST /destroy                   destroy()                                       {"ok":true}
//   POST /throw?key=K&value=V       sets K, then throws (the framework answers 500)
//   POST /fail?key=K&value=V        sets K, then answers 503                        {"ok":false}
//   POST /destroy-then-throw        destroy(), then throws (500)
//   POST /two?value=V               two middlewares: the first (a separate middleware or hook,
//                                   after a second mount of the session middleware) sets
//                                   "first"=V without committing; the handler reads it back
//                                                                                   {"first":V|null}
//   POST /late?token=T              keeps this request's session under T, answers at once
//                                                                                   {"ok":true}
//   POST /late-commit?token=T       on the session kept under T (its response is gone), sets
//                                   "late" and commits: the error code it got       {"code":"HEADERS_SENT"|null}
//   POST /pop?key=K                 pop(K): a flash value, read once                {"value":V|null}
//   POST /remember?value=true|false rememberMe(value)                               {"ok":true}
//   POST /login?user=U              sets userId (the Manager's ownerKey), regenerates, commits
//                                                                                   {"handle":H}
//   GET  /devices                   the signed-in user's sessions (listSessions) and this one's
//                                   handle                                          {"current":H|null,"handles":[H...]}
//   POST /logout-others             destroySessions(user, { except: this session }) {"ended":N}
//   POST /logout-device?handle=H    destroySessions(user, { only: [H] })            {"ended":N}
//
// The adapters commit for the handler; the node:http and fetch servers have no middleware and
// commit explicitly after the handler (and not when it threw), as a user of the bare hooks does.

import type { Session } from '../../src/session'
import type { Manager } from '../../src/manager'

/** The Manager of the server under test, for the routes that call it (the owner routes); the suite sets it. */
export const app: { manager: Manager<any, any, any> | undefined } = { manager: undefined }

export interface RouteContext {
  /** The request's session; null with autoCreate off and no valid cookie. */
  readonly session: Session | null
  /** The adapter's startSession (manager.newSession). */
  startSession(): Promise<Session>
  readonly query: URLSearchParams
}

export interface RouteResult {
  status?: number
  body: unknown
}

export interface Route {
  method: 'GET' | 'POST'
  path: string
  /** Runs as a middleware of its own, before the handler (only /two). */
  before?: (ctx: RouteContext) => Promise<void>
  handler: (ctx: RouteContext) => Promise<RouteResult>
}

/** Sessions kept by /late for /late-commit, by token. */
const kept = new Map<string, Session | null>()

const q = (ctx: RouteContext, name: string): string => ctx.query.get(name) ?? ''

/** The signed-in user of the request's session (its userId), or undefined. */
async function userOf(ctx: RouteContext): Promise<string | undefined> {
  const user = await ctx.session?.get('userId')
  return typeof user === 'string' ? user : undefined
}

export const routes: Route[] = [
  { method: 'GET', path: '/plain', handler: async () => ({ body: { ok: true } }) },
  {
    method: 'GET',
    path: '/get',
    handler: async (ctx) => {
      const s = ctx.session
      return { body: { session: s !== null, value: s ? ((await s.get(q(ctx, 'key'))) ?? null) : null } }
    },
  },
  {
    method: 'GET',
    path: '/all',
    handler: async (ctx) => ({ body: { session: ctx.session !== null, values: ctx.session ? { ...(await ctx.session.getAll()) } : {} } }),
  },
  {
    method: 'POST',
    path: '/set',
    handler: async (ctx) => {
      if (!ctx.session) return { status: 401, body: { ok: false } }
      await ctx.session.set(q(ctx, 'key'), q(ctx, 'value'))
      return { body: { ok: true } }
    },
  },
  {
    method: 'POST',
    path: '/start',
    handler: async (ctx) => {
      const s = ctx.session ?? (await ctx.startSession())
      await s.set(q(ctx, 'key'), q(ctx, 'value'))
      return { body: { ok: true } }
    },
  },
  {
    method: 'POST',
    path: '/regenerate',
    handler: async (ctx) => {
      await ctx.session?.regenerate()
      return { body: { ok: true } }
    },
  },
  {
    method: 'POST',
    path: '/destroy',
    handler: async (ctx) => {
      await ctx.session?.destroy()
      return { body: { ok: true } }
    },
  },
  {
    method: 'POST',
    path: '/throw',
    handler: async (ctx) => {
      await ctx.session?.set(q(ctx, 'key'), q(ctx, 'value'))
      throw new Error('the route failed')
    },
  },
  {
    method: 'POST',
    path: '/fail',
    handler: async (ctx) => {
      await ctx.session?.set(q(ctx, 'key'), q(ctx, 'value'))
      return { status: 503, body: { ok: false } }
    },
  },
  {
    method: 'POST',
    path: '/destroy-then-throw',
    handler: async (ctx) => {
      await ctx.session?.destroy()
      throw new Error('the route failed after destroy')
    },
  },
  {
    method: 'POST',
    path: '/two',
    before: async (ctx) => {
      await ctx.session?.set('first', q(ctx, 'value'))
    },
    handler: async (ctx) => ({ body: { first: (await ctx.session?.get('first')) ?? null } }),
  },
  {
    method: 'POST',
    path: '/late',
    handler: async (ctx) => {
      kept.set(q(ctx, 'token'), ctx.session)
      return { body: { ok: true } }
    },
  },
  {
    method: 'POST',
    path: '/late-commit',
    handler: async (ctx) => {
      const s = kept.get(q(ctx, 'token'))
      kept.delete(q(ctx, 'token'))
      if (!s) return { status: 404, body: { code: null } }
      try {
        await s.set('late', 'x')
        await s.commit()
        return { body: { code: null } }
      } catch (err) {
        return { body: { code: (err as { code?: string }).code ?? String(err) } }
      }
    },
  },
  {
    method: 'POST',
    path: '/pop',
    handler: async (ctx) => ({ body: { value: (await ctx.session?.pop(q(ctx, 'key'))) ?? null } }),
  },
  {
    method: 'POST',
    path: '/remember',
    handler: async (ctx) => {
      await ctx.session?.rememberMe(q(ctx, 'value') === 'true')
      return { body: { ok: true } }
    },
  },
  {
    method: 'POST',
    path: '/login',
    handler: async (ctx) => {
      const s = ctx.session ?? (await ctx.startSession())
      await s.set('userId', q(ctx, 'user'))
      await s.regenerate()
      await s.commit()
      return { body: { handle: s.handle ?? null } }
    },
  },
  {
    method: 'GET',
    path: '/devices',
    handler: async (ctx) => {
      const user = await userOf(ctx)
      if (user === undefined) return { status: 401, body: null }
      const list = await app.manager!.listSessions(user)
      return { body: { current: ctx.session?.handle ?? null, handles: list.map((x) => x.handle).sort() } }
    },
  },
  {
    method: 'POST',
    path: '/logout-others',
    handler: async (ctx) => {
      const user = await userOf(ctx)
      if (user === undefined) return { status: 401, body: null }
      return { body: { ended: await app.manager!.destroySessions(user, { except: ctx.session! }) } }
    },
  },
  {
    method: 'POST',
    path: '/logout-device',
    handler: async (ctx) => {
      const user = await userOf(ctx)
      if (user === undefined) return { status: 401, body: null }
      return { body: { ended: await app.manager!.destroySessions(user, { only: [q(ctx, 'handle')] }) } }
    },
  },
]
