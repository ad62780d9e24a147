// Header handling shared by the adapters.

/** The Set-Cookie lines with any earlier line for `name` replaced by `line` (last one wins). */
export function mergeSetCookie(lines: readonly string[], name: string, line: string): string[] {
  const prefix = `${name}=`
  const out = lines.filter((l) => !l.startsWith(prefix))
  out.push(line)
  return out
}
