// The views of the core's memory: the one module that makes them. A grown memory detaches its old
// buffer (every view of it then has length 0), so each user checks `u8.byteLength === 0` after a
// call that may grow memory and calls refresh(), which re-creates all of them at once.
//
// The views are module bindings, not fields of an object: the codec's loops index them per item,
// and a bundler turns a binding into a plain variable where a field would cost a load more each
// time. The process has one core (./index.ts), so one set of views.

import { SessionError } from '../errors.js'

export let u8 = new Uint8Array(0)
export let u16 = new Uint16Array(0)
export let i32 = new Int32Array(0)
export let f64 = new Float64Array(0)
export let i64 = new BigInt64Array(0)
export let u64 = new BigUint64Array(0)
/** The core's IO buffer (ioPtr()..+ioSize()). */
export let io8 = new Uint8Array(0)

let memory: WebAssembly.Memory | undefined
let ioAt = 0
let ioEnd = 0

/** What any use of the core throws before its module is compiled (the browser build before `init()`). */
export function notCompiled(): SessionError {
  return new SessionError('CONFIG', 'the WebAssembly core is not compiled yet: `await init()` (from simplesessions) before the first use')
}

/** Binds the views to the core's memory, with its IO buffer at [io, io + ioSize). */
export function useMemory(m: WebAssembly.Memory, io: number, ioSize: number): void {
  memory = m
  ioAt = io
  ioEnd = io + ioSize
  refresh()
}

/** Re-creates every view over the memory's current buffer. */
export function refresh(): void {
  if (memory === undefined) throw notCompiled()
  const buf = memory.buffer
  u8 = new Uint8Array(buf)
  u16 = new Uint16Array(buf)
  i32 = new Int32Array(buf)
  f64 = new Float64Array(buf)
  i64 = new BigInt64Array(buf)
  u64 = new BigUint64Array(buf)
  io8 = u8.subarray(ioAt, ioEnd)
}

/** The byte view of the whole memory, current. */
export function bytes(): Uint8Array {
  if (u8.byteLength === 0) refresh()
  return u8
}

/** The byte view of IO, current. */
export function ioBytes(): Uint8Array {
  if (io8.byteLength === 0) refresh()
  return io8
}
