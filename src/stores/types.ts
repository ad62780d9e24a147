// The store contract: what every session store (memory, Redis, …) does, and what the Manager may
// rely on; test/stores/ checks it on every store. The full text, with the reasons:
// docs/decisions/store-contract.md.
//   - Stores move bytes: field names and the codec's bytes, plus metadata; never a typed value.
//     Field-level storage lets two requests that change different keys both keep their writes.
//   - "Not found" is never an error (null / false); a rejection is STORE_UNAVAILABLE (an
//     outage, with its cause), TOO_LARGE (a limit, nothing written) or a TypeError (a caller bug).
//   - Times are integer ms since the epoch; a session is live while the store's clock is before
//     expiresAt (Infinity: never expires).
//   - Ownership never crosses the boundary: a store copies what it is given and returns fresh
//     objects; it copies a value by byteOffset and length, never its whole .buffer.
//   - Every method is atomic with respect to every other on the same session: a commit or a
//     regenerate racing a destroy or an expiry lands before it or writes nothing, so an
//     in-flight request never resurrects a destroyed session; regenerate is a move, not a copy.
//   - Optional owner index (listSessions, destroySessions): it follows every way a session ends,
//     is bounded per owner, and never leaves a live session out once its call resolved.
//   Its shape follows scs (errors for system failures only) and tower-sessions (create never
// overwrites; the caller retries with a fresh ID).

/**
 * A session's metadata. The times are integer milliseconds since the epoch; the other entries are
 * optional, absent on most sessions, and a store round-trips each one it was given (load and
 * getMulti return them; a store leaves out what it never got, never writes `undefined`).
 *
 * @example
 * import type { SessionMeta } from 'simplesessions'
 *
 * const now = Date.now()
 * const meta: SessionMeta = { createdAt: now, expiresAt: now + 86_400_000 }
 */
export interface SessionMeta {
  /** When the session was created; the store keeps it unchanged for the session's life. */
  createdAt: number
  /** When the session stops existing (Infinity: never). Set by create, commit and touch. */
  expiresAt: number
  /** Who the session belongs to (the Manager's `ownerKey` field, as a string): see "Owners". */
  owner?: string | undefined
  /** The session's opaque handle for owner listings (never its ID): see "Owners". */
  handle?: string | undefined
  /** The per-session cookie lifetime (session.rememberMe): true persistent, false browser-session. */
  persist?: boolean | undefined
}

/**
 * One of an owner's sessions, as listSessions returns it. Never carries the session ID.
 *
 * @example
 * import type { Manager, OwnedSession, Session } from 'simplesessions'
 *
 * declare const manager: Manager
 * declare const sess: Session
 * const devices: OwnedSession[] = await manager.listSessions('user-42')
 * for (const d of devices) console.log(d.handle === sess.handle ? 'this device' : d.handle, new Date(d.createdAt))
 */
export interface OwnedSession {
  /** Opaque, stable for the session's life, never its ID: safe to render. */
  handle: string
  /** When the session was created, in ms since the epoch. */
  createdAt: number
  /** When it ends unless used again, in ms since the epoch (Infinity: never). */
  expiresAt: number
}

/**
 * Which of an owner's sessions Store.destroySessions ends: all, or only some, but never `except`.
 *
 * @example
 * import type { DestroyFilter } from 'simplesessions'
 * import { MemoryStore } from 'simplesessions/stores/memory'
 *
 * const store = new MemoryStore()
 * const filter: DestroyFilter = { only: ['handle-of-a-lost-phone'] }
 * const ended = await store.destroySessions('user-42', filter)
 */
export interface DestroyFilter {
  /** Only the sessions with these handles. */
  only?: readonly string[] | undefined
  /** Not the session with this handle (the current one). */
  except?: string | undefined
}

/**
 * A whole session, as load returns it. Owned by the caller.
 *
 * @example
 * import { decodeValue, type SessionRecord } from 'simplesessions'
 * import { MemoryStore } from 'simplesessions/stores/memory'
 *
 * const store = new MemoryStore()
 * const record: SessionRecord | null = await store.load('some-session-id')
 * const user = record?.fields.get('user')
 * if (user) console.log(decodeValue(user), new Date(record!.meta.expiresAt))
 */
export interface SessionRecord {
  /** The session's metadata. */
  meta: SessionMeta
  /** Field name → the codec's bytes. */
  fields: Map<string, Uint8Array>
}

/**
 * What getMulti returns for a live session. Owned by the caller.
 *
 * @example
 * import type { FieldValues } from 'simplesessions'
 * import { MemoryStore } from 'simplesessions/stores/memory'
 *
 * const store = new MemoryStore()
 * const got: FieldValues | null = await store.getMulti('some-session-id', ['user', 'cart'])
 * const [user, cart] = got?.values ?? []
 */
export interface FieldValues {
  /** The session's metadata. */
  meta: SessionMeta
  /** One entry per asked name, in the order asked: the bytes, or undefined for a missing field. */
  values: (Uint8Array | undefined)[]
}

/**
 * One commit: applied all at once or not at all, and only to a session that still exists.
 * The order is: `clear`, then `delete`, then `set`, then the new expiry; so a name that is both
 * deleted and set ends up set.
 *
 * @example
 * import { encodeValue, type CommitBatch } from 'simplesessions'
 * import { MemoryStore } from 'simplesessions/stores/memory'
 *
 * const store = new MemoryStore()
 * const batch: CommitBatch = {
 *   set: new Map([['user', encodeValue('ada')]]),
 *   delete: ['flash'],
 *   expiresAt: Date.now() + 86_400_000,
 * }
 * const applied = await store.commit('some-session-id', batch) // false: no such session
 */
export interface CommitBatch {
  /** Fields to write (added or replaced). */
  set?: ReadonlyMap<string, Uint8Array> | undefined
  /** Fields to remove; names that do not exist are ignored. */
  delete?: readonly string[] | undefined
  /** Remove every field first. The session itself stays, with no fields if nothing is set. */
  clear?: boolean | undefined
  /** The session's expiry after the commit; the same as before when the write does not move it. */
  expiresAt: number
  /** The session's new owner; null removes it; undefined (most commits) leaves it as it is. */
  owner?: string | null | undefined
  /** The session's handle, given when it gets an owner and has no handle yet; kept for its life. */
  handle?: string | undefined
  /** The new per-session cookie lifetime; undefined leaves it as it is. */
  persist?: boolean | undefined
}

/**
 * What Store.regenerate did: `ok` moved the session to the new ID; `gone`, the old session is
 * missing or expired (nothing created); `taken`, a live session holds the new ID (nothing
 * changed, retry with a fresh one).
 *
 * @example
 * import { generateId, type RegenerateResult } from 'simplesessions'
 * import { MemoryStore } from 'simplesessions/stores/memory'
 *
 * const store = new MemoryStore()
 * const result: RegenerateResult = await store.regenerate('old-session-id', generateId(), { expiresAt: Date.now() + 60_000 })
 */
export type RegenerateResult = 'ok' | 'gone' | 'taken'

/**
 * A session store. See the module comment for the rules every method follows: not-found is a
 * result (null/false), rejections are system failures, limits or caller bugs; times are integer
 * ms; bytes are copied both ways; each method is atomic per session.
 *
 * `test/stores/conformance.ts` (`describeStore`) is the executable form of this contract: every
 * store runs it.
 *
 * @example
 * import { Manager, type Store } from 'simplesessions'
 * import { MemoryStore } from 'simplesessions/stores/memory'
 *
 * // A store that logs the sessions it ends and leaves everything to another store: every
 * // method forwarded, the optional ones too (without getMulti the Manager loads whole sessions;
 * // without listSessions and destroySessions it has no owner index).
 * const inner = new MemoryStore()
 * const store: Store = {
 *   create: (id, meta, fields) => inner.create(id, meta, fields),
 *   load: (id) => inner.load(id),
 *   getMulti: (id, names) => inner.getMulti(id, names),
 *   commit: (id, batch) => inner.commit(id, batch),
 *   touch: (id, expiresAt) => inner.touch(id, expiresAt),
 *   regenerate: (oldId, newId, batch) => inner.regenerate(oldId, newId, batch),
 *   destroy: async (id) => {
 *     console.log('session ended') // never log the ID: it is a bearer secret
 *     await inner.destroy(id)
 *   },
 *   listSessions: (owner) => inner.listSessions(owner),
 *   destroySessions: async (owner, filter) => {
 *     const ended = await inner.destroySessions(owner, filter)
 *     console.log(`${ended} sessions of one owner ended`)
 *     return ended
 *   },
 *   close: () => inner.close(),
 * }
 * const manager = new Manager({ store, secrets: [process.env.SESSION_SECRET!], ownerKey: 'userId' })
 */
export interface Store {
  /**
   * Creates session `id` with `meta` and the given fields (none when omitted).
   *
   * Never overwrites: resolves `false`, and changes nothing, when a live session with this ID
   * exists (an expired one does not count); the caller then retries with a fresh ID. Resolves
   * `true` when the session was created.
   */
  create(id: string, meta: SessionMeta, fields?: ReadonlyMap<string, Uint8Array>): Promise<boolean>

  /** The whole session, or `null` when it is missing or expired. */
  load(id: string): Promise<SessionRecord | null>

  /**
   * Some fields of a session, in one round trip: the metadata plus one value per name in
   * `names` (in order; `undefined` for a missing field; a name may repeat), or `null` when the
   * session is missing or expired. Optional: without it the Manager uses load.
   */
  getMulti?(id: string, names: readonly string[]): Promise<FieldValues | null>

  /**
   * Applies `batch` atomically if the session exists and is live, and resolves `true`; resolves
   * `false`, and writes nothing (nothing is re-created), when it does not.
   */
  commit(id: string, batch: CommitBatch): Promise<boolean>

  /**
   * Moves the session's expiry to `expiresAt` (later or sooner), leaving its fields alone.
   * Resolves `false`, and writes nothing, when the session is missing or expired.
   */
  touch(id: string, expiresAt: number): Promise<boolean>

  /**
   * Moves live session `oldId` to `newId` and applies `batch` to it (as commit would), all at
   * once; createdAt stays. Resolves:
   *   - 'ok'    the session now lives under `newId` only; `oldId` is gone;
   *   - 'gone'  `oldId` is missing or expired: nothing was written (no session appears);
   *   - 'taken' a live session already has `newId`: nothing was written; the caller retries
   *             with a fresh ID.
   * A store that cannot do it in one atomic step (Redis Cluster: the two keys live in different
   * slots) must keep the outcome the same: never both IDs live, never a new session without a
   * live old one, and on a failure part way, neither rather than both (the client then starts
   * a fresh session; losing a session is safe, resurrecting one is not).
   */
  regenerate(oldId: string, newId: string, batch: CommitBatch): Promise<RegenerateResult>

  /** Removes the session. Resolves (it is not an error) when there is no such session. */
  destroy(id: string): Promise<void>

  /**
   * The owner's live sessions (see "Owners"), at most the store's per-owner cap of them, in no
   * particular order. Optional: a store without it has no owner index (the Manager then rejects
   * with UNSUPPORTED).
   */
  listSessions?(owner: string): Promise<OwnedSession[]>

  /**
   * Ends the owner's sessions that `filter` selects, as destroy would, and resolves to how many
   * live ones it ended. Optional, together with listSessions.
   */
  destroySessions?(owner: string, filter?: DestroyFilter): Promise<number>

  /**
   * Releases what the store holds (timers, connections it opened). Idempotent. Afterwards every
   * other method rejects with SessionError 'STORE_UNAVAILABLE'.
   */
  close?(): Promise<void> | void
}

// ## The other kind: a sealed store
//
// A sealed store (the cookie store) keeps nothing on the server: the cookie carries the whole
// record, encrypted and authenticated. It has no IDs to look up, so it does not implement Store;
// it turns a cookie value into a record and back, and the Session does the rest exactly as for a
// server-side store (lazy creation, pending writes merged into what the cookie held, timeouts
// checked against the sealed timestamps, regenerate, destroy, re-sealing after key rotation).
// The Manager tells the two kinds apart by `kind: 'sealed'`, and never gives a sealed cookie
// value to its Signer (the value is not "1.<id>.<mac>").
//
// What a sealed store cannot promise, and the conformance suite for the sealed kind is exempt
// from (test/stores/sealed-conformance.ts lists the cases):
//   - destroy, and regenerate's "the old ID is dead", cannot reach a copy of the cookie a client
//     kept: such a copy opens until the expiry sealed in it. What regenerate still guarantees is
//     that nothing written after it is ever in the old value.
//   - No "logout wins" and no merge across concurrent requests: the client keeps whichever
//     Set-Cookie arrives last, so two requests that change different keys at once lose one of the
//     two writes, and a request that finishes after a logout brings the session back.
//   - No operation by ID or owner from the server (revoking a session, listing a user's
//     sessions): SessionError 'UNSUPPORTED'.

/** A session as a sealed store carries it: its ID (which regenerate changes), metadata and fields. */
export interface SealedRecord {
  id: string
  meta: SessionMeta
  /** Field name → the codec's bytes. */
  fields: Map<string, Uint8Array>
}

/** A cookie value opened: the record, and which secret opened it. Owned by the caller. */
export interface OpenedRecord extends SealedRecord {
  /** Index into the Manager's secrets of the one that opened it: 0 is the newest, > 0 means re-seal. */
  key: number
}

/**
 * One Manager's keys of a sealed store. Both methods are synchronous and never touch the
 * network. `open` never throws for a value a client sent: 'malformed' (not a value of this
 * format and version, or over the size limit), 'signature' (no secret opens it: a wrong key, or
 * any byte changed). Expiry is the Session's to judge, from the returned metadata.
 */
export interface Sealer {
  open(value: string): OpenedRecord | 'malformed' | 'signature'
  /** The cookie value of a record, sealed with the newest secret under a fresh nonce. */
  seal(record: SealedRecord): string
  /** Wipes the keys. */
  close(): void
}

/** A store that keeps the session in the cookie itself (see above). */
export interface SealedStore {
  readonly kind: 'sealed'
  /** Derives the keys of a Manager from its secrets (newest first, already checked by the Manager). */
  keys(secrets: readonly (string | Uint8Array)[]): Sealer
}
