import { getSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// Without withSession: getSession and an explicit commit, the way a server action does it.
export async function POST(request) {
  const session = await getSession(manager)
  await session.set('bare', new URL(request.url).searchParams.get('v'))
  await session.commit()
  return Response.json({ id: session.id })
}
