// A .wasm file imported as a module is a compiled WebAssembly.Module on workerd (wrangler) and on
// Vercel Edge (`?module`); see ./load.module.ts.
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}
