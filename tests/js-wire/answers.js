// How the official authing-js-sdk *reads* answers: every answer below is
// served (by a loopback server) to a few representative MFA methods, and what
// the SDK then resolves with or throws is recorded into
// tests/fixtures/js_sdk_answers.json, the oracle of tests/answers.rs.
//
// Used by capture.js (which writes or checks both fixtures); not run alone.
//
// What a throw looks like depends on where the SDK fails (its three error shapes):
// - 'object': a 2xx answer whose envelope has neither code 200 nor statusCode 200
//   reaches the default `onError(code, message, data)`, which throws the plain
//   object {code, message, data} (build/main/lib/authentication/AuthenticationClient.js);
// - 'error-json': HttpClient's own `throw new Error(JSON.stringify({code, message, data}))`,
//   reached only when a custom onError returns instead of throwing (never with the
//   default options used here, but recognized so that a change would show);
// - 'axios': a non-2xx status makes axios reject before the SDK sees the envelope;
//   the envelope, if any, is the parsed `error.response.data`;
// - and, not one of the three by design, 'error': any other exception, e.g. a
//   TypeError when the body is JSON `null` (HttpClient reads `data.code`).
// For each throw the fixture records the Authing `code`, `message` and `data` a
// caller can reach (for 'axios', those of `response.data` when it is an object),
// leaving a key out when its value is `undefined`; plus the raw shape details.
'use strict';

const http = require('http');
const crypto = require('crypto');
const { AuthenticationClient } = require('authing-js-sdk');

const OPTIONS = { userPoolId: 'pool-1', appId: 'app-1' };

// The methods each answer is served to, with the arguments they are called with.
// verifyTotpMfa: POST with an mfaToken; getMfaAuthenticators: GET with the stored
// user token; confirmAssosicateMfaAuthenticator: POST whose result the SDK
// hard-codes ({code: 200, message: 'TOTP MFA 绑定成功'}) whatever the server said.
const METHODS = {
  verifyTotpMfa: { userToken: null, params: { totp: '123456', mfaToken: 'mfa-token-1' } },
  getMfaAuthenticators: { userToken: 'user-token-1', params: { type: 'totp' } },
  confirmAssosicateMfaAuthenticator: { userToken: 'user-token-1', params: { authenticatorType: 'totp', totp: '123456' } },
};

// GraphQL methods (issue #12), served GRAPHQL_ANSWERS instead of ANSWERS. They
// are called on the client itself with positional arguments (`args`: params
// keys in order). loginByEmail first fetches GET /api/v2/.well-known, which is
// always answered with a test RSA public key (made per run, not recorded:
// only the second request gets the answer under test).
const GRAPHQL_METHODS = {
  loginByEmail: { userToken: null, params: { email: 'a@example.com', password: 'p@ssw0rd' }, args: ['email', 'password'] },
};

const JSON_CT = { 'content-type': 'application/json; charset=utf-8' };
const HTML_CT = { 'content-type': 'text/html' };
const json = (status, value) => ({ status, headers: JSON_CT, body: JSON.stringify(value) });
const raw = (status, headers, body) => ({ status, headers, body });
const html = (status, reason) => raw(status, HTML_CT,
  `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n` +
  `<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`);

// id -> {status, headers, body}: what the server answers, byte for byte.
const ANSWERS = {
  // Success.
  'ok.data': json(200, { code: 200, message: '验证成功', data: { id: 'u1', username: 'alice', userPoolId: 'p1', phone: null } }),
  'ok.dataArray': json(200, { code: 200, message: '', data: [{ id: 'a1', authenticatorType: 'totp', createdAt: '2024-01-01T00:00:00.000Z' }] }),
  'ok.dataNull': json(200, { code: 200, message: 'ok', data: null }),
  'ok.dataAbsent': json(200, { code: 200, message: '绑定成功' }),
  'ok.codeOnly': json(200, { code: 200 }),
  // The v3 envelope: statusCode instead of code.
  'v3.ok': json(200, { statusCode: 200, message: 'success', apiCode: 0, data: { id: 'u1' } }),
  'v3.error': json(200, { statusCode: 400, apiCode: 2020, message: '尚未登录，无访问权限' }),
  'v3.error.noApiCode': json(200, { statusCode: 401, message: 'Unauthorized' }),
  'v3.error.http400': json(400, { statusCode: 400, apiCode: 2020, message: '尚未登录，无访问权限' }),
  // The documented Authing codes, as envelopes with HTTP 200.
  'api.1635': json(200, { code: 1635, message: '请完成 MFA 认证', data: { mfaToken: 'mfa-token-next', totpMfaEnabled: true } }),
  'api.6001': json(200, { code: 6001, message: '安全码错误，请重新输入' }),
  'api.6002': json(200, { code: 6002, message: '恢复代码错误', data: null }),
  'api.2020': json(200, { code: 2020, message: '尚未登录，无访问权限', data: null }),
  'api.2206': json(200, { code: 2206, message: '登录信息已过期，请重新登录' }),
  'api.2207': json(200, { code: 2207, message: '登录状态已失效，请重新登录', data: null }),
  'api.noMessage': json(200, { code: 6001 }),
  // A server that echoes what it was sent (the TOTP code and both tokens).
  'api.echoesSecrets': json(200, { code: 6001, message: '安全码 123456 错误 (mfa-token-1, user-token-1)' }),
  'api.stringCode': json(200, { code: '6001', message: '安全码错误，请重新输入' }),
  // Non-2xx statuses: with an envelope, with an empty body, with a proxy's HTML page.
  'http400.envelope': json(400, { code: 400, message: '安全码错误', data: null }),
  'http400.empty': raw(400, {}, ''),
  'http400.html': html(400, 'Bad Request'),
  'http401.envelope': json(401, { code: 2020, message: '尚未登录，无访问权限' }),
  'http401.empty': raw(401, {}, ''),
  'http401.html': html(401, 'Unauthorized'),
  'http403.envelope': json(403, { code: 403, message: '无权限访问', data: { reason: 'forbidden' } }),
  'http403.empty': raw(403, {}, ''),
  'http403.html': html(403, 'Forbidden'),
  'http500.envelope': json(500, { code: 500, message: '服务器内部错误', data: null }),
  'http500.empty': raw(500, {}, ''),
  'http500.html': html(500, 'Internal Server Error'),
  'http502.envelope': json(502, { code: 502, message: 'Bad Gateway' }),
  'http502.empty': raw(502, {}, ''),
  'http502.html': html(502, 'Bad Gateway'),
  // 200 answers that are not an envelope.
  'http200.html': html(200, 'OK'),
  'http200.empty': raw(200, JSON_CT, ''),
  'http200.jsonNull': raw(200, JSON_CT, 'null'),
  'http200.jsonArray': raw(200, JSON_CT, '[]'),
  'http200.emptyObject': raw(200, JSON_CT, '{}'),
};

// id -> {status, headers, body} for the GraphQL methods. Authing's GraphQL
// errors carry an object {code, message, data} in errors[].message, with HTTP 200.
const gqlError = (message, extra) => ({ data: null, errors: [{ message, locations: [{ line: 2, column: 3 }], path: ['loginByEmail'], ...extra }] });
const GRAPHQL_ANSWERS = {
  'gql.ok': json(200, { data: { loginByEmail: { id: 'u1', token: 'tok-u1', username: 'alice', phone: null } } }),
  // customData as a list of {key, value, dataType, label}, turned into an object.
  'gql.ok.customData': json(200, { data: { loginByEmail: { id: 'u1', token: 'tok-u1', customData: [
    { key: 'age', value: '20', dataType: 'NUMBER', label: null },
    { key: 'vip', value: 'true', dataType: 'BOOLEAN', label: 'VIP' },
    { key: 'obj', value: '{"a":[1,2]}', dataType: 'OBJECT', label: null },
    { key: 'school', value: 'MIT', dataType: 'STRING', label: null },
  ] } } }),
  'gql.ok.rootNull': json(200, { data: { loginByEmail: null } }),
  // The second factor: personal MFA (1635) and application MFA (1636).
  'gql.1635': json(200, gqlError({ code: 1635, message: '请输入二次认证安全码',
    data: { mfaToken: 'mfa-token-next', nickname: null, email: 'a@example.com', phone: null, username: 'alice', avatar: 'https://img.example/a.png' } })),
  'gql.1636': json(200, gqlError({ code: 1636, message: '请完成应用 MFA 认证',
    data: { mfaToken: 'mfa-token-next', applicationMfa: [{ mfaPolicy: 'SMS', status: 1, sort: 1 }, { mfaPolicy: 'OTP', status: 1, sort: 2 }],
      faceMfaEnabled: false, totpMfaEnabled: true, phone: '13800000000', phoneCountryCode: '+86' } })),
  'gql.2333': json(200, gqlError({ code: 2333, message: '账号或密码错误' })),
  // Two errors: the default onError throws on the first.
  'gql.twoErrors': json(200, { data: null, errors: [{ message: { code: 2333, message: '账号或密码错误', data: null } }, { message: { code: 500, message: 'second' } }] }),
  // A GraphQL error as the GraphQL spec has it (a string), e.g. a syntax error.
  'gql.stringMessage': json(200, { errors: [{ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 9 }] }] }),
  'gql.http500': json(500, gqlError({ code: 500, message: '服务器内部错误' })),
};

// Plain data for the fixture: `undefined` values drop out (as in JSON.stringify).
function plain(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function authingFields(obj) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return {};
  return { code: plain(obj.code), message: plain(obj.message), data: plain(obj.data) };
}

// The outcome of a throw, normalized (see the shapes at the top of this file).
function describeThrow(e) {
  if (e && e.isAxiosError) {
    const resp = e.response;
    return {
      resolved: false,
      shape: 'axios',
      ...authingFields(resp && resp.data),
      axios: {
        code: e.code,
        message: e.message,
        status: resp ? resp.status : null,
        responseData: resp ? plain(resp.data) : null,
      },
    };
  }
  if (e instanceof Error) {
    let parsed;
    try { parsed = JSON.parse(e.message); } catch (_) { parsed = undefined; }
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return { resolved: false, shape: 'error-json', ...authingFields(parsed) };
    }
    return { resolved: false, shape: 'error', error: { name: e.name, message: e.message } };
  }
  if (e !== null && typeof e === 'object') {
    return { resolved: false, shape: 'object', ...authingFields(e) };
  }
  return { resolved: false, shape: 'value', thrown: plain(e) };
}

function startServer(state) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.requests.push(`${req.method} ${req.url}`);
      const a = req.url === '/api/v2/.well-known'
        ? json(200, { code: 200, message: '', data: { publicKey: state.publicKeyPem } })
        : state.answer;
      res.writeHead(a.status, a.headers);
      res.end(a.body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function runCase(jsMethod, answerId, port, state) {
  const graphql = GRAPHQL_METHODS[jsMethod];
  const m = graphql || METHODS[jsMethod];
  const client = new AuthenticationClient({ ...OPTIONS, appHost: `http://127.0.0.1:${port}` });
  if (m.userToken) client.setToken(m.userToken);
  state.answer = (graphql ? GRAPHQL_ANSWERS : ANSWERS)[answerId];
  state.requests = [];
  let sdk;
  try {
    const value = graphql
      ? await client[jsMethod](...m.args.map((k) => m.params[k]))
      : await client.mfa[jsMethod]({ ...m.params });
    sdk = { resolved: true, value: plain(value) };
  } catch (e) {
    sdk = describeThrow(e);
  }
  // Give any stray follow-up request (a retry) a chance to arrive before counting.
  await new Promise((r) => setTimeout(r, 20));
  return { id: `${jsMethod}/${answerId}`, jsMethod, answer: answerId, requests: state.requests.length, sdk };
}

async function captureAnswers(sdkVersion) {
  const { publicKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 1024, publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const state = { answer: null, requests: [], publicKeyPem: publicKey };
  const server = await startServer(state);
  const port = server.address().port;
  const cases = [];
  try {
    for (const jsMethod of Object.keys(METHODS)) {
      for (const answerId of Object.keys(ANSWERS)) cases.push(await runCase(jsMethod, answerId, port, state));
    }
    for (const jsMethod of Object.keys(GRAPHQL_METHODS)) {
      for (const answerId of Object.keys(GRAPHQL_ANSWERS)) cases.push(await runCase(jsMethod, answerId, port, state));
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const fixture = {
    sdk: `authing-js-sdk@${sdkVersion}`,
    notes: [
      'Each answer is served with exactly this status, these headers and this body (plus content-length); ' +
        'each case calls jsMethod with methods[jsMethod] (clientOptions, userToken, params) against it.',
      "sdk.resolved: whether the SDK's promise resolved; sdk.value: what it resolved with (absent: undefined).",
      'On a throw, sdk.shape is one of object (default onError), error-json (HttpClient Error), ' +
        'axios (a non-2xx status), error (anything else); sdk.code, sdk.message, sdk.data are the Authing ' +
        "fields a caller can reach (for axios: those of response.data when it is an object); a key is absent when undefined.",
      'requests: how many requests the SDK sent for the case.',
      'graphqlMethods are served graphqlAnswers (each after GET /api/v2/.well-known, answered with a test ' +
        'RSA public key, when the method encrypts a password); methods are served answers.',
    ],
    clientOptions: OPTIONS,
    methods: METHODS,
    graphqlMethods: GRAPHQL_METHODS,
    answers: ANSWERS,
    graphqlAnswers: GRAPHQL_ANSWERS,
    cases,
  };
  return JSON.stringify(fixture, null, 2) + '\n';
}

module.exports = { captureAnswers, ANSWERS, METHODS, GRAPHQL_ANSWERS, GRAPHQL_METHODS };
