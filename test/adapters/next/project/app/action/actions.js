'use server'
import { getSession } from 'simplesessions/adapters/next'
import { manager } from '../../lib/session.js'

/** A server action: sets the form's value and commits. */
export async function remember(formData) {
  const session = await getSession(manager)
  await session.set('remembered', String(formData.get('value')))
  await session.commit()
}
