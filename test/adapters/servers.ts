// One real server per adapter on 127.0.0.1, port 0, each implementing test/adapters/routes.ts.
//   node:http and fetch use the bare hooks with an explicit commit after the handler (they have
// no middleware); connect, Express 4 and 5, Fastify 5 and Hono use the adapters, which commit for
// the handler.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import connect from 'connect'
import express5 from 'express'
import express4 from 'express4'
import Fastify from 'fastify'
import { Hono } from 'hono'
import { serve } from '@hono/node-server'
import { isSessionError } from '../../src/errors'
import type { Manager } from '../../src/manager'
import type { Session } from '../../src/session'
import * as nodeHooks from '../../src/adapters/node/index'
import * as fetchHooks from '../../src/adapters/fetch/index'
import { session as expressSession } from '../../src/adapters/express/index'
import fastifySession from '../../src/adapters/fastify/index'
import { session as honoSession } from '../../src/adapters/hono/index'
import type { AdapterOptions } from '../../src/adapters/lifecycle'
import { routes, type Route, type RouteContext, type RouteResult } from './routes'

export interface Running {
  /** http://127.0.0.1:PORT */
  url: string
  close(): Promise<void>
}

export type Start = (manager: Manager<any, any, any>, options?: AdapterOptions) => Promise<Running>

const find = (method: string | undefined, url: URL): Route | undefined => routes.find((r) => r.method === method && r.path === url.pathname)

function listen(server: ReturnType<typeof createServer>): Promise<Running> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) })
    })
  })
}

function sendJson(res: ServerResponse, r: RouteResult): void {
  res.statusCode = r.status ?? 200
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify(r.body))
}

/** The session of acquire, or null when autoCreate is off and the request has none. */
async function acquireOrNull<Req, Res>(acquire: () => Promise<Session>): Promise<Session | null> {
  try {
    return await acquire()
  } catch (err) {
    if (isSessionError(err, 'INVALID_SESSION')) return null
    throw err
  }
}

/** node:http with the node hooks: acquire, handler, commit (not after a throw), respond. */
export const startNode: Start = async (manager) => {
  manager.registerGetCookie(nodeHooks.getCookie)
  manager.registerSetCookie(nodeHooks.setCookie)
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const route = find(req.method, url)
    if (!route) return sendJson(res, { status: 404, body: null })
    let current = await acquireOrNull(() => manager.acquire(req, res, req))
    const ctx: RouteContext = {
      get session() {
        return current
      },
      startSession: async () => (current = await manager.newSession(req, res, req)),
      query: url.searchParams,
    }
    try {
      await route.before?.(ctx)
      const r = await route.handler(ctx)
      if ((r.status ?? 200) < 500) await current?.commit()
      sendJson(res, r)
    } catch {
      if (!res.headersSent) sendJson(res, { status: 500, body: null })
    }
  })
  return listen(server)
}

/** A fetch handler (Request in, Response out) with the fetch hooks, served by Hono's node server. */
export const startFetch: Start = async (manager) => {
  manager.registerGetCookie(fetchHooks.getCookie)
  manager.registerSetCookie(fetchHooks.setCookie)
  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const route = find(request.method, url)
    if (!route) return Response.json(null, { status: 404 })
    const headers = new Headers()
    let current = await acquireOrNull(() => manager.acquire(request, headers, request))
    const ctx: RouteContext = {
      get session() {
        return current
      },
      startSession: async () => (current = await manager.newSession(request, headers, request)),
      query: url.searchParams,
    }
    try {
      await route.before?.(ctx)
      const r = await route.handler(ctx)
      // Commit before the Headers become the Response (which copies them).
      if ((r.status ?? 200) < 500) await current?.commit()
      headers.set('content-type', 'application/json')
      return new Response(JSON.stringify(r.body), { status: r.status ?? 200, headers })
    } catch {
      return Response.json(null, { status: 500 })
    }
  }
  return serveFetch(handler)
}

function serveFetch(fetch: (request: Request) => Response | Promise<Response>): Promise<Running> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => new Promise((r) => server.close(() => r())) })
    })
  })
}

type NodeReq = IncomingMessage & { session: Session | null; startSession(): Promise<Session> }

function nodeContext(req: IncomingMessage, url: URL): RouteContext {
  const r = req as NodeReq
  return {
    get session() {
      return r.session
    },
    startSession: () => r.startSession(),
    query: url.searchParams,
  }
}

/** Plain connect: the middleware, a second mount on /two, and a dispatcher over the routes. */
export const startConnect: Start = async (manager, options) => {
  const app = connect()
  app.use(expressSession(manager, options))
  app.use((req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const route = find(req.method, url)
    if (!route) return sendJson(res, { status: 404, body: null })
    const run = async () => {
      if (route.before) {
        // The second mount of the session middleware, then the first middleware.
        await new Promise<void>((resolve, reject) => expressSession(manager, options)(req, res, (err) => (err ? reject(err) : resolve())))
        await route.before(nodeContext(req, url))
      }
      sendJson(res, await route.handler(nodeContext(req, url)))
    }
    run().catch(next)
  })
  return listen(createServer(app))
}

/** Express (4 or 5): app-level middleware; /two mounts it again with a middleware of its own. */
function startExpress(express: typeof express5): Start {
  return async (manager, options) => {
    const app = express()
    app.set('env', 'test') // the error handler logs no stack for the throwing routes
    app.use(expressSession(manager, options))
    for (const route of routes) {
      const method = route.method === 'GET' ? 'get' : 'post'
      const ctxOf = (req: express5.Request) => nodeContext(req, new URL(req.originalUrl, 'http://localhost'))
      const handlers: express5.RequestHandler[] = []
      if (route.before) {
        const before = route.before
        handlers.push(expressSession(manager, options), (req, _res, next) => void before(ctxOf(req)).then(() => next(), next))
      }
      handlers.push((req, res, next) => {
        route.handler(ctxOf(req)).then((r) => void res.status(r.status ?? 200).json(r.body), next)
      })
      app[method](route.path, ...handlers)
    }
    return listen(createServer(app))
  }
}

export const startExpress5 = startExpress(express5)
export const startExpress4 = startExpress(express4 as unknown as typeof express5)

/** Fastify 5: the plugin at the root; /two lives in an encapsulated context that registers it again. */
export const startFastify: Start = async (manager, options) => {
  const app = Fastify()
  await app.register(fastifySession, { manager, ...options })
  const ctxOf = (request: { session: Session | null; startSession(): Promise<Session>; url: string }): RouteContext => ({
    get session() {
      return request.session
    },
    startSession: () => request.startSession(),
    query: new URL(request.url, 'http://localhost').searchParams,
  })
  for (const route of routes.filter((r) => !r.before)) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (request, reply) => {
        const r = await route.handler(ctxOf(request))
        return reply.code(r.status ?? 200).send(r.body)
      },
    })
  }
  await app.register(async (child) => {
    await child.register(fastifySession, { manager, ...options })
    for (const route of routes.filter((r) => r.before)) {
      const before = route.before!
      child.route({
        method: route.method,
        url: route.path,
        preHandler: async (request) => before(ctxOf(request)),
        handler: async (request, reply) => {
          const r = await route.handler(ctxOf(request))
          return reply.code(r.status ?? 200).send(r.body)
        },
      })
    }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
}

/** Hono on its node server: app-level middleware; /two mounts it again and adds one of its own. */
export const startHono: Start = async (manager, options) => {
  const app = new Hono()
  app.onError((_err, c) => c.text('Internal Server Error', 500)) // the default logs the throwing routes' stacks
  app.use(honoSession(manager, options))
  for (const route of routes) {
    const ctxOf = (c: { var: { session: Session | null; startSession: () => Promise<Session> }; req: { url: string } }): RouteContext => ({
      get session() {
        return c.var.session
      },
      startSession: () => c.var.startSession(),
      query: new URL(c.req.url).searchParams,
    })
    const method = route.method === 'GET' ? 'get' : 'post'
    if (route.before) {
      const before = route.before
      app.use(route.path, honoSession(manager, options), async (c, next) => {
        await before(ctxOf(c))
        await next()
      })
    }
    app[method](route.path, async (c) => {
      const r = await route.handler(ctxOf(c))
      return c.json(r.body, (r.status ?? 200) as 200)
    })
  }
  return serveFetch(app.fetch)
}
