// TypeDoc plugin of the API reference (typedoc.config.mjs):
// - names each public entry point's module by its import specifier (`simplesessions`,
//   `simplesessions/stores/memory`, ...) rather than its source path;
// - warns of every export of an entry point that has no @example, which the configuration's
//   treatWarningsAsErrors turns into a failed build (TypeDoc's own notDocumented check asks for a
//   comment only). A re-export of a name declared in another entry point's module (the
//   adapters' AdapterOptions) is checked there.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Application, Converter, ReflectionKind } from 'typedoc'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The public entry points, from package.json `exports` as build/build.mjs reads them
 * (./dist/X.js is built from src/X.ts): source file (absolute) -> import specifier.
 */
export function entryPoints() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const out = new Map()
  for (const [subpath, c] of Object.entries(pkg.exports)) {
    if (subpath === './package.json') continue
    const m = /^\.\/dist\/(.+)\.js$/.exec(c.import?.default ?? '')
    if (!m) throw new Error(`package.json exports ${subpath}: ${c.import?.default} is not ./dist/<entry>.js`)
    out.set(resolve(root, 'src', `${m[1]}.ts`), subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`)
  }
  return out
}

/** The comment that documents an export: its own, else a signature's (functions, and constants of a function type). */
function commentOf(refl) {
  const signatures = refl.signatures ?? refl.type?.declaration?.signatures ?? []
  return refl.comment ?? signatures.find((s) => s.comment)?.comment
}

/**
 * `<module>.<export>` of every export that has no @example: of each module, or of the project
 * itself when it has one entry point (TypeDoc then makes no module).
 */
export function missingExamples(project) {
  const missing = []
  const modules = project.getChildrenByKind(ReflectionKind.Module)
  for (const mod of modules.length > 0 ? modules : [project]) {
    for (const child of mod.children ?? []) {
      if (child.kindOf(ReflectionKind.Reference)) continue
      if (!commentOf(child)?.getTag('@example')) missing.push(mod === project ? child.name : `${mod.name}.${child.name}`)
    }
  }
  return missing
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const names = entryPoints()
    for (const mod of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const name = names.get(resolve(mod.sources?.[0]?.fullFileName ?? ''))
      if (name !== undefined) mod.name = name
    }
  })
  app.on(Application.EVENT_VALIDATE_PROJECT, (project) => {
    for (const name of missingExamples(project)) app.logger.validationWarning(`${name} has no @example`)
  })
}
