// Runs the edge bundle (argv[2]/bundle.js) in @edge-runtime/vm with WebAssembly and string code
// generation off, as Vercel's platform runs it. Each .wasm the bundle imported with `?module` is
// compiled here, outside the sandbox, and handed in as a global WebAssembly.Module: how Next.js's
// edge sandbox provides `?module` imports. Prints one line: RESULT <json>.
import { EdgeVM } from '@edge-runtime/vm'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
const bindings = JSON.parse(readFileSync(join(dir, 'bindings.json'), 'utf8'))
const compiled = {}
for (const { file, binding } of bindings) compiled[binding] = await WebAssembly.compile(readFileSync(file))

const vm = new EdgeVM({
  codeGeneration: { strings: false, wasm: false },
  extend: (context) => Object.assign(context, compiled),
})
let result
try {
  vm.evaluate(readFileSync(join(dir, 'bundle.js'), 'utf8'))
  result = JSON.parse(await vm.evaluate('globalThis.__runMatrix()'))
} catch (err) {
  result = { ok: false, error: String(err?.stack ?? err) }
}
console.log(`RESULT ${JSON.stringify(result)}`)
// The sandbox's timers (a store's sweep interval) are not unref'd as Node's are: end here.
process.exit(0)
