// The dev server's console in a real browser (Debian's chromium, driven by
// playwright-core): a person creates a user on the page, an app binds TOTP
// for that user and logs in with the code the page shows, an SMS code
// arrives in the page's outbox, and nothing secret shows in clear.
//   node console-e2e.js BASE_URL SCREENSHOT_PATH
"use strict";

const assert = require("node:assert/strict");
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

const [base, shot] = process.argv.slice(2);
if (!base || !shot) {
  console.error("usage: node console-e2e.js BASE_URL SCREENSHOT_PATH");
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const WAIT = 10_000;

let step = "start";
function log(s) {
  step = s;
  console.log(`console-e2e: ${s}`);
}

/// An app's call to the dev server: the v2 envelope, or a thrown error.
async function api(method, p, { token, body, want = 200 } = {}) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const resp = await fetch(base + p, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const env = await resp.json();
  assert.equal(env.code, want, `${method} ${p}: ${JSON.stringify(env)}`);
  return env;
}

/// The password as authing-js-sdk sends it: PKCS#1 v1.5 under the
/// server's .well-known key, base64.
async function encrypt(password) {
  const { data } = await api("GET", "/api/v2/.well-known");
  return crypto
    .publicEncrypt(
      { key: data.publicKey, padding: crypto.constants.RSA_PKCS1_PADDING },
      Buffer.from(password),
    )
    .toString("base64");
}

async function main() {
  const email = `e2e-${crypto.randomBytes(3).toString("hex")}@example.com`;
  const phone = "13900000042";
  const password = `Pw-${crypto.randomBytes(9).toString("base64url")}`;
  const secrets = { password }; // everything that must never show in clear

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox"],
    timeout: 30_000,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.setDefaultTimeout(WAIT);
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));

    log("open the console");
    await page.goto(`${base}/__dev/console`);
    await page.locator("#live.on").waitFor();
    assert.match(await page.locator("#devnote").innerText(), /Development tool/);

    log("create a user through the page");
    const form = page.locator("#create-user");
    await form.locator('input[name="email"]').fill(email);
    await form.locator('input[name="phone"]').fill(phone);
    await form.locator('input[name="password"]').fill(password);
    await form.locator('button[type="submit"]').click();
    await page.locator("#create-user-result", { hasText: `created ${email}` }).waitFor();
    const card = page.locator(".card", { hasText: email });
    await card.waitFor();
    const userId = await card.getAttribute("data-user-id");
    assert.ok(userId && userId.length === 24, `user id ${userId}`);
    assert.match(await card.locator(".badges").innerText(), /TOTP none/);

    log("the app logs in (no MFA yet) and starts binding TOTP");
    const login1 = await api("POST", "/api/v2/login/account", {
      body: { account: email, password: await encrypt(password) },
    });
    secrets.userToken = login1.data.token;
    const assoc = await api("POST", "/api/v2/mfa/totp/associate", {
      token: secrets.userToken,
      body: { authenticator_type: "totp", source: "SELF" },
    });
    secrets.totpSecret = assoc.data.secret;
    secrets.recoveryCode = assoc.data.recovery_code;

    log("the page shows the pending binding's QR and code");
    await card.locator(".badges", { hasText: "TOTP pending" }).waitFor();
    await card.locator("img.qr").waitFor();
    const pendingCode = await readCode(card);

    log("confirm the binding with the code read from the page");
    await api("POST", "/api/v2/mfa/totp/associate/confirm", {
      token: secrets.userToken,
      body: { authenticator_type: "totp", totp: pendingCode, source: "SELF" },
    });
    await card.locator(".badges", { hasText: "TOTP bound" }).waitFor();
    const qr = await card.locator("img.qr").getAttribute("src");
    assert.match(qr, /^data:image\/png;base64,/);
    assert.match(await card.locator(".secret").innerText(), /secret\s+•+/);

    log("move the server clock from the page (+30 s)");
    await page.locator('#clock-buttons button[data-advance="30"]').click();
    await page.locator("#clock-offset", { hasText: /^30$/ }).waitFor();

    log("log in again: code 1635 and an mfaToken");
    const login2 = await api("POST", "/api/v2/login/account", {
      body: { account: email, password: await encrypt(password) },
      want: 1635,
    });
    secrets.mfaToken = login2.data.mfaToken;
    assert.ok(secrets.mfaToken);

    log("type the page's current code into the second factor");
    const code = await readCode(card);
    const secs = Number(await card.locator('[data-role="secs"]').innerText());
    assert.ok(secs >= 1 && secs <= 30, `seconds left ${secs}`);
    const verified = await api("POST", "/api/v2/mfa/totp/verify", {
      token: secrets.mfaToken,
      body: { totp: code },
    });
    secrets.loginToken = verified.data.token;
    assert.equal(verified.data.email, email);

    log("send an SMS code and see it arrive in the outbox");
    await api("POST", "/api/v2/sms/send", { body: { phone } });
    const row = page.locator("#outbox tr", { hasText: phone }).first();
    await row.waitFor();
    const smsCode = (await row.locator("td.code").innerText()).trim();
    const outbox = await api("GET", `/__dev/outbox?to=${phone}`);
    assert.equal(smsCode, outbox.data.at(-1).code);
    secrets.smsCode = smsCode; // shown in the outbox on purpose, masked in the log

    log("the request log shows the traffic, masked");
    const requests = page.locator("#requests");
    await requests.locator("tr", { hasText: "/api/v2/sms/send" }).waitFor();
    const verifyRow = requests.locator("tr", { hasText: "/api/v2/mfa/totp/verify" }).first();
    assert.match(await verifyRow.innerText(), /Bearer •••/);
    assert.match(await verifyRow.innerText(), /not kept/);
    // A careless client with a secret in the query string.
    await api("GET", `/__dev/outbox?to=${phone}&token=${secrets.loginToken}`);
    await requests.locator("tr", { hasText: "token=•••" }).waitFor();

    log("no secret shows in clear");
    const text = await page.locator("body").innerText();
    const html = await page.content();
    const logText = await requests.innerText();
    for (const [name, value] of Object.entries(secrets)) {
      if (name === "smsCode") {
        assert.ok(!logText.includes(value), `the request log shows the SMS code`);
        continue;
      }
      assert.ok(!text.includes(value), `the page shows ${name}`);
      assert.ok(!html.includes(value), `the page's HTML holds ${name}`);
    }
    assert.ok(!logText.includes(code), "the request log shows the TOTP code");

    log("screenshot");
    fs.mkdirSync(path.dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });

    log("set an application MFA policy from the page");
    await page.locator('#policy input[value="SMS"]').check();
    await page.locator('#policy button[type="submit"]').click();
    await page.locator('#apps tr[data-app-id="*"]', { hasText: "SMS" }).waitFor();
    const policy = await api("GET", "/__dev/apps/*/mfa");
    assert.deepEqual(policy.data.factors, ["SMS"]);
    await page.locator('#policy input[value="SMS"]').uncheck();
    await page.locator('#policy button[type="submit"]').click();
    await page.locator("#apps", { hasText: "No policy" }).waitFor();

    log("reset the user's MFA from the page");
    await card.locator('button[data-action="reset-mfa"]').click();
    await card.locator(".badges", { hasText: "TOTP none" }).waitFor();
    assert.equal(await card.locator("img.qr").count(), 0);
    await api("POST", "/api/v2/login/account", {
      body: { account: email, password: await encrypt(password) },
    });

    log("clock back to 0 from the page");
    await page.locator("#clock-zero").click();
    await page.locator("#clock-offset", { hasText: /^0$/ }).waitFor();

    assert.deepEqual(errors, [], "errors in the page");
  } finally {
    await browser.close();
  }
}

/// The 6-digit code a person would read off the card.
async function readCode(card) {
  const loc = card.locator('[data-role="code"]');
  await loc.filter({ hasText: /^\d{6}$/ }).waitFor();
  return (await loc.innerText()).trim();
}

main().then(
  () => console.log("console-e2e: ok"),
  (e) => {
    console.error(`console-e2e: FAILED at "${step}": ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
