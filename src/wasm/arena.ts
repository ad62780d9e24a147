// The codec's share of the core, for ./encoder.ts and ./decoder.ts: its exports, the addresses JS
// reads once (the state block of assembly/codec/arena.ts, the tape, the stream), and the guard
// that keeps the codec to one call at a time. Nothing in the codec is re-entrant: a getter or
// proxy trap that calls it while it is encoding gets a CODEC error.

import { onCore } from './index.js'
import type { CoreExports, CodecExports } from './abi.js'
import { CODEC_STATE_ARENA, CODEC_STATE_CAPACITY, CODEC_STATE_ERR_AT } from './abi.js'
import { SessionError } from '../errors.js'

// Set from the core once it is ready (at import, except in the browser build: ./index.ts).
export let e!: CoreExports & CodecExports
/** i32 indexes (of memory.ts's i32 view) of the state block: the arena's address, its capacity, errAt. */
export let ARENA = 0
export let CAPACITY = 0
export let ERR_AT = 0
/** i32 index of the first tape entry. */
export let TAPE = 0
/** Byte addresses of the encode stream. */
export let STREAM = 0
export let STREAM_END = 0
/** Room for any fixed-size stream entry (16 bytes) must remain before one is written. */
export let STREAM_LIMIT = 0

onCore((c) => {
  e = c.exports as CoreExports & CodecExports
  const state = e.codecState()
  ARENA = (state + CODEC_STATE_ARENA) >> 2
  CAPACITY = (state + CODEC_STATE_CAPACITY) >> 2
  ERR_AT = (state + CODEC_STATE_ERR_AT) >> 2
  TAPE = e.codecTape() >> 2
  STREAM = e.codecStream()
  STREAM_END = STREAM + e.codecStreamSize()
  STREAM_LIMIT = STREAM_END - 16
})

let busy = false

/** Starts a codec call; every enter() is followed by leave() in a `finally`. */
export function enter(): void {
  if (busy) {
    throw new SessionError('CODEC', 'the codec was called re-entrantly (from a getter or proxy trap of a value being encoded)')
  }
  busy = true
}

export function leave(): void {
  busy = false
}
