import { getSession, startSession, withSession } from 'simplesessions/adapters/next'
import { strict } from '../../../../lib/session.js'

// The login of an autoCreate: false app.
export const POST = withSession(strict, async () => {
  const session = await startSession(strict)
  await session.set('user', 'ada')
  return Response.json({ id: session.id, same: (await getSession(strict)) === session })
})
