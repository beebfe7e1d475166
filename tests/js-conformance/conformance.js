// Drives the official authing-js-sdk (the version pinned in package.json)
// through its public API only against the dev server whose URL is argv[2]:
// register, password logins, the MFA stage (1635 for the user's own TOTP,
// 1636 for an application policy), every second factor, wrong passwords.
// Each step states what the SDK's own tests (MfaAuthenticationClient.spec,
// MFAManagementClient.spec) or the wire spec (authing-login-v2-wire.md)
// expect. Prints one line per step and "N passed, N failed"; exits 1 if
// any step failed.
'use strict';

const crypto = require('crypto');
const { AuthenticationClient } = require('authing-js-sdk');

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
  if (!list.length) throw new Error(`no message to ${to} in the outbox`);
  return list[list.length - 1].code;
}

function client(appId) {
  return new AuthenticationClient({ appId, appHost: base, timeout: 10000 });
}

// Runs `fn`, which must throw; returns what it threw.
async function thrown(fn) {
  try {
    const v = await fn();
    throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
  } catch (e) {
    if (e instanceof Error && /^expected a rejection/.test(e.message)) throw e;
    return e;
  }
}

function check(cond, what) {
  if (!cond) throw new Error(what);
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
    const detail = e instanceof Error ? e.stack || e.message : JSON.stringify(e);
    console.log(`FAIL ${name}\n     ${String(detail).replace(/\n/g, '\n     ')}`);
  }
}

async function main() {
  const run = crypto.randomBytes(4).toString('hex');
  const email = `ada-${run}@example.com`;
  const password = `Pw-${run}-secret`;
  const sdk = client('app-plain');
  const s = {}; // what later steps need

  await step('registerByEmail creates the user (no token without forceLogin)', async () => {
    const user = await sdk.registerByEmail(email, password, { username: `ada${run}` });
    check(typeof user.id === 'string' && user.email === email, JSON.stringify(user));
    check(user.token === null, `token ${user.token}`);
    s.userId = user.id;
  });

  await step('loginByEmail logs in: user with token, stored by the SDK', async () => {
    const user = await sdk.loginByEmail(email, password);
    check(user.id === s.userId && typeof user.token === 'string', JSON.stringify(user));
    check(sdk.tokenProvider.getToken() === user.token, 'token not stored');
    s.token = user.token;
  });

  await step('checkLoginStatus says the token is live', async () => {
    const st = await sdk.checkLoginStatus(s.token);
    check(st.status === true && st.code === 200 && st.data.id === s.userId, JSON.stringify(st));
  });

  await step('getMfaAuthenticators is empty before binding (spec test)', async () => {
    const list = await sdk.mfa.getMfaAuthenticators({ type: 'totp' });
    check(Array.isArray(list) && list.length === 0, JSON.stringify(list));
  });

  await step('assosicateMfaAuthenticator answers secret, QR and recovery code (spec test)', async () => {
    const a = await sdk.mfa.assosicateMfaAuthenticator({ authenticatorType: 'totp' });
    check(a.authenticator_type === 'totp', JSON.stringify(a));
    for (const k of ['secret', 'qrcode_uri', 'qrcode_data_url', 'recovery_code']) {
      check(typeof a[k] === 'string', `${k}: ${a[k]}`);
    }
    check(a.qrcode_uri.startsWith('otpauth://totp/'), a.qrcode_uri);
    s.secret = a.secret;
    s.recovery = a.recovery_code;
  });

  await step('confirmAssosicateMfaAuthenticator with a current code (spec test)', async () => {
    const r = await sdk.mfa.confirmAssosicateMfaAuthenticator({ authenticatorType: 'totp', totp: totp(s.secret) });
    check(r.code === 200, JSON.stringify(r));
  });

  await step('loginByEmail now throws 1635 with err.data.mfaToken (spec test)', async () => {
    const err = await thrown(() => sdk.loginByEmail(email, password));
    check(!(err instanceof Error), `an Error, not the plain object: ${err}`);
    check(err.code === 1635, JSON.stringify(err));
    check(err.message === '请输入二次认证安全码', err.message);
    check(typeof err.data.mfaToken === 'string' && err.data.mfaToken.length > 0, JSON.stringify(err.data));
    check(err.data.totpMfaEnabled === true, JSON.stringify(err.data));
    s.mfaToken = err.data.mfaToken;
  });

  await step('verifyTotpMfa with the mfaToken logs in (spec test)', async () => {
    const user = await sdk.mfa.verifyTotpMfa({ totp: totp(s.secret), mfaToken: s.mfaToken });
    check(user.id === s.userId && typeof user.token === 'string', JSON.stringify(user));
  });

  await step('the mfaToken completes one login only', async () => {
    const err = await thrown(() => sdk.mfa.verifyTotpMfa({ totp: totp(s.secret, Date.now() / 1000 + 30), mfaToken: s.mfaToken }));
    check(err.code === 2207, JSON.stringify(err));
  });

  await step('a wrong TOTP code is 6001 "安全码错误，请重新输入"', async () => {
    const e1 = await thrown(() => sdk.loginByEmail(email, password));
    const good = totp(s.secret);
    const wrong = good === '000000' ? '111111' : '000000';
    const err = await thrown(() => sdk.mfa.verifyTotpMfa({ totp: wrong, mfaToken: e1.data.mfaToken }));
    check(err.code === 6001 && err.message === '安全码错误，请重新输入', JSON.stringify(err));
  });

  await step('verifyTotpRecoveryCode logs in (spec test)', async () => {
    const err = await thrown(() => sdk.loginByEmail(email, password));
    check(err.code === 1635, JSON.stringify(err));
    const user = await sdk.mfa.verifyTotpRecoveryCode({ recoveryCode: s.recovery, mfaToken: err.data.mfaToken });
    check(user.id === s.userId, JSON.stringify(user));
  });

  await step('a used recovery code is 6002 "恢复代码错误，请重新输入"', async () => {
    const e1 = await thrown(() => sdk.loginByEmail(email, password));
    const err = await thrown(() => sdk.mfa.verifyTotpRecoveryCode({ recoveryCode: s.recovery, mfaToken: e1.data.mfaToken }));
    check(err.code === 6002 && err.message === '恢复代码错误，请重新输入', JSON.stringify(err));
  });

  await step('loginByUsername of a TOTP user throws 1635 with a mfaToken (MFAManagementClient spec)', async () => {
    const err = await thrown(() => sdk.loginByUsername(`ada${run}`, password));
    check(err.code === 1635 && err.data.mfaToken, JSON.stringify(err));
  });

  await step('wrong passwords are 2333 for loginByEmail, loginByUsername, loginByPhonePassword', async () => {
    for (const call of [
      () => sdk.loginByEmail(email, 'not-the-password'),
      () => sdk.loginByUsername(`ada${run}`, 'not-the-password'),
      () => sdk.loginByPhonePassword('19900000000', 'not-the-password'),
      () => sdk.loginByEmail(`nobody-${run}@example.com`, password),
    ]) {
      const err = await thrown(call);
      check(err.code === 2333 && err.message === '账号或密码错误', JSON.stringify(err));
    }
  });

  // A user with a phone, for the phone logins and SMS MFA.
  const phone = `139${String(parseInt(run, 16) % 100000000).padStart(8, '0')}`;
  const phonePassword = `Ph-${run}`;
  await step('loginByPhonePassword logs in', async () => {
    await dev('POST', '/__dev/users', { phone, password: phonePassword, email: `phone-${run}@example.com` });
    const other = client('app-plain');
    const user = await other.loginByPhonePassword(phone, phonePassword);
    check(user.phone === phone && typeof user.token === 'string', JSON.stringify(user));
  });

  await step('sendSmsCode then loginByPhoneCode logs in', async () => {
    const other = client('app-plain');
    await other.sendSmsCode(phone, '+86', 'login');
    const user = await other.loginByPhoneCode(phone, await lastCode(phone));
    check(user.phone === phone && typeof user.token === 'string', JSON.stringify(user));
  });

  await step('sendEmail then loginByEmailCode logs in', async () => {
    const other = client('app-plain');
    const msg = await other.sendEmail(`phone-${run}@example.com`, 'LOGIN_VERIFY_CODE');
    check(msg.code === 200, JSON.stringify(msg));
    const user = await other.loginByEmailCode(`phone-${run}@example.com`, await lastCode(`phone-${run}@example.com`));
    check(user.phone === phone && typeof user.token === 'string', JSON.stringify(user));
  });

  // Application MFA: a policy on app "app-policy-<run>".
  const appId = `app-policy-${run}`;
  const policySdk = client(appId);
  await dev('POST', `/__dev/apps/${appId}/mfa`, { factors: ['SMS', 'EMAIL'] });

  await step('an application policy makes the login throw 1636 with applicationMfa', async () => {
    const err = await thrown(() => policySdk.loginByPhonePassword(phone, phonePassword));
    check(!(err instanceof Error) && err.code === 1636, JSON.stringify(err));
    check(typeof err.data.mfaToken === 'string', JSON.stringify(err.data));
    const policies = err.data.applicationMfa.map((p) => p.mfaPolicy).join(',');
    check(policies === 'SMS,EMAIL', policies);
    s.appMfaToken = err.data.mfaToken;
  });

  await step('SMS MFA: sendSmsCode (scene mfa-verify) and verifyAppSmsMfa log in', async () => {
    await policySdk.sendSmsCode(phone, '+86', 'mfa-verify');
    const user = await policySdk.mfa.verifyAppSmsMfa({ phone, code: await lastCode(phone), mfaToken: s.appMfaToken });
    check(user.phone === phone && typeof user.token === 'string', JSON.stringify(user));
  });

  await step('email MFA: sendEmail (MFA_VERIFY_CODE) and verifyAppEmailMfa log in', async () => {
    const mail = `phone-${run}@example.com`;
    const err = await thrown(() => policySdk.loginByEmail(mail, phonePassword));
    check(err.code === 1636, JSON.stringify(err));
    await policySdk.sendEmail(mail, 'MFA_VERIFY_CODE');
    const user = await policySdk.mfa.verifyAppEmailMfa({ email: mail, code: await lastCode(mail), mfaToken: err.data.mfaToken });
    check(user.email === mail && typeof user.token === 'string', JSON.stringify(user));
  });

  await step("under the same policy a user's own TOTP still throws 1635", async () => {
    const err = await thrown(() => policySdk.loginByEmail(email, password));
    check(err.code === 1635, JSON.stringify(err));
    const policies = err.data.applicationMfa.map((p) => p.mfaPolicy).join(',');
    check(policies === 'SMS,EMAIL', policies);
    const user = await policySdk.mfa.verifyTotpMfa({ totp: totp(s.secret, Date.now() / 1000 + 30), mfaToken: err.data.mfaToken });
    check(user.id === s.userId, JSON.stringify(user));
  });

  await step('logout ends the token: checkLoginStatus then says status false', async () => {
    const fresh = client('app-plain');
    const user = await fresh.loginByPhonePassword(phone, phonePassword);
    await fresh.logout();
    check(fresh.tokenProvider.getToken() === null, 'the SDK kept its token');
    const st = await fresh.checkLoginStatus(user.token);
    check(st.status === false && st.code === 2207, JSON.stringify(st));
  });

  await step('an operation the dev server does not answer fails cleanly (2000), not as a 404', async () => {
    const err = await thrown(() => sdk.loginBySubAccount('someone', 'pw'));
    check(!(err instanceof Error) && err.code === 2000, JSON.stringify(err));
    check(/loginBySubAccount/.test(err.message), err.message);
  });

  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
