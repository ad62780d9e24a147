import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// Ends every session of the signed-in user but this one.
export const POST = withSession(manager, async () => {
  const session = await getSession(manager)
  const user = await session.get('userId')
  if (typeof user !== 'string') return Response.json(null, { status: 401 })
  return Response.json({ ended: await manager.destroySessions(user, { except: session }) })
})
