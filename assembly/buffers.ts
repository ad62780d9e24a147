// Static memory shared with JS. Nothing crosses the boundary as an allocation: JS writes its
// input at IO_PTR, calls an export with lengths, and reads the result at OUT_PTR (or IO_PTR).
// The sizes are part of the ABI; src/wasm/abi.ts mirrors them.

/** Input/output scratch: cookie values, keys, hash input chunks, codec bytes. */
export const IO_SIZE: i32 = 65536;
export const IO: usize = memory.data(IO_SIZE, 16);

/** Small results: digests, MACs, signed values, IDs. */
export const OUT_SIZE: i32 = 1024;
export const OUT: usize = memory.data(OUT_SIZE, 16);

/** Random bytes written by JS with crypto.getRandomValues (at most 65536 per call). */
export const POOL_SIZE: i32 = 4096;
export const POOL: usize = memory.data(POOL_SIZE, 16);
