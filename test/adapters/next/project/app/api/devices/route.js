import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// The signed-in user's sessions by handle, and this one's.
export const GET = withSession(manager, async () => {
  const session = await getSession(manager)
  const user = await session.get('userId')
  if (typeof user !== 'string') return Response.json(null, { status: 401 })
  const handles = (await manager.listSessions(user)).map((s) => s.handle).sort()
  return Response.json({ current: session.handle ?? null, handles })
})
