#!/usr/bin/env node
// Records the exact HTTP requests that the official authing-js-sdk's MFA module
// (`AuthenticationClient#mfa`) sends, and writes them to
// tests/fixtures/js_sdk_wire.json as golden fixtures for the Rust wire tests
// (tests/wire.rs); the first-factor calls (logins, sendSmsCode, sendEmail,
// logout, checkLoginStatus) into its `login` section (login.js, for
// tests/wire_login.rs); and how the SDK reads a set of injected answers (what it
// resolves with or throws), into tests/fixtures/js_sdk_answers.json for
// tests/answers.rs (see answers.js).
//
//   node tests/js-wire/capture.js           regenerate both fixtures
//   node tests/js-wire/capture.js --check   regenerate into temp files and fail
//                                           (exit 1) if either differs from the
//                                           committed fixture
//   node tests/js-wire/capture.js --new-key also replace the RSA key pair of the
//                                           login section (login.js), which is
//                                           otherwise reused from the fixture
//
// Only 127.0.0.1 is contacted: the SDK is pointed at a local recording server.
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
const { AuthenticationClient } = require('authing-js-sdk');
const { captureAnswers } = require('./answers');
const { captureLogin } = require('./login');

// Node >= 19 is required: its default http agent keeps connections alive, which
// is what the recorded `connection: keep-alive` header reflects (older Node sends `close`).
if (Number(process.versions.node.split('.')[0]) < 19) {
  console.error(`capture.js needs Node >= 19 (found ${process.version}); see comment above.`);
  process.exit(2);
}

const SDK_VERSION = require('authing-js-sdk/package.json').version;
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'js_sdk_wire.json');
const ANSWERS_FIXTURE = path.join(__dirname, '..', 'fixtures', 'js_sdk_answers.json');
const DEFAULT_OPTIONS = { userPoolId: 'pool-1', appId: 'app-1' };
// Methods that take positional arguments: params keys, in argument order.
const POSITIONAL = { verifyFaceMfa: ['photo', 'mfaToken'] };

// jsMethod defaults to the id up to the first '.'; clientOptions to
// DEFAULT_OPTIONS; userToken to null; params null means "called with no argument".
const CASES = [
  { id: 'getMfaAuthenticators.noArg', userToken: 'user-token-1', params: null },
  { id: 'getMfaAuthenticators.typeOnly', userToken: 'user-token-1', params: { type: 'totp' } },
  { id: 'getMfaAuthenticators.mfaToken', userToken: 'user-token-1',
    params: { type: 'totp', mfaToken: 'mfa-token-1', source: 'APPLICATION' } },
  { id: 'getMfaAuthenticators.encoding',
    params: { type: "a b/c:d,e[f]$g&h=i+j~k'l(m)n*o!p", source: 'SELF' } },
  { id: 'assosicateMfaAuthenticator.noArg', userToken: 'user-token-1', params: null },
  { id: 'assosicateMfaAuthenticator.mfaToken',
    params: { authenticatorType: 'totp', mfaToken: 'mfa-token-1' } },
  { id: 'deleteMfaAuthenticator', userToken: 'user-token-1', params: null },
  { id: 'confirmAssosicateMfaAuthenticator.user', userToken: 'user-token-1',
    params: { authenticatorType: 'totp', totp: '123456' } },
  // Upstream bug: the SDK builds an mfaToken header for this call but never passes it on.
  { id: 'confirmAssosicateMfaAuthenticator.mfaToken', userToken: 'user-token-1', upstreamBug: 1,
    params: { authenticatorType: 'totp', totp: '123456', source: 'SELF', mfaToken: 'mfa-token-1' } },
  { id: 'verifyTotpMfa', userToken: 'user-token-1', params: { totp: '123456', mfaToken: 'mfa-token-1' } },
  { id: 'verifyTotpRecoveryCode',
    params: { recoveryCode: '10af-4f2f-f34f-f224-d21c-bd16', mfaToken: 'mfa-token-1' } },
  { id: 'verifyAppSmsMfa',
    params: { phone: '13800000000', code: '1234', mfaToken: 'mfa-token-1', phoneCountryCode: '+86' } },
  { id: 'verifyAppSmsMfa.noCountry', params: { phone: '13800000000', code: '1234', mfaToken: 'mfa-token-1' } },
  { id: 'verifyAppEmailMfa', params: { email: 'a@example.com', code: '1234', mfaToken: 'mfa-token-1' } },
  { id: 'phoneOrEmailBindable.phone', params: { phone: '13800000000', mfaToken: 'mfa-token-1' } },
  { id: 'phoneOrEmailBindable.email', params: { email: 'a@example.com', mfaToken: 'mfa-token-1' } },
  { id: 'associateFaceByUrl',
    params: { baseFace: 'https://img.example/a.jpg', compareFace: 'https://img.example/b.jpg', mfaToken: 'mfa-token-1' } },
  { id: 'associateFaceByUrl.userToken', userToken: 'user-token-1',
    params: { baseFace: 'https://img.example/a.jpg', compareFace: 'https://img.example/b.jpg' } },
  { id: 'verifyFaceMfa', params: { photo: 'face-photo/key-1.jpg', mfaToken: 'mfa-token-1' } },
  { id: 'options.tenantLangRequestFrom', jsMethod: 'verifyTotpMfa',
    clientOptions: { userPoolId: 'pool-1', appId: 'app-1', tenantId: 'tenant-9', lang: 'en-US', requestFrom: 'my-app' },
    params: { totp: '654321', mfaToken: 'mfa-token-2' } },
  { id: 'options.emptyAppId', jsMethod: 'verifyTotpMfa', clientOptions: { userPoolId: 'pool-1' },
    params: { totp: '654321', mfaToken: 'mfa-token-2' } },
  { id: 'options.tokenOption', jsMethod: 'getMfaAuthenticators',
    clientOptions: { userPoolId: 'pool-1', appId: 'app-1', token: 'opt-token-1' }, params: { type: 'totp' } },
  { id: 'unicode.body', jsMethod: 'verifyAppEmailMfa',
    params: { email: '用户@例子.com', code: 'a"b\\c\u0001\u2028d', mfaToken: 'mfa-token-1' } },
];

// A recording server: every request is stored and answered with a success
// envelope, so the SDK call resolves normally.
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
      const data = req.url.split('?')[0] === '/api/v2/applications/mfa/check'
        ? true : { id: 'u1', arn: 'arn', userPoolId: 'p1' };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 200, message: 'ok', data }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function sortKeys(obj) {
  return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, obj[k]]));
}

async function runCase(c, port, log) {
  const jsMethod = c.jsMethod || c.id.split('.')[0];
  const clientOptions = c.clientOptions || DEFAULT_OPTIONS;
  const userToken = c.userToken || null;
  // The constructor deletes falsy keys from the object it is given: pass a copy.
  const client = new AuthenticationClient({ ...clientOptions, appHost: `http://127.0.0.1:${port}` });
  if (userToken) client.setToken(userToken);

  const fn = client.mfa[jsMethod];
  if (typeof fn !== 'function') throw new Error(`${c.id}: client.mfa.${jsMethod} is not a function`);
  let args;
  if (c.params === null) args = [];
  else if (POSITIONAL[jsMethod]) args = POSITIONAL[jsMethod].map((k) => c.params[k]);
  else args = [{ ...c.params }];

  log.length = 0;
  await fn.apply(client.mfa, args);
  // Give any stray follow-up request a chance to arrive before counting.
  await new Promise((r) => setTimeout(r, 50));
  if (log.length !== 1) {
    throw new Error(`${c.id}: expected exactly 1 request, got ${log.length}: ` +
      JSON.stringify(log.map((r) => `${r.method} ${r.path}`)));
  }
  const r = log[0];
  const headers = sortKeys(r.headers);
  // The port is random; everything else is kept exactly as received.
  if (headers.host) headers.host = headers.host.replace(`:${port}`, ':PORT');
  const out = {
    id: c.id,
    jsMethod,
    clientOptions,
    userToken,
    params: c.params,
    request: { method: r.method, path: r.path, headers, body: r.body },
  };
  if (c.upstreamBug) out.upstreamBug = c.upstreamBug;
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
  const rawAuth = (id) => rawNames(id).find((n) => n.toLowerCase() === 'authorization');
  const post = h('verifyTotpMfa');
  const get = h('getMfaAuthenticators.typeOnly');
  const empty = h('options.emptyAppId');
  return [
    `The package is ${SDK_VERSION} but it sends x-authing-sdk-version ${show(post['x-authing-sdk-version'])}.`,
    `accept is ${show(post.accept)}; POST content-type is ${show(post['content-type'])} (no charset); ` +
      `user-agent is ${show(post['user-agent'])}; accept-encoding is ${show(post['accept-encoding'])}.`,
    `x-authing-lang is sent by default as ${show(post['x-authing-lang'])}; ` +
      `x-authing-request-from defaults to ${show(post['x-authing-request-from'])}.`,
    `GET and DELETE send no body, content-type ${show(get['content-type'])}, content-length ${show(get['content-length'])}.`,
    `connection ${show(post.connection)} comes from Node's default http agent (keep-alive since Node 19), not from the SDK.`,
    `Header names on the wire, in order, for a POST with mfaToken: ${rawNames('verifyTotpMfa').join(', ')}. ` +
      `For a GET with the stored user token: ${rawNames('getMfaAuthenticators.typeOnly').join(', ')}. ` +
      `So the header is spelled ${show(rawAuth('verifyTotpMfa'))} for an mfaToken and ` +
      `${show(rawAuth('getMfaAuthenticators.typeOnly'))} for the stored token. ` +
      'The fixture lower-cases names (as Node reports them) and sorts them.',
    `Without appId, x-authing-app-id is ${show(empty['x-authing-app-id'])}: empty header values are dropped; ` +
      `x-authing-app-tenant-id is ${show(post['x-authing-app-tenant-id'])} unless tenantId is set.`,
    `Upstream bug: confirmAssosicateMfaAuthenticator ignores its mfaToken and sent authorization ` +
      `${show(h('confirmAssosicateMfaAuthenticator.mfaToken').authorization)}.`,
    `Defaults apply only when there is no argument at all: ${req('getMfaAuthenticators.noArg').path} ` +
      `versus ${req('getMfaAuthenticators.typeOnly').path} for {type:'totp'}.`,
    'Undefined values are left out of query strings (axios) and JSON bodies (JSON.stringify), e.g. ' +
      `verifyAppSmsMfa.noCountry body ${req('verifyAppSmsMfa.noCountry').body}.`,
    `axios query encoding (encodeURIComponent, which keeps ! ' ( ) * ~ bare, then : $ , [ ] restored and space as +): ` +
      `${req('getMfaAuthenticators.encoding').path}`,
    'JSON bodies are JSON.stringify output: non-ASCII and U+2028 are sent as raw UTF-8, only " \\ and C0 ' +
      `controls are escaped; content-length counts UTF-8 bytes (unicode.body: ${h('unicode.body')['content-length']}).`,
  ];
}

// The RSA key pair of the committed fixture's login section, if any (login.js).
function committedLoginKey() {
  if (process.argv.includes('--new-key') || !fs.existsSync(FIXTURE)) return null;
  const old = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));
  return (old.login && old.login.rsaKey) || null;
}

async function capture() {
  const log = [];
  const server = await startServer(log);
  const port = server.address().port;
  const results = [];
  try {
    for (const c of CASES) results.push(await runCase(c, port, log));
  } finally {
    server.closeAllConnections(); // Node's default agent keeps connections alive
    server.close();
  }
  const fixture = {
    sdk: `authing-js-sdk@${SDK_VERSION}`,
    notes: buildNotes(results),
    cases: results.map((x) => x.out),
    login: await captureLogin(committedLoginKey()),
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

// Writes `text` to `file`, or with --check compares it with the committed file;
// returns false on a mismatch.
function writeOrCheck(file, text, check, what) {
  if (!check) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${what})`);
    return true;
  }
  const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  if (committed === text) {
    console.log(`ok: ${file} matches authing-js-sdk@${SDK_VERSION}`);
    return true;
  }
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'js-wire-')), path.basename(file));
  fs.writeFileSync(tmp, text);
  console.error(`MISMATCH: ${file} differs from what authing-js-sdk@${SDK_VERSION} does now.`);
  if (committed === null) console.error('(fixture file is missing)');
  else reportDiff(file, tmp);
  console.error(`fresh capture kept at ${tmp}; regenerate with: bash tests/js-wire/run.sh`);
  return false;
}

async function main() {
  const check = process.argv.includes('--check');
  const wire = await capture();
  const answers = await captureAnswers(SDK_VERSION);
  const okWire = writeOrCheck(FIXTURE, wire, check,
    `${CASES.length} cases, ${JSON.parse(wire).login.cases.length} login cases`);
  const okAnswers = writeOrCheck(ANSWERS_FIXTURE, answers, check, `${JSON.parse(answers).cases.length} cases`);
  if (!okWire || !okAnswers) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(2);
});
