// The texts of the RFC 8439 test vectors (https://www.rfc-editor.org/rfc/rfc8439), shared by the
// ChaCha20, Poly1305 and AEAD suites.

import { utf8 } from './bytes'

// RFC 8439 §2.4.2 and §2.8.2 plaintext.
export const sunscreen = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")
// RFC 8439 A.2 test vector #2, A.3 #2 and #3.
export const ietfText = utf8(
  'Any submission to the IETF intended by the Contributor for publication as all or part of an IETF Internet-Draft ' +
    'or RFC and any statement made within the context of an IETF activity is considered an "IETF Contribution". ' +
    'Such statements include oral statements in IETF sessions, as well as written and electronic communications ' +
    'made at any time or place, which are addressed to',
)
// RFC 8439 A.2 test vector #3, A.3 #4.
export const jabberwocky = utf8("'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.")
