// Drives the official authing-node-sdk (the version pinned in package.json)
// through its public API only against the dev server whose URL is argv[2]:
// v3 sign-in under each tokenEndPointAuthMethod, listing, enrolling (OTP and
// SMS), verifying and resetting factors, the MFA stage a v3 sign-in then
// meets, and verifyMfaToken. The SDK's methods return the envelope
// ({statusCode, message, apiCode?, requestId, data?}) instead of throwing,
// so every step asserts on statusCode / apiCode (authing-factors-v3-wire.md
// §1, §2). Prints one line per step and "N passed, N failed"; exits 1 if any
// step failed. The dev server's own /__dev/ endpoints are called with fetch
// for fixtures only (users, apps, outbox).
'use strict';

const crypto = require('crypto');
const { AuthenticationClient } = require('authing-node-sdk');

const base = process.argv[2];
if (!base) {
  console.error('usage: node conformance.js http://127.0.0.1:PORT');
  process.exit(2);
}

// RFC 6238 TOTP (SHA-1, 6 digits, 30 s), from a base32 secret.
function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

function totp(secret, unixSeconds = Math.floor(Date.now() / 1000)) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unixSeconds / 30)));
  const mac = crypto.createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(offset) & 0x7fffffff) % 1000000;
  return String(n).padStart(6, '0');
}

async function dev(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (json.code !== 200) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
  return json.data;
}

async function lastCode(to) {
  const list = await dev('GET', `/__dev/outbox?to=${encodeURIComponent(to)}`);
  if (list.length === 0) throw new Error(`no code sent to ${to}`);
  return list[list.length - 1].code;
}

let passed = 0;
let failed = 0;
async function step(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}\n     ${e && e.stack ? e.stack.split('\n').slice(0, 3).join('\n     ') : e}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Every v3 answer: statusCode and message, a requestId; apiCode only on
// failure; and the statusCode / apiCode expected.
function expect(res, statusCode, apiCode) {
  const s = JSON.stringify(res);
  assert(res && typeof res === 'object', `not an envelope: ${s}`);
  assert(typeof res.message === 'string' && typeof res.requestId === 'string', `bad envelope: ${s}`);
  assert(res.statusCode === statusCode, `statusCode ${res.statusCode}, expected ${statusCode}: ${s}`);
  if (statusCode === 200) assert(res.apiCode === undefined, `apiCode on success: ${s}`);
  if (apiCode !== undefined) assert(res.apiCode === apiCode, `apiCode ${res.apiCode}, expected ${apiCode}: ${s}`);
  return res;
}

async function main() {
  const run = crypto.randomBytes(4).toString('hex');
  const appId = `v3-conf-${run}`;
  const publicAppId = `v3-public-${run}`;
  const appSecret = crypto.randomBytes(16).toString('hex');
  const email = `v3-${run}@example.com`;
  const password = `pw-${run}`;
  const phone = `139${String(parseInt(run, 16) % 100000000).padStart(8, '0')}`;

  await dev('POST', `/__dev/apps/${appId}`, { appSecret, factors: ['OTP', 'SMS', 'EMAIL'] });
  await dev('POST', `/__dev/apps/${publicAppId}`, { appSecret: null });
  await dev('POST', '/__dev/users', { email, password, username: `v3${run}` });

  const client = new AuthenticationClient({ appId, appHost: base, appSecret });
  let accessToken;
  let otpSecret;
  let otpFactorId;
  let smsFactorId;

  await step('signInByEmailPassword (client_secret_post) answers tokens', async () => {
    const res = expect(await client.signInByEmailPassword({ email, password }), 200);
    const d = res.data;
    assert(d.token_type === 'bearer', `token_type ${d.token_type}`);
    assert(typeof d.access_token === 'string' && d.access_token.split('.').length === 3, 'access_token');
    assert(typeof d.id_token === 'string', 'id_token');
    assert(d.expire_in > 0, 'expire_in (the DTO spelling)');
    accessToken = d.access_token;
  });

  await step('client_secret_basic signs in; a wrong secret is refused (401)', async () => {
    const basic = new AuthenticationClient({ appId, appHost: base, appSecret, tokenEndPointAuthMethod: 'client_secret_basic' });
    expect(await basic.signInByEmailPassword({ email, password }), 200);
    const wrong = new AuthenticationClient({ appId, appHost: base, appSecret: 'not-the-secret', tokenEndPointAuthMethod: 'client_secret_basic' });
    expect(await wrong.signInByEmailPassword({ email, password }), 401);
    const wrongPost = new AuthenticationClient({ appId, appHost: base, appSecret: 'not-the-secret' });
    expect(await wrongPost.signInByEmailPassword({ email, password }), 401);
  });

  await step("tokenEndPointAuthMethod 'none' works for a public app, not for a confidential one", async () => {
    const pub = new AuthenticationClient({ appId: publicAppId, appHost: base, tokenEndPointAuthMethod: 'none' });
    expect(await pub.signInByEmailPassword({ email, password }), 200);
    const conf = new AuthenticationClient({ appId, appHost: base, tokenEndPointAuthMethod: 'none' });
    expect(await conf.signInByEmailPassword({ email, password }), 401);
  });

  await step('signInByCredentials with a wrong password: 2333', async () => {
    const res = await client.signInByCredentials({
      connection: 'PASSWORD',
      passwordPayload: { account: email, password: 'wrong' },
      client_id: appId,
      client_secret: appSecret,
    });
    expect(res, 400, 2333);
  });

  await step('factor calls without an access token: 401 / 2020', async () => {
    const anon = new AuthenticationClient({ appId, appHost: base, appSecret });
    expect(await anon.listEnrolledFactors(), 401, 2020);
    expect(await anon.sendEnrollFactorRequest({ factorType: 'OTP', profile: {} }), 401, 2020);
    const forged = new AuthenticationClient({ appId, appHost: base, appSecret, accessToken: 'a.b.c' });
    expect(await forged.listFactorsToEnroll(), 401, 2207);
  });

  await step('setAccessToken, listFactorsToEnroll: the app\'s enabled factors', async () => {
    client.setAccessToken(accessToken);
    const res = expect(await client.listFactorsToEnroll(), 200);
    const types = res.data.map((f) => f.factorType);
    assert(JSON.stringify(types) === JSON.stringify(['OTP', 'SMS', 'EMAIL']), `factors ${types}`);
    expect(await client.listEnrolledFactors(), 200);
  });

  await step('sendEnrollFactorRequest OTP: enrollmentToken and otpData', async () => {
    const res = expect(await client.sendEnrollFactorRequest({ factorType: 'OTP', profile: {} }), 200);
    const { enrollmentToken, otpData } = res.data;
    assert(typeof enrollmentToken === 'string' && enrollmentToken.length > 20, 'enrollmentToken');
    assert(otpData.qrCodeDataUrl.startsWith('data:image/png;base64,iVBORw0KGgo'), 'qrCodeDataUrl is a PNG');
    assert(/^[0-9a-f]{4}(-[0-9a-f]{4}){5}$/.test(otpData.recoveryCode), `recoveryCode ${otpData.recoveryCode}`);
    const uri = new URL(otpData.qrCodeUri);
    assert(uri.protocol === 'otpauth:', otpData.qrCodeUri);
    otpSecret = uri.searchParams.get('secret');
    // A wrong code first: 6001, the enrolment survives it.
    const good = totp(otpSecret);
    const bad = String((Number(good) + 1) % 1000000).padStart(6, '0');
    expect(await client.enrollFactor({ factorType: 'OTP', enrollmentToken, enrollmentData: { passCode: bad } }), 400, 6001);
    const ok = expect(await client.enrollFactor({ factorType: 'OTP', enrollmentToken, enrollmentData: { passCode: good } }), 200);
    assert(ok.data === undefined, 'enrollFactor has no data');
    // Single use.
    expect(await client.enrollFactor({ factorType: 'OTP', enrollmentToken, enrollmentData: { passCode: good } }), 400);
  });

  await step('listEnrolledFactors and getFactor show the OTP factor', async () => {
    const res = expect(await client.listEnrolledFactors(), 200);
    assert(res.data.length === 1 && res.data[0].factorType === 'OTP', JSON.stringify(res.data));
    otpFactorId = res.data[0].factorId;
    const one = expect(await client.getFactor({ factorId: otpFactorId }), 200);
    assert(one.data.factorId === otpFactorId && one.data.factorType === 'OTP', JSON.stringify(one.data));
    expect(await client.getFactor({ factorId: 'ffffffffffffffffffffffff' }), 404);
    const left = expect(await client.listFactorsToEnroll(), 200).data.map((f) => f.factorType);
    assert(!left.includes('OTP'), `OTP still offered: ${left}`);
  });

  await step('mfaOtpVerify: verified true, then false for a replay', async () => {
    const code = totp(otpSecret);
    const res = expect(await client.mfaOtpVerify({ totp: code }), 200);
    assert(res.data.verified === true, JSON.stringify(res));
    const again = expect(await client.mfaOtpVerify({ totp: code }), 200);
    assert(again.data.verified === false, JSON.stringify(again));
  });

  let mfaToken;
  await step('a v3 sign-in now meets the MFA stage: 1635 and an mfaToken', async () => {
    const res = expect(await client.signInByEmailPassword({ email, password }), 403, 1635);
    mfaToken = res.data.mfaToken;
    assert(typeof mfaToken === 'string', JSON.stringify(res));
    assert(res.data.access_token === undefined, 'no tokens at the MFA stage');
  });

  await step('verifyMfaToken: the SDK sends no body, so inactive; the form body is active', async () => {
    const res = await client.verifyMfaToken({ token: mfaToken });
    assert(res.active === false, JSON.stringify(res));
    const form = await fetch(`${base}/mfa/token/introspection`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(mfaToken)}`,
    }).then((r) => r.json());
    assert(form.active === true && typeof form.userId === 'string' && form.exp > form.iat, JSON.stringify(form));
  });

  await step('SMS: sendEnrollFactorRequest sends a code, once a minute (422 / 2080), enrollFactor binds', async () => {
    const profile = { phoneNumber: phone, phoneCountryCode: '+86' };
    const res = expect(await client.sendEnrollFactorRequest({ factorType: 'SMS', profile }), 200);
    expect(await client.sendEnrollFactorRequest({ factorType: 'SMS', profile }), 422, 2080);
    const passCode = await lastCode(phone);
    const { enrollmentToken } = res.data;
    expect(await client.enrollFactor({ factorType: 'SMS', enrollmentToken, enrollmentData: { passCode } }), 200);
    const list = expect(await client.listEnrolledFactors(), 200).data;
    const sms = list.find((f) => f.factorType === 'SMS');
    assert(sms && sms.profile.phoneNumber === phone, JSON.stringify(list));
    smsFactorId = sms.factorId;
  });

  await step('an application without FACE refuses to enroll one (403)', async () => {
    expect(await client.sendEnrollFactorRequest({ factorType: 'FACE', profile: {} }), 403);
  });

  await step('resetFactor removes both; sign-in no longer stops for MFA', async () => {
    expect(await client.resetFactor({ factorId: otpFactorId }), 200);
    expect(await client.resetFactor({ factorId: smsFactorId }), 200);
    expect(await client.resetFactor({ factorId: smsFactorId }), 404);
    const list = expect(await client.listEnrolledFactors(), 200).data;
    assert(list.length === 0, JSON.stringify(list));
    expect(await client.signInByEmailPassword({ email, password }), 200);
    expect(await client.mfaOtpVerify({ totp: totp(otpSecret) }), 400);
  });

  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
