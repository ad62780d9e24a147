import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

export const POST = withSession(manager, async () => {
  const session = await getSession(manager)
  await session.destroy()
  return new Response(null, { status: 204 })
})
