import { getSession, withSession } from 'simplesessions/adapters/next'
import { manager } from '../../../lib/session.js'

// A commit left running after the handler returned: what it settles to, by token.
const outcomes = (globalThis.nextTestLate ??= new Map())

export const POST = withSession(manager, async (request) => {
  const token = new URL(request.url).searchParams.get('token')
  const session = await getSession(manager)
  const returned = new Promise((resolve) => setTimeout(resolve, 50))
  const late = returned.then(async () => {
    await session.set('late', token)
    await session.commit()
  })
  outcomes.set(token, late.then(() => 'committed', (err) => err.code ?? String(err)))
  return Response.json({ id: session.id })
})

export async function GET(request) {
  const outcome = outcomes.get(new URL(request.url).searchParams.get('token'))
  return Response.json(outcome === undefined ? null : await outcome)
}
