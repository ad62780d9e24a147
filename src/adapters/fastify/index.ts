// Session plugin for Fastify 5:
//
//   await app.register(plugin, { manager })   // manager = new Manager({ store, secrets })
//   app.get('/', async (request) => {
//     const n = request.session.int((await request.session.get('n')) ?? 0)
//     await request.session.set('n', n + 1)
//     return String(n)                          // committed in onSend, before the reply leaves
//   })
//
// An onRequest hook acquires the session; the onSend hook, which Fastify awaits before it writes
// the reply's head, commits it (https://fastify.dev/docs/latest/Reference/Hooks/#onsend).
// Cookies go on the reply (reply.header), never on reply.raw, whose headers Fastify overrides.
// The plugin skips encapsulation as fastify-plugin does, so it covers the context that registers
// it and its children; registered twice, a request still has one session, committed once. No
// commit after a 5xx unless saveOnError. Why, in full: docs/decisions/adapters.md.

import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { AdapterData, AdapterSession } from '../../index.js'
import { getCookie as readCookie, mergeSetCookie, serializeCookie, withNoCacheSetCookie, withVaryCookie, type CookieAttributes } from '../../cookie.js'
import { SessionError } from '../../errors.js'
import type { Manager } from '../../manager.js'
import type { Session as SimpleSession } from '../../session.js'
import { checkOptions, hooked, keepSlot, Slot, slotIn, slotOf, slotsOf, type AdapterOptions } from '../lifecycle.js'

export type { AdapterOptions } from '../lifecycle.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's session (see AdapterTypes in the package root for its type). */
    session: AdapterSession
    /** Starts a fresh session for this request (manager.newSession), which becomes `request.session`. */
    startSession(): Promise<SimpleSession<AdapterData>>
  }
}

/**
 * The plugin's options: the Manager, and saveOnError.
 *
 * @example
 * import Fastify from 'fastify'
 * import { Manager } from 'simplesessions'
 * import { plugin, type FastifySessionOptions } from 'simplesessions/adapters/fastify'
 *
 * const options: FastifySessionOptions = { manager: new Manager({ secrets: [process.env.SESSION_SECRET!] }), saveOnError: false }
 * await Fastify().register(plugin, options)
 */
export interface FastifySessionOptions extends AdapterOptions {
  /** The Manager whose sessions the plugin hands each request (its cookie hooks are not needed). */
  manager: Manager<any, any, any>
}

/** Header values as Fastify's reply.getHeader gives them, as text. */
function headerText(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : Array.isArray(v) ? v.join(', ') : String(v)
}

/** False once the reply's head was written. */
function canSetCookie(reply: FastifyReply): boolean {
  return !reply.raw.headersSent
}

function onRead(reply: FastifyReply): void {
  if (canSetCookie(reply)) reply.header('vary', withVaryCookie(headerText(reply.getHeader('vary'))))
}

function setCookie(cookie: CookieAttributes, reply: FastifyReply): void {
  if (!canSetCookie(reply)) throw new SessionError('HEADERS_SENT', `cannot set cookie ${cookie.name}: the reply was already sent`)
  const prev = reply.getHeader('set-cookie')
  const lines = prev === undefined ? [] : Array.isArray(prev) ? prev.map(String) : [String(prev)]
  // reply.header appends to an existing set-cookie: remove it, then set the merged list.
  reply.removeHeader('set-cookie')
  reply.header('set-cookie', mergeSetCookie(lines, cookie.name, serializeCookie(cookie)))
  reply.header('vary', withVaryCookie(headerText(reply.getHeader('vary'))))
  reply.header('cache-control', withNoCacheSetCookie(headerText(reply.getHeader('cache-control'))))
}

function startSession(this: unknown): Promise<SimpleSession<AdapterData>> {
  const slot = typeof this === 'object' && this !== null ? slotsOf(this)?.current : undefined
  if (slot === undefined) {
    return Promise.reject(new SessionError('CONFIG', 'startSession: the simplesessions plugin has not run for this request (call it as request.startSession())'))
  }
  return slot.start()
}

/** Shows a slot's session (a new one after startSession) as `request.session`. */
function expose(request: FastifyRequest, s: SimpleSession<AdapterData> | null): void {
  request.session = s as AdapterSession
}

function getCookie(name: string, request: FastifyRequest): string | undefined {
  return readCookie(request.headers.cookie, name)
}

const simplesessions: FastifyPluginAsync<FastifySessionOptions> = async (fastify, options) => {
  const { manager } = options ?? {}
  if (typeof manager !== 'object' || manager === null || typeof manager.acquire !== 'function') {
    throw new SessionError('CONFIG', `option manager is invalid: ${typeof manager} (register the plugin with { manager })`)
  }
  const opts = checkOptions({ saveOnError: options.saveOnError })
  const sessions = hooked<any, FastifyRequest, FastifyReply>(manager, { getCookie, setCookie, canSetCookie, onRead })
  // Decorating with null first keeps every request the same shape (Fastify's advice); a second
  // registration finds them in place.
  if (!fastify.hasRequestDecorator('session')) fastify.decorateRequest('session', null as unknown as AdapterSession)
  // startSession is a method of every request (Fastify puts a function decorator on the request
  // prototype): it starts a session on the request's current slot, the plugin that ran last for
  // it. Not a closure assigned to each request: one more property and one more closure a request.
  if (!fastify.hasRequestDecorator('startSession')) fastify.decorateRequest('startSession', startSession)
  fastify.addHook('onRequest', async (request, reply) => {
    const slots = slotsOf(request)
    const known = slotIn(slots, manager)
    if (known) {
      slots!.current = known
      request.session = known.session as AdapterSession
      return
    }
    const slot = new Slot<AdapterData>(sessions, request, reply, opts, expose)
    keepSlot(request, manager, slot, slots)
    await slot.open()
  })
  fastify.addHook('onSend', async (request, reply, payload) => {
    await slotOf(request, manager)?.end(reply.statusCode >= 500)
    return payload
  })
}

/**
 * The plugin: `app.register(plugin, { manager, saveOnError? })`, then `request.session` in
 * every handler of the registering context and its children. It commits in onSend, before the
 * reply leaves; not after a 5xx unless `saveOnError`. Also the default export.
 *
 * @example
 * import Fastify from 'fastify'
 * import { Manager } from 'simplesessions'
 * import plugin from 'simplesessions/adapters/fastify'
 *
 * const app = Fastify()
 * await app.register(plugin, { manager: new Manager({ secrets: [process.env.SESSION_SECRET!] }) })
 * app.get('/', async (request) => {
 *   const visits = request.session.int((await request.session.get('visits')) ?? 0) + 1
 *   await request.session.set('visits', visits)
 *   return `visit ${visits}`
 * })
 */
const plugin: FastifyPluginAsync<FastifySessionOptions> = Object.assign(simplesessions, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'simplesessions',
  [Symbol.for('plugin-meta')]: { name: 'simplesessions', fastify: '5.x' },
})

export { plugin }
export default plugin
