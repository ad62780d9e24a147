// Static memory shared with JS. Nothing crosses the boundary as an allocation: JS writes its
// input at IO_PTR, calls an export with lengths, and reads the result at OUT_PTR (or IO_PTR).
// JS reads their addresses and sizes from the exports of assembly/index.ts (ioPtr(), ioSize(), …).

/** Input/output scratch: cookie values, keys, hash input chunks, codec bytes. */
export const IO_SIZE: i32 = 65536;
export const IO: usize = memory.data(IO_SIZE, 16);

/** Small results: digests, MACs, signed values, IDs. */
export const OUT_SIZE: i32 = 1024;
export const OUT: usize = memory.data(OUT_SIZE, 16);

/** Random bytes written by JS with crypto.getRandomValues (at most 65536 per call). */
export const POOL_SIZE: i32 = 4096;
export const POOL: usize = memory.data(POOL_SIZE, 16);

// The tagged codec (assembly/codec/). Values themselves (encode output, decode input) live in
// the codec's arena: the memory past __heap_base (nothing in the core allocates), grown with
// memory.grow on demand, up to what the configured maximum needs.

/** Codec decode tape: 16-byte entries that JS walks to build values. */
export const CODEC_TAPE_SIZE: i32 = 16384;
export const CODEC_TAPE: usize = memory.data(CODEC_TAPE_SIZE, 16);

/** Codec decode: UTF-16 code units of the short strings of one tape chunk. */
export const CODEC_UNITS_SIZE: i32 = 8192;
export const CODEC_UNITS: usize = memory.data(CODEC_UNITS_SIZE, 16);

/** Codec encode stream: 8-byte aligned entries JS writes for the codec to frame. */
export const CODEC_STREAM_SIZE: i32 = 32768;
export const CODEC_STREAM: usize = memory.data(CODEC_STREAM_SIZE, 16);

/** Grows memory to at least `end` bytes; false when it cannot. Memory never shrinks. */
export function ensureMemory(end: usize): bool {
  const have = <usize>memory.size() << 16;
  return end <= have || memory.grow(<i32>((end - have + 0xffff) >>> 16)) >= 0;
}
