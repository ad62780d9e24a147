// `npm run test:mutation` and `npm run test:mutation:stores`: runs `stryker run` with the arguments
// given (a configuration file first, for the stores), then rewrites the incremental files'
// `projectRoot` (Stryker records the absolute folder the run happened in) to
// ".", so the committed state names no one's machine and stays the same from any checkout.
// Exits with Stryker's status.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))
const states = ['./stryker-incremental.json', './stores-incremental.json'].map((f) => fileURLToPath(new URL(f, import.meta.url)))
const bin = fileURLToPath(new URL('../../node_modules/@stryker-mutator/core/bin/stryker.js', import.meta.url))

const run = spawnSync(process.execPath, [bin, 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
for (const incremental of states) {
  if (!existsSync(incremental)) continue
  const state = JSON.parse(readFileSync(incremental, 'utf8'))
  if (state.projectRoot !== '.') {
    state.projectRoot = '.'
    writeFileSync(incremental, JSON.stringify(state, null, 2) + '\n')
  }
}
process.exit(run.status ?? 1)
