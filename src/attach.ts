// State kept per request object (a request, a response, a framework's context): the Manager's
// session per `ctx`, an adapter's slots per request, the Express adapter's held response (the
// Express adapter keeps a node:http request's slots in a map of the requests in flight instead:
// src/adapters/express/index.ts says why).
//
// The rule: on the object itself, under a symbol of its own (not seen by Object.keys, for-in or
// JSON), by plain assignment; a WeakMap only for an object that cannot take a property (frozen,
// sealed, preventExtensions). Not a WeakMap first: an entry whose key is young (a request's
// objects always are) is an ephemeron that every scavenge traces, and it keeps its value alive
// through them. On an Express 5 server (one core, 8 connections each with its own session), three
// WeakMaps keyed by the request and the response made the scavenges cost ~35 ms per thousand
// requests against ~20 without, and the middleware ~30 µs more CPU per request than with the same
// state as properties. Not Object.defineProperty (to hide it from util.inspect too): ~2 µs a call
// there. A property added to Express's objects is not free either (~1.3 KB of allocation each:
// Express gives each request and response its app's prototype with Object.setPrototypeOf, after
// which no two of them share a hidden class, so each property added makes a new one and copies
// the object's ~40 property descriptors), so an adapter adds as few as it can.
// docs/decisions/adapters.md has the runs.

/** A value attached to objects: `get(o)` is what `set(o, v)` gave `o` last, or undefined. */
export class Attachment<V> {
  readonly #key: symbol
  /** For objects that cannot take a property. */
  readonly #fallback = new WeakMap<object, V>()

  constructor(name: string) {
    this.#key = Symbol(name)
  }

  // The property holds a box that names its owner: a box reached through the prototype chain (an
  // object made with Object.create(o) is another request) is not the object's own. One property
  // read then answers both questions; Object.hasOwn was a second lookup by name, and on Express's
  // objects, which share no hidden class (above), every lookup by name goes to the runtime.

  get(o: object): V | undefined {
    // A method called without its object (startSession taken off the request) passes undefined.
    if (o === null || (typeof o !== 'object' && typeof o !== 'function')) return undefined
    const box = (o as Record<symbol, Box<V> | undefined>)[this.#key]
    // A box up the prototype chain only, or an object that cannot take one: set() may have had
    // to use the WeakMap.
    if (box !== undefined) return box.owner === o ? box.value : this.#fallback.get(o)
    return Object.isExtensible(o) ? undefined : this.#fallback.get(o)
  }

  set(o: object, v: V): void {
    const box = (o as Record<symbol, Box<V> | undefined>)[this.#key]
    // The object's own box takes the value even once the object is frozen (freezing is shallow).
    if (box !== undefined && box.owner === o) {
      box.value = v
      return
    }
    if (Object.isExtensible(o)) {
      try {
        ;(o as Record<symbol, Box<V>>)[this.#key] = { owner: o, value: v }
        return
      } catch {
        // A prototype holds the key read-only (it took a value, then was frozen): the WeakMap.
      }
    }
    this.#fallback.set(o, v)
  }
}

interface Box<V> {
  readonly owner: object
  value: V
}
