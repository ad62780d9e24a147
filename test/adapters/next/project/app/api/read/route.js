import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// Reads only: no Set-Cookie, but Vary: Cookie.
export const GET = withSession(manager, async () => {
  const session = await getSession(manager)
  const all = await session.getAll() // first: a dead cookie's session turns fresh as it loads
  return Response.json({ id: session.id, all })
})
