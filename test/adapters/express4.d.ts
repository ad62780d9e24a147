// Express 4, installed beside Express 5 under the alias express4 (package.json); its API for
// these tests is Express 5's types, which @types/express describes.
declare module 'express4' {
  import express = require('express')
  export = express
}
