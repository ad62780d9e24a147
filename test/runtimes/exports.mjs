// Reading a package.json `exports` map as the runtimes' resolvers do: the first key of a
// conditions object that is among the active conditions (or `default`) wins, in the map's order
// (https://nodejs.org/api/packages.html#conditional-exports). Only what the matrix needs: exact
// subpaths, string targets, nested condition objects.

/** The target of `subpath` under `conditions`, or throws naming the subpath and conditions. */
export function resolveExport(pkg, subpath, conditions) {
  const exports = pkg.exports
  const entry = typeof exports === 'string' || !Object.keys(exports ?? {}).some((k) => k.startsWith('.')) ? (subpath === '.' ? exports : undefined) : exports[subpath]
  const target = pick(entry, conditions)
  if (typeof target !== 'string') throw new Error(`exports has no target for ${subpath} under [${conditions.join(', ')}]`)
  return target
}

function pick(entry, conditions) {
  if (typeof entry === 'string' || entry === null || entry === undefined) return entry
  if (Array.isArray(entry)) return entry.map((e) => pick(e, conditions)).find((t) => typeof t === 'string')
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'default' || conditions.includes(key)) {
      const t = pick(value, conditions)
      if (t !== undefined) return t
    }
  }
  return undefined
}

/** True when `condition` is a key anywhere in the exports map. */
export function hasCondition(exports, condition) {
  if (!exports || typeof exports !== 'object') return false
  return Object.entries(exports).some(([k, v]) => k === condition || hasCondition(v, condition))
}

/** The conditions the exports map uses, for the log. */
export function describeExports(exports) {
  const found = new Set()
  const walk = (e) => {
    if (!e || typeof e !== 'object') return
    for (const [k, v] of Object.entries(e)) {
      if (!k.startsWith('.')) found.add(k)
      walk(v)
    }
  }
  walk(exports)
  return `conditions ${[...found].join(', ') || '(none)'}`
}
