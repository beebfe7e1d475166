// Records the requests of the SDK's first-factor calls (issue #12): the
// GraphQL logins with their `.well-known` key fetch and RSA-encrypted
// password, loginByEmailCode (REST), sendSmsCode, sendEmail, logout and
// checkLoginStatus. Written into the `login` section of
// tests/fixtures/js_sdk_wire.json by capture.js; compared with the library by
// tests/wire_login.rs. Used by capture.js; not run alone.
//
// Determinism (the fixture is checked byte for byte by `run.sh --check`):
// - The RSA key pair the recording server publishes on GET /api/v2/.well-known
//   is kept in the fixture (`login.rsaKey`) and reused by every later capture;
//   a new one is generated only when the fixture has none, or with --new-key.
// - The password ciphertext is random (PKCS#1 v1.5 padding): the fixture holds
//   the decrypted plaintext in its place, plus the ciphertext's length.
// - JSEncrypt drops a leading zero byte of the ciphertext about once in 256
//   encryptions (base64 of k-1 bytes, a body four characters shorter). Such
//   an attempt is not recorded: the case is run again with a fresh client (at
//   most MAX_ATTEMPTS times), so that the fixture holds the full-length form. The library always
//   sends the full length (a deliberate difference, see tests/wire_login.rs).
'use strict';

const http = require('http');
const crypto = require('crypto');
const { AuthenticationClient } = require('authing-js-sdk');

const MAX_ATTEMPTS = 8;
const DEFAULT_OPTIONS = { userPoolId: 'pool-1', appId: 'app-1' };

// Positional arguments of each method, as the library's flattened params keys,
// in argument order; `options: true` means every other key goes into a last
// options object (left out when there is no other key).
const SIGNATURES = {
  loginByEmail: { args: ['email', 'password'], options: true },
  loginByUsername: { args: ['username', 'password'], options: true },
  loginByPhonePassword: { args: ['phone', 'password'], options: true },
  loginByPhoneCode: { args: ['phone', 'code'], options: true },
  loginByEmailCode: { args: ['email', 'code'], options: true },
  sendSmsCode: { args: ['phone', 'phoneCountryCode', 'scene'] },
  sendEmail: { args: ['email', 'scene'] },
  logout: { args: [] },
  checkLoginStatus: { args: ['token'] },
};

const FULL = {
  autoRegister: true,
  captchaCode: 'xj72',
  clientIp: '203.0.113.7',
  customData: { school: 'MIT', age: 20, vip: true, tags: ['a', 'b'], nested: { x: null } },
  context: { source: 'wire-test', n: 1 },
};

// jsMethod defaults to the id up to the first '.'; clientOptions to
// DEFAULT_OPTIONS; userToken (stored in the client before the call) to null;
// params (the library's flattened keys; null: called with no argument), or
// paramsText: the same as JSON text, which the library is given verbatim.
const CASES = [
  { id: 'loginByEmail.minimal', params: { email: 'a@example.com', password: 'p@ssw0rd' } },
  { id: 'loginByEmail.full', userToken: 'user-token-1',
    params: { email: 'a@example.com', password: 'p@ssw0rd', ...FULL } },
  { id: 'loginByEmail.paramsNotCustomData',
    params: { email: 'a@example.com', password: 'p@ssw0rd', autoRegister: false, params: { from: 'old-api', k: [1, 2] } } },
  { id: 'loginByEmail.customDataWinsOverParams',
    params: { email: 'a@example.com', password: 'p@ssw0rd', params: { ignored: true }, customData: { k: 'v' } } },
  // The caller's JSON text, parsed as JSON.parse would (paramsText, given to
  // both sides as is): JSON.stringify then writes array-index keys first,
  // ascending, and numbers as JavaScript does (20.0 -> 20, 1e21 -> 1e+21,
  // 1e-7, -0 -> 0, integers beyond 2^53 rounded to a double).
  { id: 'loginByEmail.jsonText',
    paramsText: '{"email":"a@example.com","password":"p@ssw0rd","customData":{"b":1,"10":2.0,"2":3,"01":4,' +
      '"4294967295":5,"x":{"z":1e21,"5":1e-7,"n":-0.0,"big":12345678901234567890,"f":0.1}},' +
      '"context":{"k":[1.50,{"9":1,"a":2}],"0":"zero"},"clientIp":"203.0.113.7"}' },
  { id: 'loginByPhoneCode.jsonTextParams',
    paramsText: '{"phone":"13800000000","code":"1234","params":{"b":true,"3":1.0}}' },
  // Empty objects are truthy: sent as "[]" / "{}".
  { id: 'loginByEmailCode.emptyObjects',
    params: { email: 'a@example.com', code: '1234', customData: {}, context: {} } },
  { id: 'loginByUsername.minimal', userToken: 'user-token-1', params: { username: 'alice', password: 'p@ssw0rd' } },
  { id: 'loginByUsername.full', params: { username: 'alice', password: 'p@ssw0rd', ...FULL } },
  // JSEncrypt's own UTF-16 to bytes: UTF-8 in the BMP, two 3-byte sequences
  // for a character outside it (CESU-8). Also " and \ in the JSON body.
  { id: 'loginByUsername.unicodePassword',
    params: { username: '用户', password: 'pä密"\\ 🔑x' } },
  { id: 'loginByPhonePassword.minimal', params: { phone: '13800000000', password: 'p@ssw0rd' } },
  { id: 'loginByPhonePassword.full', userToken: 'user-token-1',
    params: { phone: '13800000000', password: 'p@ssw0rd', ...FULL } },
  { id: 'loginByPhoneCode.minimal', params: { phone: '13800000000', code: '1234' } },
  { id: 'loginByPhoneCode.full', userToken: 'user-token-1',
    params: { phone: '13800000000', code: '1234', phoneCountryCode: '+86', clientIp: '203.0.113.7',
      customData: FULL.customData, context: FULL.context } },
  { id: 'loginByPhoneCode.headerOptions',
    clientOptions: { userPoolId: 'pool-1', appId: 'app-1', tenantId: 'tenant-9', lang: 'en-US', requestFrom: 'my-app' },
    params: { phone: '13800000000', code: '1234' } },
  { id: 'loginByEmailCode.minimal', params: { email: 'a@example.com', code: '1234' } },
  // The stored token is never sent by loginByEmailCode (unSetToken).
  { id: 'loginByEmailCode.full', userToken: 'user-token-1',
    params: { email: 'a@example.com', code: '1234', phoneCountryCode: '+86', clientIp: '203.0.113.7',
      customData: FULL.customData, context: FULL.context } },
  { id: 'sendSmsCode.mfaVerify', params: { phone: '13800000000', phoneCountryCode: '+86', scene: 'mfa-verify' } },
  { id: 'sendSmsCode.phoneOnly', userToken: 'user-token-1', params: { phone: '13800000000' } },
  { id: 'sendEmail.mfaVerifyCode', params: { email: 'a@example.com', scene: 'MFA_VERIFY_CODE' } },
  { id: 'sendEmail.withToken', userToken: 'user-token-1', params: { email: 'a@example.com', scene: 'LOGIN_VERIFY_CODE' } },
  { id: 'logout', userToken: 'user-token-1', params: null },
  { id: 'logout.noToken', params: null },
  // Deliberate difference: without appId the SDK sends app_id=undefined.
  { id: 'logout.noAppId', userToken: 'user-token-1', clientOptions: { userPoolId: 'pool-1' }, params: null },
  { id: 'checkLoginStatus.token', userToken: 'user-token-1', params: { token: 'token-to-check' } },
  { id: 'checkLoginStatus.noArg', userToken: 'user-token-1', params: null },
  { id: 'checkLoginStatus.noArgNoToken', params: null },
  { id: 'checkLoginStatus.noAppId', clientOptions: { userPoolId: 'pool-1' }, params: { token: 'token-to-check' } },
];

// What the recording server answers, by path (GraphQL: by the root field of
// the document). The logins answer a user, so the SDK proceeds.
const USER = { id: 'u1', token: 'tok-u1' };
function answerFor(method, path, body, publicKeyPem) {
  const p = path.split('?')[0];
  if (p === '/api/v2/.well-known') return { code: 200, message: '', data: { publicKey: publicKeyPem } };
  if (p === '/graphql/v2') {
    const query = JSON.parse(body).query;
    const root = /(?:mutation|query)\s+(\w+)/.exec(query)[1];
    const data = {
      sendEmail: { message: 'sent', code: 200 },
      checkLoginStatus: { code: 200, message: 'ok', status: true, exp: 1700003600, iat: 1700000000,
        data: { id: 'u1', userPoolId: 'p1', arn: 'arn' } },
    }[root] || USER;
    return { data: { [root]: data } };
  }
  if (p === '/api/v2/login/email-code') return { code: 200, message: 'ok', data: USER };
  return { code: 200, message: 'ok', data: null };
}

function startServer(state) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.length ? body.toString('utf8') : null;
      state.log.push({ method: req.method, path: req.url, headers: { ...req.headers }, body: text });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answerFor(req.method, req.url, text, state.publicKeyPem)));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function sortKeys(obj) {
  return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, obj[k]]));
}

// JSEncrypt's bytes for a string (pkcs1pad2 in the SDK's jsencrypt.js): each
// UTF-16 unit as 1, 2 or 3 bytes.
function jsencryptBytes(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) out.push(c);
    else if (c < 2048) out.push((c >> 6) | 192, (c & 63) | 128);
    else out.push((c >> 12) | 224, ((c >> 6) & 63) | 128, (c & 63) | 128);
  }
  return Buffer.from(out);
}

// RSA PKCS#1 v1.5 decryption. Node 20 refuses RSA_PKCS1_PADDING for private
// decryption (CVE-2023-46809, the Marvin attack) unless the whole process runs
// with --security-revert=CVE-2023-46809; instead the raw RSA operation is done
// (RSA_NO_PADDING) and the block type 2 padding is checked here, which works on
// every Node version. (Timing does not matter: a test key, a test password.)
function decryptPkcs1v15(privateKeyPem, ciphertext) {
  const key = crypto.createPrivateKey(privateKeyPem);
  const k = (key.asymmetricKeyDetails.modulusLength + 7) >> 3;
  if (ciphertext.length > k) throw new Error(`ciphertext of ${ciphertext.length} bytes for a ${k}-byte key`);
  const padded = Buffer.concat([Buffer.alloc(k - ciphertext.length), ciphertext]);
  const em = crypto.privateDecrypt({ key, padding: crypto.constants.RSA_NO_PADDING }, padded);
  if (em[0] !== 0 || em[1] !== 2) throw new Error('not PKCS#1 v1.5 block type 2');
  const sep = em.indexOf(0, 2);
  if (sep < 10) throw new Error('PKCS#1 v1.5 padding string shorter than 8 bytes or no separator');
  return em.subarray(sep + 1);
}

function jsArgs(jsMethod, params) {
  if (params === null) return [];
  const sig = SIGNATURES[jsMethod];
  const args = sig.args.map((k) => params[k]);
  if (sig.options) {
    const rest = Object.fromEntries(Object.entries(params).filter(([k]) => !sig.args.includes(k)));
    if (Object.keys(rest).length) args.push(JSON.parse(JSON.stringify(rest)));
  }
  // Trailing undefined arguments are left out, as a caller would.
  while (args.length && args[args.length - 1] === undefined) args.pop();
  return args;
}

// The library's flattened params of a case (parsed from paramsText if given).
function paramsOf(c) {
  return c.paramsText !== undefined ? JSON.parse(c.paramsText) : c.params;
}

async function runOnce(c, port, state) {
  const jsMethod = c.jsMethod || c.id.split('.')[0];
  const clientOptions = c.clientOptions || DEFAULT_OPTIONS;
  // The constructor deletes falsy keys from the object it is given: pass a copy.
  // appHost is set, so loginByEmailCode's raw `options.appHost` URL is the same.
  const client = new AuthenticationClient({ ...clientOptions, appHost: `http://127.0.0.1:${port}` });
  if (c.userToken) client.setToken(c.userToken);
  const fn = client[jsMethod];
  if (typeof fn !== 'function') throw new Error(`${c.id}: client.${jsMethod} is not a function`);
  const args = jsArgs(jsMethod, paramsOf(c));
  state.log = [];
  const value = await fn.apply(client, args);
  // Give any stray follow-up request a chance to arrive before counting.
  await new Promise((r) => setTimeout(r, 50));
  return { jsMethod, clientOptions, args, value, log: state.log };
}

async function runCase(c, port, state, privateKeyPem) {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const run = await runOnce(c, port, state);
    const requests = [];
    let password;
    let short = false;
    for (const r of run.log) {
      const headers = sortKeys(r.headers);
      if (headers.host) headers.host = headers.host.replace(`:${port}`, ':PORT');
      let body = r.body;
      const input = body && r.path === '/graphql/v2' ? JSON.parse(body).variables.input : undefined;
      if (input && typeof input.password === 'string') {
        const cipherB64 = input.password;
        const cipher = Buffer.from(cipherB64, 'base64');
        const plain = decryptPkcs1v15(privateKeyPem, cipher);
        const expected = jsencryptBytes(paramsOf(c).password);
        if (!plain.equals(expected)) {
          throw new Error(`${c.id}: the decrypted password is ${plain.toString('hex')}, not ${expected.toString('hex')}`);
        }
        const k = (crypto.createPrivateKey(privateKeyPem).asymmetricKeyDetails.modulusLength + 7) >> 3;
        short = cipher.length !== k;
        const needle = `"password":${JSON.stringify(cipherB64)}`;
        if (body.split(needle).length !== 2) throw new Error(`${c.id}: the ciphertext is not in the body once`);
        body = body.replace(needle, `"password":${JSON.stringify(paramsOf(c).password)}`);
        password = {
          plaintext: paramsOf(c).password,
          decryptedHex: plain.toString('hex'),
          ciphertextBytes: cipher.length,
          ciphertextBase64Chars: cipherB64.length,
        };
      }
      requests.push({ method: r.method, path: r.path, headers, body });
    }
    if (short) continue; // see the top of this file
    const out = {
      id: c.id,
      jsMethod: run.jsMethod,
      clientOptions: run.clientOptions,
      userToken: c.userToken || null,
      params: paramsOf(c),
      jsCall: `${run.jsMethod}(${run.args.map((a) => JSON.stringify(a)).join(', ')})`,
      requests,
    };
    if (c.paramsText !== undefined) out.paramsText = c.paramsText;
    if (password) out.password = password;
    out.resolved = run.value === undefined ? null : JSON.parse(JSON.stringify(run.value));
    return out;
  }
  throw new Error(`${c.id}: ${MAX_ATTEMPTS} ciphertexts in a row were short; something else is wrong`);
}

function newKey() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 1024,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { modulusBits: 1024, publicKeyPem: publicKey, privateKeyPem: privateKey };
}

// `previousKey`: the committed fixture's `login.rsaKey`, reused when present.
async function captureLogin(previousKey) {
  const rsaKey = previousKey || newKey();
  const state = { log: [], publicKeyPem: rsaKey.publicKeyPem };
  const server = await startServer(state);
  const port = server.address().port;
  const cases = [];
  try {
    for (const c of CASES) cases.push(await runCase(c, port, state, rsaKey.privateKeyPem));
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const byId = Object.fromEntries(cases.map((x) => [x.id, x]));
  const show = (v) => (v === undefined ? 'absent' : `'${v}'`);
  const notes = [
    'The recording server publishes rsaKey.publicKeyPem (SPKI) on GET /api/v2/.well-known as ' +
      '{"code":200,"message":"","data":{"publicKey":...}}; the pair is generated once (node crypto, ' +
      `${rsaKey.modulusBits} bits) and reused by later captures (bash tests/js-wire/run.sh --new-key replaces it). Test-only key.`,
    'In each recorded GraphQL login body the password ciphertext (base64 RSA PKCS#1 v1.5) is replaced by the ' +
      'plaintext it decrypts to; password.decryptedHex is the decrypted bytes (JSEncrypt: UTF-16 units as UTF-8 ' +
      'by hand, CESU-8 outside the BMP); content-length is that of the real body with the ciphertext.',
    'JSEncrypt does not left-pad the ciphertext: about 1 in 256 encryptions is k-1 bytes. Such attempts are run ' +
      'again so this fixture holds the full-length form.',
    `Every password login fetches the key first, in a fresh client: ${byId['loginByEmail.full'].requests.map((r) => `${r.method} ${r.path.split('?')[0]}`).join(', ')}; ` +
      `the .well-known GET carries the stored token (authorization ${show(byId['loginByEmail.full'].requests[0].headers.authorization)}).`,
    `loginByEmailCode never sends the stored token: authorization ${show(byId['loginByEmailCode.full'].requests[0].headers.authorization)} with one stored.`,
    `logout without appId: ${byId['logout.noAppId'].requests[0].path}.`,
    `checkLoginStatus() without a token sends variables ${JSON.stringify(JSON.parse(byId['checkLoginStatus.noArg'].requests[0].body).variables)}.`,
  ];
  return { rsaKey, notes, cases };
}

module.exports = { captureLogin, CASES };
