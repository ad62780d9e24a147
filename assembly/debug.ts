// The debug build's entry: the core (./index.ts) and, as exported globals, the ABI constants
// (./abi.ts), which test/wasm/abi.test.ts compares with JS's generated copy of them. The release
// build leaves the globals out: about 0.7 kB gzipped that every user would load for a test.
export * from './index';
export * from './abi';
