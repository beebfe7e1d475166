#!/usr/bin/env node
// Records the exact HTTP requests that the official authing-node-sdk (v3 API,
// `AuthenticationClient`) sends for the calls this library implements from it
// (issue #13): signInByCredentials and two of its wrappers
// (signInByEmailPassword, signInByPhonePassCode), and the eight factor calls
// sendEnrollFactorRequest, enrollFactor, resetFactor, listEnrolledFactors,
// getFactor, listFactorsToEnroll, mfaOtpVerify and verifyMfaToken, each under
// the three `tokenEndPointAuthMethod`s. Writes them to
// tests/fixtures/node_sdk_v3_wire.json, the golden fixture of tests/wire_v3.rs.
//
//   node tests/v3-wire/capture.js           regenerate the fixture
//   node tests/v3-wire/capture.js --check   regenerate into a temp file and fail
//                                           (exit 1) if it differs from the
//                                           committed fixture
//
// Only 127.0.0.1 is contacted: the SDK is pointed at a local recording server
// that answers v3 envelopes, so every call resolves normally.
'use strict';

// axios honours proxy environment variables (including npm_config_proxy when run
// through npm); a proxy would both leave the machine and change what is
// recorded (absolute-URI paths, proxy headers), so drop them before axios loads.
for (const k of Object.keys(process.env)) if (/proxy/i.test(k)) delete process.env[k];

const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { AuthenticationClient } = require('authing-node-sdk');

// Node >= 19: its default http agent keeps connections alive, which is what the
// recorded `connection: keep-alive` header reflects (older Node sends `close`).
if (Number(process.versions.node.split('.')[0]) < 19) {
  console.error(`capture.js needs Node >= 19 (found ${process.version}); see comment above.`);
  process.exit(2);
}

const SDK_VERSION = require('authing-node-sdk/package.json').version;
const AXIOS_VERSION = require('axios/package.json').version;
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'node_sdk_v3_wire.json');

// The three ways the application authenticates on /api/v3/signin. The
// constructor requires appSecret unless the method is `none`.
const AUTH = {
  post: { appId: 'app-1', appSecret: 'secret-1', tokenEndPointAuthMethod: 'client_secret_post' },
  basic: { appId: 'app-1', appSecret: 'secret-1', tokenEndPointAuthMethod: 'client_secret_basic' },
  none: { appId: 'app-1', tokenEndPointAuthMethod: 'none' },
};

// The calls made under every method. `accessToken`: given to setAccessToken
// before the call (null: none). `params`: the one argument (null: none), or
// `paramsText`: the caller's JSON text, JSON.parse'd for the SDK and given to
// the library verbatim.
const CALLS = [
  { id: 'signInByEmailPassword', params: { email: 'a@example.com', password: 'p@ss w0rd"\\' } },
  { id: 'signInByPhonePassCode',
    params: { phone: '13800000000', phoneCountryCode: '+86', passCode: '123456' } },
  { id: 'signInByPhonePassCode.noCountry', params: { phone: '13800000000', passCode: '123456' } },
  { id: 'signInByCredentials.password',
    params: { connection: 'PASSWORD', passwordPayload: { account: 'alice', password: 'p@ssw0rd' },
      options: { scope: 'openid profile', clientIp: '203.0.113.7', autoRegister: false,
        context: { source: 'wire-test', n: 1 } } } },
  // A stored access token also goes to /api/v3/signin, except where Basic
  // replaces it (client_secret_basic).
  { id: 'signInByCredentials.passCode.withAccessToken', accessToken: 'at-1',
    params: { connection: 'PASSCODE', passCodePayload: { email: 'a@example.com', passCode: '123456' } } },
  { id: 'sendEnrollFactorRequest.otp', accessToken: 'at-1', params: { factorType: 'OTP' } },
  { id: 'sendEnrollFactorRequest.sms', accessToken: 'at-1',
    params: { factorType: 'SMS', profile: { phoneNumber: '13800000000', phoneCountryCode: '+86' } } },
  { id: 'sendEnrollFactorRequest.email', accessToken: 'at-1',
    params: { factorType: 'EMAIL', profile: { email: 'a@example.com' } } },
  { id: 'enrollFactor', accessToken: 'at-1',
    params: { factorType: 'SMS', enrollmentToken: 'enroll-token-1', enrollmentData: { passCode: '123456' } } },
  { id: 'resetFactor', accessToken: 'at-1', params: { factorId: 'factor-1' } },
  { id: 'listEnrolledFactors', accessToken: 'at-1', params: null },
  { id: 'getFactor', accessToken: 'at-1', params: { factorId: 'factor-1' } },
  { id: 'listFactorsToEnroll', accessToken: 'at-1', params: null },
  { id: 'mfaOtpVerify', accessToken: 'at-1', params: { totp: '123456' } },
  { id: 'verifyMfaToken', accessToken: 'at-1', params: { token: 'mfa-token-1' } },
  { id: 'verifyMfaToken.noAccessToken', params: { token: 'mfa-token-1' } },
];

// Cases that do not depend on the method: run once, with client_secret_post.
const EXTRA = [
  // The access token as a constructor option instead of setAccessToken.
  { id: 'accessTokenOption.listEnrolledFactors', jsMethod: 'listEnrolledFactors',
    clientOptions: { ...AUTH.post, accessToken: 'at-opt' }, params: null },
  // The default tokenEndPointAuthMethod (client_secret_post).
  { id: 'defaultAuthMethod.signInByEmailPassword', jsMethod: 'signInByEmailPassword',
    clientOptions: { appId: 'app-1', appSecret: 'secret-1' },
    params: { email: 'a@example.com', password: 'p@ssw0rd' } },
  // axios 1.x query encoding (encodeURIComponent, then : $ , [ ] restored
  // and space as +).
  { id: 'getFactor.encoding', jsMethod: 'getFactor', accessToken: 'at-1',
    params: { factorId: "a b/c:d,e[f]$g&h=i+j~k'l(m)n*o!p#q?r%s" } },
  // JSON.stringify of the caller's objects: array-index keys first,
  // ascending; numbers as JavaScript writes them; raw UTF-8, U+2028 and
  // escapes of " \ and C0 controls.
  { id: 'sendEnrollFactorRequest.jsonText', jsMethod: 'sendEnrollFactorRequest', accessToken: 'at-1',
    paramsText: '{"factorType":"FACE","profile":{"b":1,"10":2.0,"2":3,"01":4,' +
      '"x":{"z":1e21,"5":1e-7,"n":-0.0,"big":12345678901234567890,"f":0.1,"t":[true,null,1.50]},' +
      '"name":"用户 a\\"b\\\\c\\u0001\\u2028d"}}' },
  { id: 'enrollFactor.unicode', jsMethod: 'enrollFactor', accessToken: 'at-1',
    params: { factorType: 'EMAIL', enrollmentToken: 'enroll-token-1',
      enrollmentData: { passCode: '12\u00e93\u2028', email: '用户@例子.com' } } },
  { id: 'signInByCredentials.jsonText', jsMethod: 'signInByCredentials',
    paramsText: '{"connection":"PASSWORD","passwordPayload":{"password":"pw","email":"a@example.com"},' +
      '"options":{"customData":{"3":1,"a":[1.0,2.5e-8]},"passwordEncryptType":"none"}}' },
];

function allCases() {
  const cases = [];
  for (const [auth, clientOptions] of Object.entries(AUTH)) {
    for (const c of CALLS) {
      cases.push({ ...c, id: `${auth}.${c.id}`, jsMethod: c.id.split('.')[0], clientOptions });
    }
  }
  for (const c of EXTRA) cases.push({ ...c, clientOptions: c.clientOptions || AUTH.post });
  return cases;
}

// What the recording server answers, by path: the v3 envelope, or for the
// introspection a bare object.
function answerFor(pathOnly) {
  const v3 = (data) => ({ statusCode: 200, message: '', ...(data === undefined ? {} : { data }) });
  switch (pathOnly) {
    case '/api/v3/signin':
      return v3({ scope: 'openid profile', access_token: 'at-1', id_token: 'id-1', token_type: 'Bearer',
        expire_in: 1209600 });
    case '/api/v3/send-enroll-factor-request':
      return v3({ enrollmentToken: 'enroll-token-1' });
    case '/api/v3/enroll-factor':
    case '/api/v3/reset-factor':
      return v3(undefined);
    case '/api/v3/list-enrolled-factors':
      return v3([{ factorId: 'factor-1', factorType: 'SMS', profile: { phoneNumber: '13800000000' } }]);
    case '/api/v3/get-factor':
      return v3({ factorId: 'factor-1', factorType: 'SMS', profile: { phoneNumber: '13800000000' } });
    case '/api/v3/list-factors-to-enroll':
      return v3([{ factorType: 'OTP' }, { factorType: 'EMAIL' }]);
    case '/api/v3/mfa-totp-verify':
      return v3({ verified: true });
    case '/mfa/token/introspection':
      return { active: true, userPoolId: 'p1', userId: 'u1', exp: 1700003600, iat: 1700000000 };
    default:
      return { statusCode: 404, message: `no such path in capture.js: ${pathOnly}` };
  }
}

function startServer(log) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      log.push({
        method: req.method,
        path: req.url,
        headers: { ...req.headers },
        rawHeaders: req.rawHeaders, // wire case and order of names, used for notes only
        body: body.length ? body.toString('utf8') : null,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answerFor(req.url.split('?')[0])));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function sortKeys(obj) {
  return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, obj[k]]));
}

async function runCase(c, port, log) {
  // The constructor writes its defaults into the object it is given: pass a copy.
  const client = new AuthenticationClient({ ...c.clientOptions, appHost: `http://127.0.0.1:${port}` });
  if (c.accessToken) client.setAccessToken(c.accessToken);
  const fn = client[c.jsMethod];
  if (typeof fn !== 'function') throw new Error(`${c.id}: client.${c.jsMethod} is not a function`);
  let args;
  if (c.paramsText !== undefined) args = [JSON.parse(c.paramsText)];
  else if (c.params === null) args = [];
  else args = [JSON.parse(JSON.stringify(c.params))];

  log.length = 0;
  const result = await fn.apply(client, args);
  // Give any stray follow-up request a chance to arrive before counting.
  await new Promise((r) => setTimeout(r, 20));
  if (log.length !== 1) {
    throw new Error(`${c.id}: expected exactly 1 request, got ${log.length}: ` +
      JSON.stringify(log.map((r) => `${r.method} ${r.path}`)));
  }
  const expected = answerFor(log[0].path.split('?')[0]);
  if (JSON.stringify(result) !== JSON.stringify(expected)) {
    throw new Error(`${c.id}: the SDK resolved with ${JSON.stringify(result)}`);
  }
  const r = log[0];
  const headers = sortKeys(r.headers);
  // The port is random; everything else is kept exactly as received.
  if (headers.host) headers.host = headers.host.replace(`:${port}`, ':PORT');
  const out = { id: c.id, jsMethod: c.jsMethod, clientOptions: c.clientOptions, accessToken: c.accessToken || null };
  if (c.paramsText !== undefined) out.paramsText = c.paramsText;
  else out.params = c.params;
  out.request = { method: r.method, path: r.path, headers, body: r.body };
  return { out, rawHeaders: r.rawHeaders };
}

// Observations worth flagging, derived from what was actually recorded, so they
// cannot go stale while the fixture still matches.
function buildNotes(results) {
  const byId = Object.fromEntries(results.map((x) => [x.out.id, x]));
  const req = (id) => byId[id].out.request;
  const h = (id) => req(id).headers;
  const show = (v) => (v === undefined ? 'absent' : `'${v}'`);
  const rawNames = (id) => byId[id].rawHeaders.filter((_, i) => i % 2 === 0);
  const post = h('post.mfaOtpVerify');
  const get = h('post.listEnrolledFactors');
  const intro = h('post.verifyMfaToken');
  return [
    `authing-node-sdk@${SDK_VERSION} sends through axios@${AXIOS_VERSION} (the version npm resolved from the lock file).`,
    `Headers of a factor POST: ${Object.keys(post).join(', ')}; of a GET: ${Object.keys(get).join(', ')}. ` +
      'No x-authing-userpool-id, x-authing-sdk-version, x-authing-lang or x-authing-request-from.',
    `accept is ${show(post.accept)}; POST content-type is ${show(post['content-type'])}; ` +
      `user-agent is ${show(post['user-agent'])}; accept-encoding is ${show(post['accept-encoding'])}.`,
    `GET sends no body, content-type ${show(get['content-type'])}, content-length ${show(get['content-length'])}.`,
    `The access token goes out raw: authorization ${show(post.authorization)}.`,
    `/api/v3/signin: client_secret_basic sends authorization ${show(h('basic.signInByEmailPassword').authorization)} ` +
      `(base64 of appId:appSecret), also when an access token is stored ` +
      `(${show(h('basic.signInByCredentials.passCode.withAccessToken').authorization)}); ` +
      `client_secret_post and none send the stored access token ` +
      `(${show(h('post.signInByCredentials.passCode.withAccessToken').authorization)}, ` +
      `${show(h('none.signInByCredentials.passCode.withAccessToken').authorization)}) and nothing without one ` +
      `(${show(h('post.signInByCredentials.password').authorization)}).`,
    `The signInBy* wrappers add client_id and client_secret under client_secret_post only: ` +
      `${req('post.signInByEmailPassword').body} versus ${req('basic.signInByEmailPassword').body}; ` +
      `signInByCredentials sends its argument as is: ${req('post.signInByCredentials.password').body}.`,
    `verifyMfaToken posts ${req('post.verifyMfaToken').path} with body ${show(req('post.verifyMfaToken').body)}, ` +
      `content-type ${show(intro['content-type'])}, content-length ${show(intro['content-length'])}, and the stored ` +
      `access token (${show(intro.authorization)}); without one, authorization ` +
      `${show(h('post.verifyMfaToken.noAccessToken').authorization)}.`,
    `connection ${show(post.connection)} comes from Node's default http agent (keep-alive since Node 19), not from the SDK.`,
    `Header names on the wire, in order, for a factor POST: ${rawNames('post.mfaOtpVerify').join(', ')}. ` +
      'The fixture lower-cases names (as Node reports them) and sorts them.',
    `axios query encoding: ${req('getFactor.encoding').path}`,
  ];
}

async function capture() {
  const log = [];
  const server = await startServer(log);
  const port = server.address().port;
  const results = [];
  try {
    for (const c of allCases()) results.push(await runCase(c, port, log));
  } finally {
    server.closeAllConnections(); // Node's default agent keeps connections alive
    server.close();
  }
  const fixture = {
    sdk: `authing-node-sdk@${SDK_VERSION}`,
    axios: `axios@${AXIOS_VERSION}`,
    notes: buildNotes(results),
    cases: results.map((x) => x.out),
  };
  return JSON.stringify(fixture, null, 2) + '\n';
}

function reportDiff(expectedFile, actualFile) {
  try {
    execFileSync('diff', ['-u', expectedFile, actualFile], { stdio: 'inherit' });
  } catch (_) {
    // diff exits 1 on differences (already printed) or is missing; either way we fail below.
  }
}

async function main() {
  const check = process.argv.includes('--check');
  const text = await capture();
  const n = JSON.parse(text).cases.length;
  if (!check) {
    fs.mkdirSync(path.dirname(FIXTURE), { recursive: true });
    fs.writeFileSync(FIXTURE, text);
    console.log(`wrote ${path.relative(process.cwd(), FIXTURE)} (${n} cases)`);
    return;
  }
  const committed = fs.existsSync(FIXTURE) ? fs.readFileSync(FIXTURE, 'utf8') : null;
  if (committed === text) {
    console.log(`ok: ${FIXTURE} matches authing-node-sdk@${SDK_VERSION} (${n} cases)`);
    return;
  }
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'v3-wire-')), path.basename(FIXTURE));
  fs.writeFileSync(tmp, text);
  console.error(`MISMATCH: ${FIXTURE} differs from what authing-node-sdk@${SDK_VERSION} does now.`);
  if (committed === null) console.error('(fixture file is missing)');
  else reportDiff(FIXTURE, tmp);
  console.error(`fresh capture kept at ${tmp}; regenerate with: bash tests/v3-wire/run.sh`);
  process.exitCode = 1;
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(2);
});
