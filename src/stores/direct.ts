// A store whose load and commit finish inside their call (the MemoryStore) may offer them in a
// form that returns the answer itself, not a promise of it: the Session then takes the answer
// without awaiting (see src/session.ts, load and commit). Not part of the Store contract, and not
// exported from the package: a store of its own keeps the promise-returning methods only.
//
// The rule: the direct methods are used only while the store's public load and commit are the
// ones they stand for (those of the class that offered them), checked at each use: a subclass or
// an instance that replaces either (to count, log or delay calls), even later, is called through
// them, as written.

import type { CommitBatch, SessionRecord } from './types.js'

/** load and commit, answered at once; each throws what the store's own method rejects with. */
export interface DirectStore {
  load(id: string): SessionRecord | null
  commit(id: string, batch: CommitBatch): boolean
}

/** The methods the direct ones stand for: those of the offering class (its prototype). */
interface Own {
  readonly load: unknown
  readonly commit: unknown
}

interface Offer {
  readonly own: Own
  readonly direct: DirectStore
}

const offers = new WeakMap<object, Offer>()

/** Called by a store's constructor: `direct` stands for the load and commit of `own`. */
export function offerDirect(store: object, own: Own, direct: DirectStore): void {
  offers.set(store, { own, direct })
}

/** The direct methods of `store`, if it offered them and its load and commit are still those. */
export function directStore(store: object): DirectStore | undefined {
  const offer = offers.get(store)
  if (offer === undefined) return undefined
  const s = store as Partial<Own>
  return s.load === offer.own.load && s.commit === offer.own.commit ? offer.direct : undefined
}
