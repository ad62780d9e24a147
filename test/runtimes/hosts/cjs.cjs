// Host of the behaviour suite on Node through require(): the package by its CommonJS entries.
// The suite itself is an ES module, loaded by import(); the package is what require() loads.
// Prints one line: RESULT <json>.
'use strict'

const load = async () => ({
  core: require('simplesessions'),
  fetchAdapter: require('simplesessions/adapters/fetch'),
  memory: require('simplesessions/stores/memory'),
  cookie: require('simplesessions/stores/cookie'),
  // The Hono app's requires: loaded when its check runs, outside the import -> first verify time.
  hono: async () => require('hono'),
  honoAdapter: async () => require('simplesessions/adapters/hono'),
})

import('./suite.mjs')
  .then(({ main }) => main(load, () => performance.now()))
  .then((result) => console.log(`RESULT ${JSON.stringify(result)}`))
