// Independent verifier of our credentials: Digital Bazaar's VC 2.0 implementation with the
// eddsa-rdfc-2022 cryptosuite and the Bitstring Status List checker. It shares no code with
// the application's verifier, only the vendored JSON-LD contexts (nothing is fetched).
//
// Input on stdin: {"credential": {...}, "documents": {"<url or did>": {...}}} where documents
// hold what a verifier would download (the DID document, the status list credentials).
// Output on stdout: {"verified": bool, "revoked": bool | null, "errors": [string]}.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const here = dirname(fileURLToPath(import.meta.url));
const contextsDir = join(here, '..', '..', 'lms', 'credentials', 'contexts');
const CONTEXTS = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.jsonld',
  'https://www.w3.org/ns/did/v1': 'did-v1.jsonld',
};

const input = JSON.parse(readFileSync(0, 'utf8'));
const documents = input.documents || {};

async function documentLoader(url) {
  if(CONTEXTS[url]) {
    const document = JSON.parse(readFileSync(join(contextsDir, CONTEXTS[url]), 'utf8'));
    return {contextUrl: null, documentUrl: url, document};
  }
  const [base, fragment] = url.split('#');
  if(base.startsWith('did:') && documents[base]) {
    const didDocument = documents[base];
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = (didDocument.verificationMethod || []).find(m => m.id === url);
    if(method) {
      const document = {'@context': 'https://w3id.org/security/multikey/v1', ...method};
      return {contextUrl: null, documentUrl: url, document};
    }
  }
  if(documents[url]) {
    return {contextUrl: null, documentUrl: url, document: documents[url]};
  }
  throw new Error(`document not available offline: ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
const result = await vc.verifyCredential({
  credential: input.credential, suite, documentLoader, checkStatus,
});
const errors = [];
const collect = error => {
  if(!error) {
    return;
  }
  for(const one of error.errors || [error]) {
    errors.push(one.message || String(one));
  }
};
collect(result.error);
for(const proofResult of result.results || []) {
  collect(proofResult.error);
}
const statuses = result.statusResult?.results || [];
collect(result.statusResult?.error);
const revoked = statuses.length ? statuses.some(status => status.status === true) : null;
process.stdout.write(JSON.stringify({verified: result.verified, revoked, errors}, null, 2) + '\n');
