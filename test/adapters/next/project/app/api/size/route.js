import { store } from '../../../lib/session.js'

// How many sessions the store holds (what "nothing stored" is checked against).
export const dynamic = 'force-dynamic'
export function GET() {
  return Response.json({ size: store.size })
}
