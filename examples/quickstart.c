/*
 * quickstart.c: the whole Authing MFA story in C, step by step, against the
 * offline dev server (authing-mfa-devserver).
 *
 *   password login -> bind TOTP -> password login answered 1635 -> second
 *   factor -> recover with the recovery code -> unbind
 *
 * Run it with scripts/quickstart.sh, or by hand:
 *   target/debug/authing-mfa-devserver --port 0 &       # prints its URL
 *   cc -std=c99 -Iinclude -Iexamples examples/quickstart.c \
 *      -Ltarget/debug -lauthing_mfa -Wl,-rpath,$PWD/target/debug -o quickstart
 *   ./quickstart http://127.0.0.1:PORT
 *
 * Everything Authing goes through libauthing_mfa (include/authing_mfa.h),
 * the password logins included. Only creating the demo user and shifting
 * the server's clock use the dev server's /__dev/ endpoints, through
 * devhttp.h.
 *
 * DEV-ONLY: this demo prints the TOTP secret and the recovery codes so you
 * can follow along. A real application must never print or log them, nor
 * tokens (shown here as their first 8 characters only).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "authing_mfa.h"
#include "devhttp.h"

static const char *g_base;      /* the dev server's URL */
static char g_dev[65536];       /* the last /__dev/ answer */
static authing_mfa_client *g_client;

/* ---- small helpers ---------------------------------------------------------- */

/* Copies the string value of "key" from compact JSON. Good enough for this
 * demo's flat answers; a real program would use a JSON parser (cJSON,
 * jansson, ...). */
static int json_string(const char *json, const char *key, char *out, size_t size)
{
    char pattern[64];
    const char *p;
    size_t n = 0;
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    if (json == NULL || (p = strstr(json, pattern)) == NULL) return 0;
    for (p += strlen(pattern); *p && *p != '"' && n + 1 < size; p++) out[n++] = *p;
    out[n] = '\0';
    return *p == '"';
}

static long long json_number(const char *json, const char *key)
{
    char pattern[64];
    const char *p;
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    p = json ? strstr(json, pattern) : NULL;
    return p ? strtoll(p + strlen(pattern), NULL, 10) : -1;
}

/* A token shown safely: its first 8 characters. */
static const char *preview(const char *token)
{
    static char buf[32];
    snprintf(buf, sizeof buf, "%.8s\xe2\x80\xa6", token); /* U+2026 "…" */
    return buf;
}

static void step(int n, const char *title)
{
    printf("\n%d. %s\n", n, title);
}

/* Any failure ends the demo with the library's error JSON. `error_json`
 * points at the variable the call filled in (read here, after the call). */
static void check(authing_mfa_status status, char **error_json, const char *what)
{
    const char *err = error_json ? *error_json : NULL;
    if (status == AUTHING_MFA_OK) return;
    fprintf(stderr, "\nFAILED: %s returned %s\n  error JSON: %s\n", what, authing_mfa_status_name(status),
            err ? err : "(none)");
    if (error_json) authing_mfa_string_free(*error_json);
    authing_mfa_client_free(g_client);
    exit(1);
}

/* A dev-server-only call (not part of the library); returns the envelope's code. */
static long long dev_call(const char *method, const char *path, const char *body)
{
    if (devhttp_request(g_base, method, path, body, g_dev, sizeof g_dev) < 0) {
        fprintf(stderr, "\nFAILED: the dev server does not answer %s %s at %s\n", method, path, g_base);
        authing_mfa_client_free(g_client);
        exit(1);
    }
    return json_number(g_dev, "code");
}

static void dev_expect(long long got, long long want, const char *what)
{
    if (got == want) return;
    fprintf(stderr, "\nFAILED: %s: the dev server answered code %lld, expected %lld\n  %.500s\n", what, got, want,
            g_dev);
    authing_mfa_client_free(g_client);
    exit(1);
}

/* ---- the story -------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static const char password[] = "quickstart-Passw0rd";
    char username[64], body[512], options[256], params[2600];
    char user_token[2048], mfa_token[2048], secret[64], recovery[64], new_recovery[64], uri[512], text[256];
    char status_name[64];
    char *result = NULL, *error = NULL, *code = NULL;
    long long now;

    g_base = argc > 1 ? argv[1] : getenv("AUTHING_MFA_DEVSERVER_URL");
    if (g_base == NULL) {
        fprintf(stderr, "usage: %s http://127.0.0.1:PORT   (the dev server's URL)\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* steps and errors stay in order when piped */
    printf("authing-mfa %s quickstart against the dev server at %s\n", authing_mfa_version(), g_base);
    printf("(dev-only demo: it prints the TOTP secret and recovery codes; real apps never do)\n");

    step(1, "Create a demo user  [dev server only: POST /__dev/users]");
    snprintf(username, sizeof username, "quickstart-%ld-%d", (long)time(NULL), (int)getpid());
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"email\":\"%s@example.com\",\"password\":\"%s\"}", username,
             username, password);
    dev_expect(dev_call("POST", "/__dev/users", body), 200, "create user");
    printf("   user %s created\n", username);

    step(2, "Log in with email and password: authing_mfa_login_by_email");
    snprintf(options, sizeof options, "{\"appHost\":\"%s\",\"lang\":\"en-US\"}", g_base);
    check(authing_mfa_client_new(options, &g_client, &error), &error, "authing_mfa_client_new");
    /* the password travels RSA-encrypted with the server's /api/v2/.well-known key, as the JS SDK sends it */
    snprintf(body, sizeof body, "{\"email\":\"%s@example.com\",\"password\":\"%s\"}", username, password);
    check(authing_mfa_login_by_email(g_client, body, &result, &error), &error, "authing_mfa_login_by_email");
    json_string(result, "token", user_token, sizeof user_token);
    authing_mfa_string_free(result);
    printf("   logged in: user token %s\n", preview(user_token));
    printf("   the client keeps the user and sends its token from now on (the JS SDK's setCurrentUser)\n");

    step(3, "Start binding an authenticator app: authing_mfa_associate_authenticator");
    check(authing_mfa_associate_authenticator(g_client, NULL, &result, &error), &error,
          "authing_mfa_associate_authenticator");
    json_string(result, "secret", secret, sizeof secret);
    json_string(result, "qrcode_uri", uri, sizeof uri);
    json_string(result, "recovery_code", recovery, sizeof recovery);
    authing_mfa_string_free(result);
    printf("   scan this in Google Authenticator / 1Password / ... (the server also sends it as a QR code PNG):\n");
    printf("   %s\n", uri);
    printf("   secret         %s   (dev-only display)\n", secret);
    printf("   recovery code  %s   (dev-only display; the user keeps it safe)\n", recovery);
    check(authing_mfa_totp_parse_uri(uri, &result, &error), &error, "authing_mfa_totp_parse_uri");
    json_string(result, "account", text, sizeof text);
    printf("   the app will show the account as \"%s\"\n", text);
    authing_mfa_string_free(result);

    step(4, "Confirm the binding with the app's current code: authing_mfa_confirm_associate_authenticator");
    /* authing_mfa_totp_generate_now plays the authenticator app here */
    check(authing_mfa_totp_generate_now(secret, &code, &error), &error, "authing_mfa_totp_generate_now");
    snprintf(params, sizeof params, "{\"authenticatorType\":\"totp\",\"totp\":\"%s\"}", code);
    authing_mfa_string_free(code);
    check(authing_mfa_confirm_associate_authenticator(g_client, params, &result, &error), &error,
          "authing_mfa_confirm_associate_authenticator");
    json_string(result, "message", text, sizeof text);
    printf("   server: \"%s\"  -> from now on, logging in needs a second factor\n", text);
    authing_mfa_string_free(result);

    step(5, "Log in again with the password: the server asks for MFA (AUTHING_MFA_ERR_API, code 1635)");
    if (authing_mfa_login_by_email(g_client, body, &result, &error) != AUTHING_MFA_ERR_API || json_number(error, "code") != 1635)
        check(AUTHING_MFA_ERR_API, &error, "login with MFA enabled (want code 1635)");
    json_string(error, "mfaToken", mfa_token, sizeof mfa_token);
    authing_mfa_string_free(error);
    error = NULL;
    printf("   code 1635 (MFA required); the error JSON's data.mfaToken %s is for the second step\n", preview(mfa_token));

    step(6, "Second factor, the app's code: authing_mfa_verify_totp");
    /* The step-4 code is from the same 30-second window. Rather than wait for
     * the next one, move the dev server's clock 30 s on and make the code for
     * the server's time, so it is a fresh code, not a replay. */
    dev_expect(dev_call("POST", "/__dev/clock", "{\"advanceSeconds\":30}"), 200, "advance the clock");
    now = json_number(g_dev, "now");
    printf("   [dev server only] clock moved 30 s on, to %lld\n", now);
    check(authing_mfa_totp_generate(secret, (int64_t)now, &code, &error), &error, "authing_mfa_totp_generate");
    snprintf(params, sizeof params, "{\"totp\":\"%s\",\"mfaToken\":\"%s\"}", code, mfa_token);
    authing_mfa_string_free(code);
    check(authing_mfa_verify_totp(g_client, params, &result, &error), &error, "authing_mfa_verify_totp");
    json_string(result, "username", text, sizeof text);
    json_string(result, "token", user_token, sizeof user_token);
    printf("   logged in as %s, new user token %s\n", text, preview(user_token));
    /* put the dev server's clock back, so a later run's codes from the system
     * clock (step 4) still match it */
    dev_expect(dev_call("POST", "/__dev/clock", "{\"advanceSeconds\":-30}"), 200, "restore the clock");
    /* the JS SDK's setCurrentUser: keep the user; its token is used from now on */
    check(authing_mfa_client_set_current_user(g_client, result, &error), &error, "authing_mfa_client_set_current_user");
    printf("   authing_mfa_client_set_current_user: the client keeps this user and its token\n");
    authing_mfa_string_free(result);

    step(7, "Lost the phone? Log in with the recovery code: authing_mfa_verify_totp_recovery_code");
    if (authing_mfa_login_by_email(g_client, body, &result, &error) != AUTHING_MFA_ERR_API || json_number(error, "code") != 1635)
        check(AUTHING_MFA_ERR_API, &error, "login with MFA enabled (want code 1635)");
    json_string(error, "mfaToken", mfa_token, sizeof mfa_token);
    authing_mfa_string_free(error);
    error = NULL;
    snprintf(params, sizeof params, "{\"recoveryCode\":\"%s\",\"mfaToken\":\"%s\"}", recovery, mfa_token);
    check(authing_mfa_verify_totp_recovery_code(g_client, params, &result, &error), &error,
          "authing_mfa_verify_totp_recovery_code");
    json_string(result, "recoveryCode", new_recovery, sizeof new_recovery);
    authing_mfa_string_free(result);
    printf("   logged in. Recovery codes work once; the server rotated in a new one:\n");
    printf("   new recovery code  %s   (dev-only display)\n", new_recovery);
    /* an mfaToken completes one login: this one is spent now */
    if (authing_mfa_verify_totp_recovery_code(g_client, params, &result, &error) == AUTHING_MFA_OK) {
        authing_mfa_string_free(result);
        fprintf(stderr, "\nFAILED: the spent mfaToken completed a second login\n");
        authing_mfa_client_free(g_client);
        return 1;
    }
    json_string(error, "message", text, sizeof text);
    printf("   the same mfaToken again -> code %lld: \"%s\"\n", json_number(error, "code"), text);
    if (json_number(error, "code") != 2207) check(AUTHING_MFA_ERR_API, &error, "the spent mfaToken (want 2207)");
    authing_mfa_string_free(error);
    error = NULL;
    /* the used code is dead now: with a fresh mfaToken from a new login, a
     * failure, shown as the library reports it */
    if (authing_mfa_login_by_email(g_client, body, &result, &error) != AUTHING_MFA_ERR_API || json_number(error, "code") != 1635)
        check(AUTHING_MFA_ERR_API, &error, "login with MFA enabled (want code 1635)");
    json_string(error, "mfaToken", mfa_token, sizeof mfa_token);
    authing_mfa_string_free(error);
    error = NULL;
    snprintf(params, sizeof params, "{\"recoveryCode\":\"%s\",\"mfaToken\":\"%s\"}", recovery, mfa_token);
    if (authing_mfa_verify_totp_recovery_code(g_client, params, &result, &error) == AUTHING_MFA_OK) {
        authing_mfa_string_free(result);
        fprintf(stderr, "\nFAILED: the used recovery code was accepted a second time\n");
        authing_mfa_client_free(g_client);
        return 1;
    }
    json_string(error, "status", status_name, sizeof status_name);
    json_string(error, "message", text, sizeof text);
    printf("   the old code with a new mfaToken -> %s, code %lld: \"%s\"\n", status_name, json_number(error, "code"),
           text);
    if (json_number(error, "code") != 6002) check(AUTHING_MFA_ERR_API, &error, "the used recovery code (want 6002)");
    authing_mfa_string_free(error);
    error = NULL;

    step(8, "Unbind the authenticator: authing_mfa_delete_authenticator");
    check(authing_mfa_delete_authenticator(g_client, NULL, &result, &error), &error, "authing_mfa_delete_authenticator");
    json_string(result, "message", text, sizeof text);
    printf("   server: \"%s\"\n", text);
    authing_mfa_string_free(result);
    check(authing_mfa_get_authenticators(g_client, NULL, &result, &error), &error, "authing_mfa_get_authenticators");
    if (strcmp(result, "[]") != 0) check(AUTHING_MFA_ERR_API, NULL, "no authenticator should be left");
    printf("   authing_mfa_get_authenticators -> %s: none left, logins need no second factor again\n", result);
    authing_mfa_string_free(result);

    authing_mfa_client_free(g_client);
    printf("\nDone: bound TOTP, logged in with a TOTP code and with the recovery code, unbound.\n");
    return 0;
}
