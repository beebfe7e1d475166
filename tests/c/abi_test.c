/*
 * abi_test.c: the C ABI test suite of libauthing_mfa.
 *
 * Uses only the public header (include/authing_mfa.h) and calls every
 * function it declares: the argument contract (NULL, UTF-8, JSON, unknown
 * keys), the error JSON, the token state, the TOTP helpers, every operation
 * against the dev server (success and failure paths), a refused connection
 * and a refused plain-http URL, the async API (callbacks, cancel, free), the
 * log callback, and finally authing_mfa_shutdown. run-tests.sh fails if a
 * function of the header is not named in this file.
 *
 * Usage: abi_test [DEV_SERVER_URL]   (else $AUTHING_MFA_DEVSERVER_URL)
 * Prints one line per check group and ends with "N passed, M failed"; exits
 * non-zero when any check failed. Every string the library returns is freed
 * with authing_mfa_string_free and every client with authing_mfa_client_free,
 * so that valgrind can prove the absence of leaks on the caller's side.
 *
 * The dev server's /__dev/ endpoints (create a user, password login, clock,
 * outbox) are not part of the library; they are reached with devhttp.h.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "authing_mfa.h"
#include "check.h"
#include "devhttp.h"

/* ---- fixtures --------------------------------------------------------------- */

static const char *g_base;          /* the dev server, http://127.0.0.1:PORT */
static char g_closed_url[64];       /* a loopback port nobody listens on */
static char g_tmpdir[64];
static char g_face_a[128], g_face_b[128], g_face_other[128], g_face_missing[128];
static char g_sentinel;             /* a non-NULL value out-pointers start with */
#define SENTINEL (&g_sentinel)

static const char RFC_SECRET[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; /* ASCII "1234567890" x2 */
static const char BAD_UTF8[] = "\xff\xfe";
/* A fixed 1024-bit RSA public key (SPKI PEM, made once with `openssl genrsa
 * 1024 | openssl rsa -pubout`), as a JSON string's contents (\n escaped).
 * Its private half is not kept: the tests check the ciphertext's shape. */
#define TEST_PUBLIC_KEY_JSON                                                   \
    "-----BEGIN PUBLIC KEY-----\\n"                                           \
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDH5clphRH/2U6p4OQL9DgBg2Cg\\n"     \
    "w4+drgm0vqXC/hM9UIkGAkdDc5tkDQW0nN18cNKhfsPfC5maYt+jgUbjWY8j78oz\\n"     \
    "xXiEjXWdnlUQYQXNudRcpC9/QBCQl9a0KiH4bhVR1ItvoXXA0r5TZBq8XnnMz/UY\\n"     \
    "DXKPM2iqH8z34OkbnwIDAQAB\\n"                                             \
    "-----END PUBLIC KEY-----\\n"

typedef authing_mfa_status (*op_fn)(const authing_mfa_client *, const char *, char **, char **);

/* A port on 127.0.0.1 that refuses connections: bind an ephemeral port
 * without listening on it, note it, release it. */
static int closed_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int port = 0, fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0
        && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_file(const char *path, const char *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(bytes, 1, n, f) == n;
    if (f != NULL && fclose(f) != 0) ok = 0;
    return ok;
}

static void make_fixture_files(void)
{
    /* The dev server has no face recognition: two uploads "match" when their
     * bytes are identical. A few bytes that start like a JPEG are enough. */
    static const char jpeg[] = "\xff\xd8\xff\xe0" "authing-mfa c test face\n";
    static const char other[] = "\xff\xd8\xff\xe0" "someone else entirely\n";
    strcpy(g_tmpdir, "/tmp/authing-mfa-c-test-XXXXXX");
    if (mkdtemp(g_tmpdir) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(g_face_a, sizeof g_face_a, "%s/face-a.jpg", g_tmpdir);
    snprintf(g_face_b, sizeof g_face_b, "%s/face-b.jpg", g_tmpdir);
    snprintf(g_face_other, sizeof g_face_other, "%s/other.jpg", g_tmpdir);
    snprintf(g_face_missing, sizeof g_face_missing, "%s/no-such-file.jpg", g_tmpdir);
    if (!write_file(g_face_a, jpeg, sizeof jpeg - 1) || !write_file(g_face_b, jpeg, sizeof jpeg - 1)
        || !write_file(g_face_other, other, sizeof other - 1)) {
        perror("writing the face fixtures");
        exit(2);
    }
}

static void remove_fixture_files(void)
{
    remove(g_face_a);
    remove(g_face_b);
    remove(g_face_other);
    rmdir(g_tmpdir);
}

/* ---- running library calls ------------------------------------------------ */

/* The out-pointer contract after a call: on success a result and no error
 * JSON; on failure no result and an error JSON that names the status. */
static void check_outcome(authing_mfa_status st, authing_mfa_status want, char *out, char *err,
                          const char *file, int line, const char *what)
{
    check_status_at(st, want, (err == SENTINEL) ? NULL : err, file, line, what);
    if (st == AUTHING_MFA_OK) {
        check_at(out != NULL && out != SENTINEL, file, line, "result set on success", NULL);
        check_at(err == NULL, file, line, "error JSON NULL on success", NULL);
    } else {
        char want_status[96];
        snprintf(want_status, sizeof want_status, "\"status\":\"%s\"", authing_mfa_status_name(st));
        check_at(out == NULL, file, line, "result NULL on failure", NULL);
        check_at(err != NULL && err != SENTINEL && strstr(err, want_status) != NULL, file, line,
                 "error JSON names the status", NULL);
    }
}

/* Runs an operation with both out-pointers. When success is expected, returns
 * the result (free it); when a failure is expected, returns NULL (an
 * unexpected result is freed here, so a failing check never leaks). Hands
 * over the error JSON in *err_out, or frees it when err_out is NULL. */
static char *run_op_at(const char *what, op_fn fn, const authing_mfa_client *c, const char *params,
                       authing_mfa_status want, char **err_out, const char *file, int line)
{
    char *out = SENTINEL, *err = SENTINEL;
    authing_mfa_status st = fn(c, params, &out, &err);
    check_outcome(st, want, out, err, file, line, what);
    if (out == SENTINEL) out = NULL;
    if (err == SENTINEL) err = NULL;
    if (want != AUTHING_MFA_OK) {
        authing_mfa_string_free(out);
        out = NULL;
    }
    if (err_out != NULL)
        *err_out = err;
    else
        authing_mfa_string_free(err);
    return out;
}

#define RUN_OP(fn, c, params, want, err_out) run_op_at(#fn, (fn), (c), (params), (want), (err_out), __FILE__, __LINE__)

static char *run_call_at(const authing_mfa_client *c, const char *method, const char *params,
                         authing_mfa_status want, char **err_out, const char *file, int line)
{
    char *out = SENTINEL, *err = SENTINEL;
    authing_mfa_status st = authing_mfa_call(c, method, params, &out, &err);
    check_outcome(st, want, out, err, file, line, "authing_mfa_call");
    if (out == SENTINEL) out = NULL;
    if (err == SENTINEL) err = NULL;
    if (want != AUTHING_MFA_OK) {
        authing_mfa_string_free(out);
        out = NULL;
    }
    if (err_out != NULL)
        *err_out = err;
    else
        authing_mfa_string_free(err);
    return out;
}

#define RUN_CALL(c, method, params, want, err_out) run_call_at((c), (method), (params), (want), (err_out), __FILE__, __LINE__)

static authing_mfa_client *new_client(const char *options_json)
{
    authing_mfa_client *c = NULL;
    char *err = NULL;
    authing_mfa_status st = authing_mfa_client_new(options_json, &c, &err);
    CHECK_STATUS(st, AUTHING_MFA_OK, err);
    authing_mfa_string_free(err);
    if (c == NULL) {
        fprintf(stderr, "cannot create a client with %s; giving up\n", options_json ? options_json : "NULL");
        exit(2);
    }
    return c;
}

/* A client for `url` with English server messages (the default, zh-CN, is
 * checked separately). */
static authing_mfa_client *client_for(const char *url)
{
    char opts[256];
    snprintf(opts, sizeof opts, "{\"appHost\":\"%s\",\"lang\":\"en-US\",\"timeout\":20000}", url);
    return new_client(opts);
}

/* client_for with a v3 access token, for the operations' argument contract:
 * the v3 factor calls refuse to run without one, so with it every operation
 * of g_ops reaches the network with acceptable parameters. */
static const char ACCESS_TOKEN[] = "c-test-access-token";

static authing_mfa_client *ops_client(const char *url)
{
    char opts[256];
    snprintf(opts, sizeof opts, "{\"appHost\":\"%s\",\"lang\":\"en-US\",\"timeout\":20000,\"accessToken\":\"%s\"}", url,
             ACCESS_TOKEN);
    return new_client(opts);
}

static int totp_at(const char *secret, long long t, char code[16])
{
    char *out = NULL, *err = NULL;
    authing_mfa_status st = authing_mfa_totp_generate(secret, (int64_t)t, &out, &err);
    int ok = CHECK_STATUS(st, AUTHING_MFA_OK, err) && out != NULL && strlen(out) == 6;
    if (ok) strcpy(code, out);
    authing_mfa_string_free(out);
    authing_mfa_string_free(err);
    return ok;
}

/* ---- the dev server's control endpoints (not the library) ----------------- */

static char g_dev[65536];

/* Calls a /__dev/ (or public, token-less) endpoint; the answer is in g_dev.
 * Returns the envelope's code, or -1. */
static long long dev(const char *method, const char *path, const char *body)
{
    long long code = -1;
    int http = devhttp_request(g_base, method, path, body, g_dev, sizeof g_dev);
    if (http < 0 || !json_int(g_dev, "code", &code)) {
        fprintf(stderr, "  dev server call %s %s failed (HTTP %d)\n", method, path, http);
        return -1;
    }
    return code;
}

struct user {
    char id[64], username[64], email[96], phone[24];
};

static const char PASSWORD[] = "c-test-Passw0rd";

/* A new user with a username, email and phone unique to this process. */
static int dev_create_user(struct user *u)
{
    static unsigned counter;
    char body[512];
    unsigned long n = (unsigned long)(time(NULL) % 100000) * 100000UL
                      + (unsigned long)(getpid() % 1000) * 100UL + (counter++ % 100);
    snprintf(u->username, sizeof u->username, "c-abi-%lu", n);
    snprintf(u->email, sizeof u->email, "c-abi-%lu@example.com", n);
    snprintf(u->phone, sizeof u->phone, "1%010lu", n);
    snprintf(body, sizeof body, "{\"username\":\"%s\",\"email\":\"%s\",\"phone\":\"%s\",\"password\":\"%s\"}",
             u->username, u->email, u->phone, PASSWORD);
    return CHECK(dev("POST", "/__dev/users", body) == 200) && CHECK(json_str(g_dev, "id", u->id, sizeof u->id));
}

/* Password login; returns the envelope code and copies data.token (200) or
 * data.mfaToken (1635) into `tok`. */
static long long dev_login(const struct user *u, char *tok, size_t tok_size)
{
    char body[256];
    long long code;
    snprintf(body, sizeof body, "{\"account\":\"%s\",\"password\":\"%s\"}", u->username, PASSWORD);
    code = dev("POST", "/__dev/login", body);
    tok[0] = '\0';
    if (code == 200) json_str(g_dev, "token", tok, tok_size);
    if (code == 1635) json_str(g_dev, "mfaToken", tok, tok_size);
    return code;
}

/* The server's clock (it can be shifted, so TOTP codes are made for it). */
static long long dev_now(void)
{
    long long now = -1;
    if (dev("GET", "/__dev/clock", NULL) != 200 || !json_int(g_dev, "now", &now)) return -1;
    return now;
}

static int dev_enable_factor(const struct user *u, const char *factor, const char *body)
{
    char path[160];
    snprintf(path, sizeof path, "/__dev/users/%s/mfa/%s", u->id, factor);
    return dev("POST", path, body ? body : "{}") == 200;
}

/* A 6-digit code that is NOT valid for `secret` within a step of `now`. */
static void wrong_code(const char *secret, long long now, char wrong[16])
{
    char around[3][16] = {"", "", ""};
    int k;
    for (k = 0; k < 3; k++) totp_at(secret, now + (k - 1) * 30, around[k]);
    strcpy(wrong, "135791"); /* distinctive: must not be found in messages by chance */
    while (strcmp(wrong, around[0]) == 0 || strcmp(wrong, around[1]) == 0 || strcmp(wrong, around[2]) == 0)
        wrong[0]++;
}

/* The newest code the dev server "sent" to `to` (its outbox is oldest first). */
static int dev_last_code(const char *to, char code[16])
{
    char path[200], *p, *last = NULL;
    const char *s;
    size_t n = 0;
    strcpy(path, "/__dev/outbox?to=");
    for (s = to; *s && strlen(path) + 4 < sizeof path; s++) {
        if (*s == '@')
            strcat(path, "%40");
        else {
            size_t l = strlen(path);
            path[l] = *s;
            path[l + 1] = '\0';
        }
    }
    if (dev("GET", path, NULL) != 200) return 0;
    /* message codes are strings ("code":"123456"); the envelope's is a number */
    for (p = g_dev; (p = strstr(p, "\"code\":\"")) != NULL; p++) last = p;
    if (last == NULL) return 0;
    for (last += 8; *last && *last != '"' && n < 15; last++) code[n++] = *last;
    code[n] = '\0';
    return n == 6;
}

/* ---- 1. version and status names ------------------------------------------ */

static void test_version_and_status_names(void)
{
    static const struct {
        authing_mfa_status value;
        const char *name;
    } statuses[] = {
        {AUTHING_MFA_OK, "AUTHING_MFA_OK"},
        {AUTHING_MFA_ERR_NULL_ARGUMENT, "AUTHING_MFA_ERR_NULL_ARGUMENT"},
        {AUTHING_MFA_ERR_INVALID_UTF8, "AUTHING_MFA_ERR_INVALID_UTF8"},
        {AUTHING_MFA_ERR_INVALID_JSON, "AUTHING_MFA_ERR_INVALID_JSON"},
        {AUTHING_MFA_ERR_INVALID_ARGUMENT, "AUTHING_MFA_ERR_INVALID_ARGUMENT"},
        {AUTHING_MFA_ERR_API, "AUTHING_MFA_ERR_API"},
        {AUTHING_MFA_ERR_HTTP_STATUS, "AUTHING_MFA_ERR_HTTP_STATUS"},
        {AUTHING_MFA_ERR_NETWORK, "AUTHING_MFA_ERR_NETWORK"},
        {AUTHING_MFA_ERR_TIMEOUT, "AUTHING_MFA_ERR_TIMEOUT"},
        {AUTHING_MFA_ERR_DECODE, "AUTHING_MFA_ERR_DECODE"},
        {AUTHING_MFA_ERR_IO, "AUTHING_MFA_ERR_IO"},
        {AUTHING_MFA_ERR_CANCELLED, "AUTHING_MFA_ERR_CANCELLED"},
        {AUTHING_MFA_ERR_SHUTDOWN, "AUTHING_MFA_ERR_SHUTDOWN"},
        {AUTHING_MFA_ERR_WOULD_DEADLOCK, "AUTHING_MFA_ERR_WOULD_DEADLOCK"},
        {AUTHING_MFA_ERR_FORKED, "AUTHING_MFA_ERR_FORKED"},
        {AUTHING_MFA_ERR_PANIC, "AUTHING_MFA_ERR_PANIC"},
    };
    static const authing_mfa_status unknown[] = {-1, 5, 9, 20, 98, 100, INT32_MAX, INT32_MIN};
    size_t i;
    char version[32];

    group_begin("version and status names");
    CHECK_STREQ(authing_mfa_version(), AUTHING_MFA_VERSION_STRING);
    snprintf(version, sizeof version, "%d.%d.%d", AUTHING_MFA_VERSION_MAJOR, AUTHING_MFA_VERSION_MINOR,
             AUTHING_MFA_VERSION_PATCH);
    CHECK_STREQ(authing_mfa_version(), version);
    CHECK(authing_mfa_version() == authing_mfa_version()); /* static, never freed */
    for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        CHECK_STREQ(authing_mfa_status_name(statuses[i].value), statuses[i].name);
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        CHECK_STREQ(authing_mfa_status_name(unknown[i]), "AUTHING_MFA_UNKNOWN_STATUS");
    /* The operation list: static JSON naming every operation and its C
       function (the bindings' drift tests read it; tests/header.rs checks
       it against this header). */
    CHECK(authing_mfa_operations() != NULL);
    CHECK(authing_mfa_operations() == authing_mfa_operations()); /* static, never freed */
    CHECK(authing_mfa_operations()[0] == '[');
    /* (the four documented fields first; the catalogue has had "http",
       "token" and "requiresArgument" after them since issue #11) */
    CHECK(strstr(authing_mfa_operations(),
                 "{\"name\":\"verifyTotpMfa\",\"aliases\":[],\"cFunction\":\"authing_mfa_verify_totp\","
                 "\"keys\":[\"totp\",\"mfaToken\"]") != NULL);
    CHECK(strstr(authing_mfa_operations(), "\"authing_mfa_verify_face\"") != NULL);
    CHECK(strstr(authing_mfa_operations(),
                 "{\"name\":\"loginByEmail\",\"aliases\":[],\"cFunction\":\"authing_mfa_login_by_email\","
                 "\"keys\":[\"email\",\"password\",") != NULL);
    CHECK(strstr(authing_mfa_operations(),
                 "{\"name\":\"logout\",\"aliases\":[],\"cFunction\":\"authing_mfa_logout\",\"keys\":[]") != NULL);
    CHECK(strstr(authing_mfa_operations(), "\"authing_mfa_check_login_status\"") != NULL);
    /* No-ops: a crash here fails the run (no CHECK can observe "returned"). */
    authing_mfa_string_free(NULL);
    authing_mfa_client_free(NULL);
    group_end();
}

/* ---- 2. creating clients ------------------------------------------------------ */

static void expect_client_new_fails(const char *options, authing_mfa_status want, const char *must_mention)
{
    authing_mfa_client *c = (authing_mfa_client *)SENTINEL;
    char *err = SENTINEL;
    authing_mfa_status st = authing_mfa_client_new(options, &c, &err);
    CHECK_STATUS(st, want, err == SENTINEL ? NULL : err);
    CHECK(c == NULL);
    CHECK(err != SENTINEL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, authing_mfa_status_name(want), -1, -1);
    if (must_mention != NULL) CHECK_MSG(err != SENTINEL && err && strstr(err, must_mention) != NULL, must_mention);
    if (err != SENTINEL) authing_mfa_string_free(err);
    if (c != NULL && c != (authing_mfa_client *)SENTINEL) authing_mfa_client_free(c);

    /* the same call without an error out-pointer: same status, nothing to free */
    c = (authing_mfa_client *)SENTINEL;
    CHECK_STATUS(authing_mfa_client_new(options, &c, NULL), want, NULL);
    CHECK(c == NULL);
}

static void test_client_new(void)
{
    static const char *const good[] = {
        NULL, "null", "{}", " { } ",
        "{\"userPoolId\":\"p\",\"appId\":\"a\",\"tenantId\":\"t\",\"appHost\":\"https://example.authing.cn/\","
        "\"lang\":\"en-US\",\"timeout\":1000,\"requestFrom\":\"c-test\",\"token\":\"abc.def.ghi\","
        "\"allowInsecureHttp\":false,\"maxResponseBytes\":1024}",
        "{\"host\":\"https://core.authing.cn\",\"lang\":\"zh-CN\",\"timeout\":0,\"appId\":\"\"}",
    };
    size_t i;
    char *err = SENTINEL;
    authing_mfa_client *c = (authing_mfa_client *)SENTINEL;

    group_begin("client_new / client_free");
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        c = (authing_mfa_client *)SENTINEL;
        err = SENTINEL;
        CHECK_STATUS(authing_mfa_client_new(good[i], &c, &err), AUTHING_MFA_OK, err == SENTINEL ? NULL : err);
        CHECK(c != NULL && c != (authing_mfa_client *)SENTINEL);
        CHECK(err == NULL);
        if (err != SENTINEL) authing_mfa_string_free(err);
        if (c != (authing_mfa_client *)SENTINEL) authing_mfa_client_free(c);
    }
    /* a NULL out_client */
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_new("{}", NULL, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, err == SENTINEL ? NULL : err);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) authing_mfa_string_free(err);
    CHECK_STATUS(authing_mfa_client_new("{}", NULL, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);

    expect_client_new_fails(BAD_UTF8, AUTHING_MFA_ERR_INVALID_UTF8, NULL);
    expect_client_new_fails("{\"appId\":\"\xff\"}", AUTHING_MFA_ERR_INVALID_UTF8, NULL);
    expect_client_new_fails("", AUTHING_MFA_ERR_INVALID_JSON, NULL);
    expect_client_new_fails("{", AUTHING_MFA_ERR_INVALID_JSON, NULL);
    expect_client_new_fails("[1]", AUTHING_MFA_ERR_INVALID_JSON, NULL);
    expect_client_new_fails("\"https://core.authing.cn\"", AUTHING_MFA_ERR_INVALID_JSON, NULL);
    expect_client_new_fails("{\"timeout\":\"30\"}", AUTHING_MFA_ERR_INVALID_JSON, "timeout");
    expect_client_new_fails("{\"allowInsecureHttp\":\"yes\"}", AUTHING_MFA_ERR_INVALID_JSON, "allowInsecureHttp");
    expect_client_new_fails("{\"appHost\":42}", AUTHING_MFA_ERR_INVALID_JSON, "appHost");
    expect_client_new_fails("{\"appHostt\":\"https://x\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, "appHostt");
    expect_client_new_fails("{\"noSuchOption\":1}", AUTHING_MFA_ERR_INVALID_ARGUMENT, "noSuchOption");
    expect_client_new_fails("{\"appHost\":\"not a url\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    expect_client_new_fails("{\"appHost\":\"ftp://example.com\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    expect_client_new_fails("{\"lang\":\"fr-FR\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, "lang");
    expect_client_new_fails("{\"timeout\":86400001}", AUTHING_MFA_ERR_INVALID_ARGUMENT, "timeout");
    expect_client_new_fails("{\"timeout\":-5}", AUTHING_MFA_ERR_INVALID_ARGUMENT, "timeout");
    expect_client_new_fails("{\"maxResponseBytes\":0}", AUTHING_MFA_ERR_INVALID_ARGUMENT, "maxResponseBytes");
    expect_client_new_fails("{\"token\":\"has space\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    expect_client_new_fails("{\"caCertPem\":\"not a certificate\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* the publicKey option is checked at once, never quoted */
    expect_client_new_fails("{\"publicKey\":\"not a key\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, "publicKey");
    expect_client_new_fails("{\"publicKey\":\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\"}",
                            AUTHING_MFA_ERR_INVALID_ARGUMENT, "publicKey");
    expect_client_new_fails("{\"publicKey\":42}", AUTHING_MFA_ERR_INVALID_JSON, "publicKey");
    {
        char opts[1024];
        snprintf(opts, sizeof opts, "{\"publicKey\":\"%s\"}", TEST_PUBLIC_KEY_JSON);
        c = (authing_mfa_client *)SENTINEL;
        err = SENTINEL;
        CHECK_STATUS(authing_mfa_client_new(opts, &c, &err), AUTHING_MFA_OK, err == SENTINEL ? NULL : err);
        CHECK(err == NULL);
        if (err != SENTINEL) authing_mfa_string_free(err);
        if (c != (authing_mfa_client *)SENTINEL) authing_mfa_client_free(c);
    }
    group_end();
}

/* ---- 3. the operations' argument contract ----------------------------------- */

struct op_case {
    const char *name;     /* C function */
    op_fn fn;
    const char *js;       /* its name for authing_mfa_call */
    const char *params;   /* acceptable parameters (reach the network) */
    int null_params_ok;   /* NULL means "no argument" and is sent with defaults */
    const char *missing;  /* parameters lacking a required key, or NULL */
    const char *missing_key;
    const char *wrong_type; /* a value of the wrong JSON type, or NULL */
};

static char g_files_params[512];

static struct op_case g_ops[] = {
    {"authing_mfa_get_authenticators", authing_mfa_get_authenticators, "getMfaAuthenticators",
     "{\"type\":\"totp\",\"source\":\"SELF\"}", 1, NULL, NULL, "{\"type\":5}"},
    {"authing_mfa_associate_authenticator", authing_mfa_associate_authenticator, "assosicateMfaAuthenticator",
     "{\"authenticatorType\":\"totp\"}", 1, NULL, NULL, "{\"source\":true}"},
    {"authing_mfa_delete_authenticator", authing_mfa_delete_authenticator, "deleteMfaAuthenticator",
     "{}", 1, NULL, NULL, NULL},
    {"authing_mfa_confirm_associate_authenticator", authing_mfa_confirm_associate_authenticator,
     "confirmAssosicateMfaAuthenticator", "{\"authenticatorType\":\"totp\",\"totp\":\"123456\"}", 0,
     "{\"authenticatorType\":\"totp\"}", "totp", "{\"totp\":123456}"},
    {"authing_mfa_verify_totp", authing_mfa_verify_totp, "verifyTotpMfa",
     "{\"totp\":\"123456\",\"mfaToken\":\"a.b.c\"}", 0, "{\"totp\":\"123456\"}", "mfaToken",
     "{\"totp\":123456,\"mfaToken\":\"a.b.c\"}"},
    {"authing_mfa_verify_totp_recovery_code", authing_mfa_verify_totp_recovery_code, "verifyTotpRecoveryCode",
     "{\"recoveryCode\":\"0000-0000-0000-0000-0000-0000\",\"mfaToken\":\"a.b.c\"}", 0,
     "{\"mfaToken\":\"a.b.c\"}", "recoveryCode", "{\"recoveryCode\":[],\"mfaToken\":\"a.b.c\"}"},
    {"authing_mfa_verify_app_sms", authing_mfa_verify_app_sms, "verifyAppSmsMfa",
     "{\"phone\":\"13800000000\",\"code\":\"123456\",\"mfaToken\":\"a.b.c\",\"phoneCountryCode\":\"+86\"}", 0,
     "{\"phone\":\"13800000000\",\"mfaToken\":\"a.b.c\"}", "code",
     "{\"phone\":13800000000,\"code\":\"1\",\"mfaToken\":\"a.b.c\"}"},
    {"authing_mfa_verify_app_email", authing_mfa_verify_app_email, "verifyAppEmailMfa",
     "{\"email\":\"a@example.com\",\"code\":\"123456\",\"mfaToken\":\"a.b.c\"}", 0,
     "{\"code\":\"123456\",\"mfaToken\":\"a.b.c\"}", "email",
     "{\"email\":\"a@example.com\",\"code\":{},\"mfaToken\":\"a.b.c\"}"},
    {"authing_mfa_phone_or_email_bindable", authing_mfa_phone_or_email_bindable, "phoneOrEmailBindable",
     "{\"email\":\"a@example.com\",\"mfaToken\":\"a.b.c\"}", 0, "{\"email\":\"a@example.com\"}", "mfaToken",
     "{\"email\":1,\"mfaToken\":\"a.b.c\"}"},
    {"authing_mfa_associate_face_by_url", authing_mfa_associate_face_by_url, "associateFaceByUrl",
     "{\"baseFace\":\"https://example.com/a.jpg\",\"compareFace\":\"https://example.com/a.jpg\"}", 0,
     "{\"baseFace\":\"https://example.com/a.jpg\"}", "compareFace",
     "{\"baseFace\":1,\"compareFace\":\"https://example.com/a.jpg\"}"},
    {"authing_mfa_associate_face_by_files", authing_mfa_associate_face_by_files, "associateFaceByLocalFile",
     g_files_params /* filled in main: the fixture files must exist */, 0,
     "{\"compareFace\":\"/tmp/x.jpg\"}", "baseFace", "{\"baseFace\":[\"a.jpg\"]}"},
    {"authing_mfa_verify_face", authing_mfa_verify_face, "verifyFaceMfa",
     "{\"photo\":\"https://example.com/a.jpg\",\"mfaToken\":\"a.b.c\"}", 0, "{\"mfaToken\":\"a.b.c\"}", "photo",
     "{\"photo\":false,\"mfaToken\":\"a.b.c\"}"},
    /* the first factor (issue #12); the password logins reach the network
     * first with GET /api/v2/.well-known (the RSA key) */
    {"authing_mfa_login_by_email", authing_mfa_login_by_email, "loginByEmail",
     "{\"email\":\"a@example.com\",\"password\":\"p@ssw0rd\",\"autoRegister\":true,\"customData\":{\"k\":1},"
     "\"context\":{\"c\":\"x\"}}", 0,
     "{\"email\":\"a@example.com\"}", "password",
     "{\"email\":\"a@example.com\",\"password\":\"p\",\"autoRegister\":\"yes\"}"},
    {"authing_mfa_login_by_username", authing_mfa_login_by_username, "loginByUsername",
     "{\"username\":\"bob\",\"password\":\"pw\",\"captchaCode\":\"c\",\"clientIp\":\"10.0.0.1\"}", 0,
     "{\"password\":\"pw\"}", "username", "{\"username\":\"bob\",\"password\":\"pw\",\"customData\":[1]}"},
    {"authing_mfa_login_by_phone_password", authing_mfa_login_by_phone_password, "loginByPhonePassword",
     "{\"phone\":\"13800000000\",\"password\":\"pw\"}", 0, "{\"phone\":\"13800000000\"}", "password",
     "{\"phone\":13800000000,\"password\":\"pw\"}"},
    {"authing_mfa_login_by_phone_code", authing_mfa_login_by_phone_code, "loginByPhoneCode",
     "{\"phone\":\"13800000000\",\"code\":\"1234\",\"phoneCountryCode\":\"+86\"}", 0,
     "{\"phone\":\"13800000000\"}", "code", "{\"phone\":\"13800000000\",\"code\":1234}"},
    {"authing_mfa_login_by_email_code", authing_mfa_login_by_email_code, "loginByEmailCode",
     "{\"email\":\"a@example.com\",\"code\":\"1234\"}", 0, "{\"code\":\"1234\"}", "email",
     "{\"email\":\"a@example.com\",\"code\":\"1234\",\"clientIp\":5}"},
    {"authing_mfa_send_sms_code", authing_mfa_send_sms_code, "sendSmsCode",
     "{\"phone\":\"13800000000\",\"scene\":\"mfa-verify\"}", 0, "{\"scene\":\"login\"}", "phone",
     "{\"phone\":\"13800000000\",\"scene\":3}"},
    {"authing_mfa_send_email", authing_mfa_send_email, "sendEmail",
     "{\"email\":\"a@example.com\",\"scene\":\"MFA_VERIFY_CODE\"}", 0, "{\"email\":\"a@example.com\"}", "scene",
     "{\"email\":[],\"scene\":\"MFA_VERIFY_CODE\"}"},
    {"authing_mfa_logout", authing_mfa_logout, "logout", "{}", 1, NULL, NULL, NULL},
    {"authing_mfa_check_login_status", authing_mfa_check_login_status, "checkLoginStatus",
     "{\"token\":\"a.b.c\"}", 1, NULL, NULL, "{\"token\":7}"},
    /* Authing's v3 factor API (issue #13); the factor calls need the access
     * token ops_client gives (checked without one in test_factors_offline) */
    {"authing_mfa_sign_in", authing_mfa_sign_in, "signInByCredentials",
     "{\"connection\":\"PASSWORD\",\"passwordPayload\":{\"email\":\"a@example.com\",\"password\":\"pw\"},"
     "\"options\":{\"scope\":\"openid profile\"}}", 0,
     "{\"passwordPayload\":{\"email\":\"a@example.com\",\"password\":\"pw\"}}", "connection",
     "{\"connection\":\"PASSWORD\",\"passwordPayload\":\"pw\"}"},
    {"authing_mfa_send_enroll_factor_request", authing_mfa_send_enroll_factor_request, "sendEnrollFactorRequest",
     "{\"factorType\":\"SMS\",\"profile\":{\"phoneNumber\":\"13800000000\",\"phoneCountryCode\":\"+86\"}}", 0,
     "{\"profile\":{\"email\":\"a@example.com\"}}", "factorType", "{\"factorType\":\"EMAIL\",\"profile\":[]}"},
    {"authing_mfa_enroll_factor", authing_mfa_enroll_factor, "enrollFactor",
     "{\"factorType\":\"OTP\",\"enrollmentToken\":\"enr-1\",\"enrollmentData\":{\"passCode\":\"123456\"}}", 0,
     "{\"factorType\":\"OTP\",\"enrollmentData\":{\"passCode\":\"123456\"}}", "enrollmentToken",
     "{\"factorType\":\"OTP\",\"enrollmentToken\":\"enr-1\",\"enrollmentData\":\"123456\"}"},
    {"authing_mfa_reset_factor", authing_mfa_reset_factor, "resetFactor", "{\"factorId\":\"f1\"}", 0, "{}",
     "factorId", "{\"factorId\":1}"},
    {"authing_mfa_list_enrolled_factors", authing_mfa_list_enrolled_factors, "listEnrolledFactors", "{}", 1, NULL,
     NULL, NULL},
    {"authing_mfa_get_factor", authing_mfa_get_factor, "getFactor", "{\"factorId\":\"f1\"}", 0, "{}", "factorId",
     "{\"factorId\":[\"f1\"]}"},
    {"authing_mfa_list_factors_to_enroll", authing_mfa_list_factors_to_enroll, "listFactorsToEnroll", "{}", 1, NULL,
     NULL, NULL},
    {"authing_mfa_otp_verify", authing_mfa_otp_verify, "mfaOtpVerify", "{\"totp\":\"123456\"}", 0, "{}", "totp",
     "{\"totp\":123456}"},
    {"authing_mfa_verify_mfa_token", authing_mfa_verify_mfa_token, "verifyMfaToken", "{\"token\":\"a.b.c\"}", 0,
     "{}", "token", "{\"token\":true}"},
};

#define N_OPS (sizeof g_ops / sizeof g_ops[0])

static void test_null_arguments(void)
{
    authing_mfa_client *c = ops_client(g_closed_url);
    char *out, *err;
    size_t i;

    group_begin("NULL arguments, every function");
    for (i = 0; i < N_OPS; i++) {
        const struct op_case *op = &g_ops[i];
        /* NULL client, with and without an error out-pointer */
        out = SENTINEL;
        err = SENTINEL;
        CHECK_STATUS(op->fn(NULL, op->params, &out, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
        CHECK(out == NULL);
        CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
        if (err != SENTINEL) sfree(&err);
        out = SENTINEL;
        CHECK_STATUS(op->fn(NULL, op->params, &out, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
        CHECK(out == NULL);
        /* NULL out_result_json */
        err = SENTINEL;
        CHECK_STATUS(op->fn(c, op->params, NULL, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
        CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
        if (err != SENTINEL) sfree(&err);
        CHECK_STATUS(op->fn(c, op->params, NULL, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
        /* NULL params: "no argument" where the JS SDK has defaults (the request
         * is then sent, and refused by the closed port), an error elsewhere
         * (caught before any request, so not NETWORK) */
        out = RUN_OP(op->fn, c, NULL, op->null_params_ok ? AUTHING_MFA_ERR_NETWORK : AUTHING_MFA_ERR_INVALID_ARGUMENT,
                     NULL);
        authing_mfa_string_free(out);
    }
    /* authing_mfa_call: NULL client, method, out */
    out = SENTINEL;
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_call(NULL, "getMfaAuthenticators", NULL, &out, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK(out == NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) sfree(&err);
    out = RUN_CALL(c, NULL, "{}", AUTHING_MFA_ERR_NULL_ARGUMENT, &err);
    CHECK_MSG(err && strstr(err, "method") != NULL, "the message names `method`");
    sfree(&err);
    CHECK_STATUS(authing_mfa_call(c, "getMfaAuthenticators", NULL, NULL, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_STATUS(authing_mfa_call(NULL, NULL, NULL, NULL, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);

    /* token state */
    CHECK_STATUS(authing_mfa_client_set_token(NULL, "abc"), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_STATUS(authing_mfa_client_set_token(c, NULL), AUTHING_MFA_OK, NULL); /* NULL clears */
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_set_current_user(NULL, "{}", &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) sfree(&err);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_set_current_user(c, NULL, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    CHECK_MSG(err != SENTINEL && err && strstr(err, "user_json") != NULL, "the message names `user_json`");
    if (err != SENTINEL) sfree(&err);
    CHECK_STATUS(authing_mfa_client_set_current_user(c, NULL, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    out = SENTINEL;
    CHECK_STATUS(authing_mfa_client_get_current_user(NULL, &out), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK(out == NULL);
    CHECK_STATUS(authing_mfa_client_get_current_user(c, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_STATUS(authing_mfa_client_clear_current_user(NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);

    /* TOTP helpers */
    out = SENTINEL;
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_totp_generate(NULL, 59, &out, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK(out == NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) sfree(&err);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_totp_generate(RFC_SECRET, 59, NULL, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) sfree(&err);
    CHECK_STATUS(authing_mfa_totp_generate(NULL, 59, NULL, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    out = SENTINEL;
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_totp_generate_now(NULL, &out, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK(out == NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) sfree(&err);
    CHECK_STATUS(authing_mfa_totp_generate_now(RFC_SECRET, NULL, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    out = SENTINEL;
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_totp_parse_uri(NULL, &out, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK(out == NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) sfree(&err);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_totp_parse_uri("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP", NULL, &err),
                 AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) sfree(&err);
    CHECK_STATUS(authing_mfa_totp_parse_uri(NULL, NULL, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);

    authing_mfa_client_free(c);
    group_end();
}

/* authing_mfa_android_init off Android: nothing to initialise, so only its
 * arguments are checked (documented: OK for any non-NULL pair, so that code
 * shared with Android may call it everywhere); NULL ones are refused by name. */
static void test_android_init_elsewhere(void)
{
    int fake_env = 0, fake_context = 0;
    char *err;

    group_begin("authing_mfa_android_init off Android");
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_android_init(&fake_env, &fake_context, &err), AUTHING_MFA_OK, NULL);
    CHECK(err == NULL);
    CHECK_STATUS(authing_mfa_android_init(&fake_env, &fake_context, NULL), AUTHING_MFA_OK, NULL);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_android_init(NULL, &fake_context, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    CHECK(err != SENTINEL && err != NULL && strstr(err, "jni_env") != NULL);
    if (err != SENTINEL) sfree(&err);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_android_init(&fake_env, NULL, &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK(err != SENTINEL && err != NULL && strstr(err, "context") != NULL);
    if (err != SENTINEL) sfree(&err);
    CHECK_STATUS(authing_mfa_android_init(NULL, NULL, NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
}

static void test_invalid_utf8(void)
{
    authing_mfa_client *c = ops_client(g_closed_url);
    char *out, *err = NULL;
    size_t i;

    group_begin("invalid UTF-8, every string argument");
    for (i = 0; i < N_OPS; i++) {
        out = RUN_OP(g_ops[i].fn, c, BAD_UTF8, AUTHING_MFA_ERR_INVALID_UTF8, &err);
        CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_UTF8", -1, -1);
        sfree(&err);
        /* inside an otherwise valid JSON string: never silently repaired */
        out = RUN_OP(g_ops[i].fn, c, "{\"mfaToken\":\"" "\xff" "\"}", AUTHING_MFA_ERR_INVALID_UTF8, NULL);
        authing_mfa_string_free(out);
        out = RUN_CALL(c, g_ops[i].js, BAD_UTF8, AUTHING_MFA_ERR_INVALID_UTF8, NULL);
        authing_mfa_string_free(out);
    }
    out = RUN_CALL(c, BAD_UTF8, "{}", AUTHING_MFA_ERR_INVALID_UTF8, &err);       /* method */
    CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_UTF8", -1, -1);
    sfree(&err);
    out = RUN_CALL(c, "verifyTotp\xc3", "{}", AUTHING_MFA_ERR_INVALID_UTF8, NULL); /* truncated sequence */

    CHECK_STATUS(authing_mfa_client_set_token(c, BAD_UTF8), AUTHING_MFA_ERR_INVALID_UTF8, NULL);
    CHECK_STATUS(authing_mfa_client_set_current_user(c, BAD_UTF8, &err), AUTHING_MFA_ERR_INVALID_UTF8, err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_UTF8", -1, -1);
    sfree(&err);
    CHECK_STATUS(authing_mfa_client_set_current_user(c, "{\"id\":\"\xc0\xaf\"}", NULL), AUTHING_MFA_ERR_INVALID_UTF8,
                 NULL); /* an overlong '/' */

    CHECK_STATUS(authing_mfa_totp_generate(BAD_UTF8, 59, &out, &err), AUTHING_MFA_ERR_INVALID_UTF8, err);
    CHECK(out == NULL);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_UTF8", -1, -1);
    sfree(&err);
    CHECK_STATUS(authing_mfa_totp_generate_now(BAD_UTF8, &out, NULL), AUTHING_MFA_ERR_INVALID_UTF8, NULL);
    CHECK(out == NULL);
    CHECK_STATUS(authing_mfa_totp_parse_uri("otpauth://totp/x?secret=\xff\xfe", &out, &err),
                 AUTHING_MFA_ERR_INVALID_UTF8, err);
    CHECK(out == NULL);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_UTF8", -1, -1);
    sfree(&err);
    authing_mfa_client_free(c);
    group_end();
}

static void test_invalid_json_and_arguments(void)
{
    /* Against a closed port: an argument error that slipped through to the
     * network would show up as AUTHING_MFA_ERR_NETWORK, not as a pass. */
    authing_mfa_client *c = ops_client(g_closed_url);
    static const char *const not_objects[] = {"", "{", "{\"totp\":", "[1]", "\"totp\"", "42", "true", "{} {}"};
    char *out, *err = NULL;
    size_t i, j;

    group_begin("invalid JSON, unknown / missing keys");
    for (i = 0; i < N_OPS; i++) {
        const struct op_case *op = &g_ops[i];
        for (j = 0; j < sizeof not_objects / sizeof not_objects[0]; j++) {
            out = RUN_OP(op->fn, c, not_objects[j], AUTHING_MFA_ERR_INVALID_JSON, &err);
            CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_JSON", -1, -1);
            sfree(&err);
        }
        if (op->wrong_type != NULL) {
            out = RUN_OP(op->fn, c, op->wrong_type, AUTHING_MFA_ERR_INVALID_JSON, NULL);
            authing_mfa_string_free(out);
            out = RUN_CALL(c, op->js, op->wrong_type, AUTHING_MFA_ERR_INVALID_JSON, NULL);
            authing_mfa_string_free(out);
        }
        /* an unknown key, named in the message (JS keys are case-sensitive) */
        out = RUN_OP(op->fn, c, "{\"noSuchKey\":\"x\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
        CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_ARGUMENT", -1, -1);
        CHECK_MSG(err && strstr(err, "noSuchKey") != NULL, op->name);
        sfree(&err);
        out = RUN_OP(op->fn, c, "{\"MFATOKEN\":\"a.b.c\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
        CHECK_MSG(err && strstr(err, "MFATOKEN") != NULL, op->name);
        sfree(&err);
        /* a missing required key, named in the message, caught before any request */
        if (op->missing != NULL) {
            out = RUN_OP(op->fn, c, op->missing, AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
            CHECK_MSG(err && strstr(err, op->missing_key) != NULL, op->name);
            sfree(&err);
            out = RUN_CALL(c, op->js, op->missing, AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
            authing_mfa_string_free(out);
        }
        /* the acceptable parameters pass validation: the closed port refuses them */
        out = RUN_OP(op->fn, c, op->params, AUTHING_MFA_ERR_NETWORK, NULL);
        authing_mfa_string_free(out);
    }
    /* an empty required string, or an empty mfaToken, is refused too */
    out = RUN_OP(authing_mfa_verify_totp, c, "{\"totp\":\"\",\"mfaToken\":\"a.b.c\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT,
                 NULL);
    out = RUN_OP(authing_mfa_get_authenticators, c, "{\"mfaToken\":\"\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* a token HTTP cannot carry */
    out = RUN_OP(authing_mfa_verify_totp, c, "{\"totp\":\"123456\",\"mfaToken\":\"a b\"}",
                 AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* delete takes no keys at all */
    out = RUN_OP(authing_mfa_delete_authenticator, c, "{\"type\":\"totp\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err && strstr(err, "type") != NULL, "delete names the key");
    sfree(&err);
    /* "null" means no argument, as NULL does */
    out = RUN_OP(authing_mfa_delete_authenticator, c, "null", AUTHING_MFA_ERR_NETWORK, NULL);
    out = RUN_OP(authing_mfa_verify_totp, c, "null", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* unknown methods */
    out = RUN_CALL(c, "verifySmsMfa", "{}", AUTHING_MFA_ERR_INVALID_ARGUMENT, &err); /* named in the docs, never existed */
    CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_ARGUMENT", -1, -1);
    CHECK_MSG(err && strstr(err, "verifySmsMfa") != NULL, "the message names the method");
    sfree(&err);
    out = RUN_CALL(c, "", NULL, AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    out = RUN_CALL(c, "GetMfaAuthenticators", NULL, AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* set_current_user: not an object, or a token of the wrong type */
    CHECK_STATUS(authing_mfa_client_set_current_user(c, "[{\"token\":\"a\"}]", &err), AUTHING_MFA_ERR_INVALID_JSON, err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_JSON", -1, -1);
    sfree(&err);
    CHECK_STATUS(authing_mfa_client_set_current_user(c, "{\"id\":", NULL), AUTHING_MFA_ERR_INVALID_JSON, NULL);
    CHECK_STATUS(authing_mfa_client_set_current_user(c, "{\"token\":5}", NULL), AUTHING_MFA_ERR_INVALID_JSON, NULL);
    CHECK_STATUS(authing_mfa_client_set_current_user(c, "{\"token\":\"a b\"}", &err), AUTHING_MFA_ERR_INVALID_ARGUMENT,
                 err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_ARGUMENT", -1, -1);
    sfree(&err);
    CHECK_STATUS(authing_mfa_client_set_token(c, "a b"), AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(authing_mfa_client_set_token(c, "tab\there"), AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(authing_mfa_client_set_token(c, "caf\xc3\xa9"), AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* the _ex variant: the same statuses, with the error JSON (and never the
     * token in it) */
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_set_token_ex(c, "a b", &err), AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_INVALID_ARGUMENT", -1, -1);
    CHECK_MSG(err != SENTINEL && err && strstr(err, "token") != NULL && strstr(err, "a b") == NULL,
              "the message names the token, not its value");
    if (err != SENTINEL) sfree(&err);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_set_token_ex(NULL, "abc", &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) sfree(&err);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_set_token_ex(c, BAD_UTF8, &err), AUTHING_MFA_ERR_INVALID_UTF8, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_INVALID_UTF8", -1, -1);
    if (err != SENTINEL) sfree(&err);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_set_token_ex(c, "good.token", &err), AUTHING_MFA_OK, NULL);
    CHECK_MSG(err == NULL, "no error JSON on success (and the SENTINEL was cleared)");
    CHECK_STATUS(authing_mfa_client_set_token_ex(c, NULL, NULL), AUTHING_MFA_OK, NULL);
    CHECK_STATUS(authing_mfa_client_set_token_ex(c, "a b", NULL), AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    authing_mfa_client_free(c);
    group_end();
}

/* ---- 4. token state (local) ------------------------------------------------- */

static void expect_current_user(const authing_mfa_client *c, const char *want)
{
    char *out = SENTINEL;
    CHECK_STATUS(authing_mfa_client_get_current_user(c, &out), AUTHING_MFA_OK, NULL);
    CHECK(out != SENTINEL);
    if (out != SENTINEL) {
        CHECK_STREQ(out, want);
        authing_mfa_string_free(out);
    }
}

static void test_token_state_local(void)
{
    static const char user[] = "{ \"id\" : \"u-1\", \"token\": \"tok.en.1\", \"extra\": [1, 2.50, {\"k\": null}] }";
    authing_mfa_client *c = new_client(NULL);
    char *err = SENTINEL;

    group_begin("token state (local)");
    expect_current_user(c, "null");
    CHECK_STATUS(authing_mfa_client_set_current_user(c, user, &err), AUTHING_MFA_OK, NULL);
    CHECK(err == NULL);
    expect_current_user(c, user); /* byte for byte, spaces and number spelling kept */
    CHECK_STATUS(authing_mfa_client_set_token(c, "another.token"), AUTHING_MFA_OK, NULL);
    expect_current_user(c, user); /* setToken keeps the current user */
    CHECK_STATUS(authing_mfa_client_set_token(c, ""), AUTHING_MFA_OK, NULL);
    CHECK_STATUS(authing_mfa_client_set_token(c, NULL), AUTHING_MFA_OK, NULL);
    CHECK_STATUS(authing_mfa_client_clear_current_user(c), AUTHING_MFA_OK, NULL);
    expect_current_user(c, "null");
    CHECK_STATUS(authing_mfa_client_clear_current_user(c), AUTHING_MFA_OK, NULL); /* twice is fine */
    CHECK_STATUS(authing_mfa_client_set_current_user(c, "{\"id\":\"u-2\"}", NULL), AUTHING_MFA_OK, NULL);
    expect_current_user(c, "{\"id\":\"u-2\"}");
    /* a failed set leaves the previous user in place */
    CHECK_STATUS(authing_mfa_client_set_current_user(c, "{\"token\":7}", NULL), AUTHING_MFA_ERR_INVALID_JSON, NULL);
    expect_current_user(c, "{\"id\":\"u-2\"}");
    authing_mfa_client_free(c);
    group_end();
}

/* ---- 5. TOTP helpers --------------------------------------------------------- */

static void expect_totp_error(const char *secret, long long t)
{
    char *out = SENTINEL, *err = SENTINEL;
    authing_mfa_status st = authing_mfa_totp_generate(secret, (int64_t)t, &out, &err);
    CHECK_STATUS(st, AUTHING_MFA_ERR_INVALID_ARGUMENT, err == SENTINEL ? NULL : err);
    CHECK(out == NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_INVALID_ARGUMENT", -1, -1);
    /* the error never quotes the secret */
    CHECK_MSG(err == SENTINEL || err == NULL || secret[0] == '\0' || strstr(err, secret) == NULL, "secret not quoted");
    if (err != SENTINEL) authing_mfa_string_free(err);
}

static void expect_uri_error(const char *uri, const char *secret_inside)
{
    char *out = SENTINEL, *err = SENTINEL;
    authing_mfa_status st = authing_mfa_totp_parse_uri(uri, &out, &err);
    CHECK_STATUS(st, AUTHING_MFA_ERR_INVALID_ARGUMENT, err == SENTINEL ? NULL : err);
    CHECK(out == NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_INVALID_ARGUMENT", -1, -1);
    CHECK_MSG(err == SENTINEL || err == NULL || strstr(err, secret_inside) == NULL, "URI secret not quoted");
    if (err != SENTINEL) authing_mfa_string_free(err);
}

static void test_totp_helpers(void)
{
    static const struct {
        long long t;
        const char *code;
    } rfc[] = {/* RFC 6238 appendix B, SHA1, last 6 of the 8 digits */
               {59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"},
               {1234567890, "005924"}, {2000000000, "279037"}, {20000000000LL, "353130"}};
    static const char uri[] = "otpauth://totp/authing-mfa-devserver:alice@example.com?secret=JBSWY3DPEHPK3PXP"
                              "&period=30&digits=6&algorithm=SHA1&issuer=authing-mfa-devserver";
    char *out = NULL, *err = SENTINEL, buf[128];
    long long n;
    size_t i;
    int tries;

    group_begin("TOTP helpers");
    for (i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
        err = SENTINEL;
        CHECK_STATUS(authing_mfa_totp_generate(RFC_SECRET, (int64_t)rfc[i].t, &out, &err), AUTHING_MFA_OK, NULL);
        CHECK(err == NULL);
        CHECK_STREQ(out, rfc[i].code);
        sfree(&out);
    }
    /* lenient secret spelling: lower case, spaces, dashes, padding */
    CHECK_STATUS(authing_mfa_totp_generate("gezd gnbv-gy3t qojq gezd gnbv gy3t qojq====", 59, &out, NULL), AUTHING_MFA_OK,
                 NULL);
    CHECK_STREQ(out, "287082");
    sfree(&out);
    /* the code for now is the code for time(NULL) (retried across a step edge) */
    for (tries = 0; tries < 3; tries++) {
        char *now_code = NULL, at[16] = "";
        time_t before = time(NULL);
        CHECK_STATUS(authing_mfa_totp_generate_now("JBSWY3DPEHPK3PXP", &now_code, NULL), AUTHING_MFA_OK, NULL);
        totp_at("JBSWY3DPEHPK3PXP", (long long)before, at);
        if (before / 30 == time(NULL) / 30) {
            CHECK(now_code != NULL && strlen(now_code) == 6 && strspn(now_code, "0123456789") == 6);
            CHECK_STREQ(now_code, at);
            authing_mfa_string_free(now_code);
            break;
        }
        authing_mfa_string_free(now_code);
    }
    CHECK(tries < 3);

    expect_totp_error("", 59);
    expect_totp_error("   ", 59);
    expect_totp_error("JBSWY3DPEHPK3PX1", 59); /* '1' is not base32 */
    expect_totp_error("not!base32#secret", 59);
    expect_totp_error(RFC_SECRET, -1);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_totp_generate_now("JBSWY3DPEHPK3PX8", &out, &err), AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    CHECK(out == NULL);
    CHECK_MSG(err != SENTINEL && err && strstr(err, "JBSWY3DPEHPK3PX8") == NULL, "secret not quoted");
    if (err != SENTINEL) sfree(&err);

    /* parse an Authing qrcode_uri */
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_totp_parse_uri(uri, &out, &err), AUTHING_MFA_OK, NULL);
    CHECK(err == NULL);
    CHECK(json_str(out, "secret", buf, sizeof buf) && strcmp(buf, "JBSWY3DPEHPK3PXP") == 0);
    CHECK(json_str(out, "issuer", buf, sizeof buf) && strcmp(buf, "authing-mfa-devserver") == 0);
    CHECK(json_str(out, "account", buf, sizeof buf) && strcmp(buf, "alice@example.com") == 0);
    CHECK(json_int(out, "digits", &n) && n == 6);
    CHECK(json_int(out, "period", &n) && n == 30);
    CHECK(json_str(out, "algorithm", buf, sizeof buf) && strcmp(buf, "SHA1") == 0);
    sfree(&out);
    /* defaults, and no issuer */
    CHECK_STATUS(authing_mfa_totp_parse_uri("otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP", &out, NULL), AUTHING_MFA_OK,
                 NULL);
    CHECK(json_lit(out, "issuer", "null"));
    CHECK(json_int(out, "digits", &n) && n == 6);
    CHECK(json_int(out, "period", &n) && n == 30);
    CHECK(json_str(out, "algorithm", buf, sizeof buf) && strcmp(buf, "SHA1") == 0);
    sfree(&out);

    expect_uri_error("not a uri", "JBSWY3DPEHPK3PX");
    expect_uri_error("", "JBSWY3DPEHPK3PX");
    expect_uri_error("https://totp/x?secret=JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PX");
    expect_uri_error("otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PX");
    expect_uri_error("otpauth://totp/x?secret=JBSWY3DPEHPK3PX1", "JBSWY3DPEHPK3PX");
    expect_uri_error("otpauth://totp/x", "JBSWY3DPEHPK3PX");
    expect_uri_error("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=12", "JBSWY3DPEHPK3PX");
    expect_uri_error("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&period=0", "JBSWY3DPEHPK3PX");
    expect_uri_error("otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&algorithm=MD5", "JBSWY3DPEHPK3PX");
    group_end();
}

/* ---- 6. network failures without a server ------------------------------------ */

static void test_refused_connection(void)
{
    authing_mfa_client *c = ops_client(g_closed_url);
    char *out, *err = NULL;
    size_t i;

    group_begin("refused connection (closed loopback port)");
    for (i = 0; i < N_OPS; i++) {
        out = RUN_OP(g_ops[i].fn, c, g_ops[i].params, AUTHING_MFA_ERR_NETWORK, &err);
        CHECK_ERROR(err, "AUTHING_MFA_ERR_NETWORK", -1, -1); /* no answer: no code, no HTTP status */
        sfree(&err);
        authing_mfa_string_free(out);
        /* every JS name routes to an operation (the same failure, not "unknown method") */
        out = RUN_CALL(c, g_ops[i].js, g_ops[i].params, AUTHING_MFA_ERR_NETWORK, NULL);
        authing_mfa_string_free(out);
    }
    out = RUN_CALL(c, "associateMfaAuthenticator", NULL, AUTHING_MFA_ERR_NETWORK, NULL);      /* corrected spellings */
    out = RUN_CALL(c, "confirmAssociateMfaAuthenticator", "{\"totp\":\"123456\"}", AUTHING_MFA_ERR_NETWORK, NULL);
    out = RUN_CALL(c, "associateFaceByBlob", g_files_params, AUTHING_MFA_ERR_NETWORK, NULL);
    out = RUN_CALL(c, "signIn", "{\"connection\":\"PASSCODE\"}", AUTHING_MFA_ERR_NETWORK, NULL); /* the alias */
    authing_mfa_client_free(c);
    group_end();
}

static void test_insecure_http_refused(void)
{
    /* 10.255.255.1 is not loopback: without allowInsecureHttp the library must
     * refuse before connecting, so nothing leaves the machine and the call
     * returns at once (a real connection attempt would wait for the timeout). */
    authing_mfa_client *c = new_client("{\"appHost\":\"http://10.255.255.1\",\"timeout\":20000,\"accessToken\":\"t\"}");
    char *out, *err = NULL;
    double t0;
    size_t i;

    group_begin("plain http to a non-loopback host refused");
    for (i = 0; i < N_OPS; i++) {
        t0 = now_seconds();
        out = RUN_OP(g_ops[i].fn, c, g_ops[i].params, AUTHING_MFA_ERR_NETWORK, &err);
        CHECK_MSG(now_seconds() - t0 < 3.0, g_ops[i].name); /* generous for valgrind */
        CHECK_ERROR(err, "AUTHING_MFA_ERR_NETWORK", -1, -1);
        CHECK_MSG(err && strstr(err, "allowInsecureHttp") != NULL, "the message says how to allow it");
        sfree(&err);
        authing_mfa_string_free(out);
    }
    /* argument errors still come first */
    out = RUN_OP(authing_mfa_verify_totp, c, "{\"totp\":\"123456\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    authing_mfa_client_free(c);
    group_end();
}

/* ---- 6b. the first factor: checks that need no server ------------------------ */

static void test_login_offline(void)
{
    /* Against a closed port: a check that let a request through would show
     * up as AUTHING_MFA_ERR_NETWORK. */
    authing_mfa_client *c = client_for(g_closed_url);
    authing_mfa_client *keyed;
    static const op_fn password_logins[] = {authing_mfa_login_by_email, authing_mfa_login_by_username,
                                            authing_mfa_login_by_phone_password};
    static const char *const account_keys[] = {"email", "username", "phone"};
    char password[601], params[900], opts[1024];
    char *out, *err = NULL;
    size_t i;

    group_begin("login: argument checks before any request, refused host");
    /* a password no RSA key could carry (600 bytes): INVALID_ARGUMENT, never
     * quoted, before the .well-known request */
    memset(password, 'x', 600);
    password[600] = '\0';
    for (i = 0; i < 3; i++) {
        snprintf(params, sizeof params, "{\"%s\":\"a@example.com\",\"password\":\"%s\"}", account_keys[i], password);
        out = RUN_OP(password_logins[i], c, params, AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
        CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_ARGUMENT", -1, -1);
        CHECK_MSG(err && strstr(err, "password") != NULL, "the message names `password`");
        CHECK_MSG(err && strstr(err, "xxxxxxxxxx") == NULL, "the message does not quote the password");
        sfree(&err);
    }
    out = RUN_CALL(c, "loginByEmail", params, AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* an option the SDK does not have */
    out = RUN_OP(authing_mfa_login_by_email, c, "{\"email\":\"a@example.com\",\"password\":\"pw\",\"rememberMe\":true}",
                 AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err && strstr(err, "rememberMe") != NULL, "the unknown key is named");
    sfree(&err);
    /* customData must be an object; the code logins take no autoRegister
     * (as in the SDK) and sendSmsCode no password */
    out = RUN_OP(authing_mfa_login_by_phone_code, c,
                 "{\"phone\":\"13800000000\",\"code\":\"1\",\"customData\":\"k=v\"}", AUTHING_MFA_ERR_INVALID_JSON, &err);
    CHECK_MSG(err && strstr(err, "customData") != NULL, "the key is named");
    sfree(&err);
    out = RUN_OP(authing_mfa_login_by_phone_code, c, "{\"phone\":\"13800000000\",\"code\":\"1\",\"autoRegister\":true}",
                 AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err && strstr(err, "autoRegister") != NULL, "the key is named");
    sfree(&err);
    out = RUN_OP(authing_mfa_send_sms_code, c, "{\"phone\":\"13800000000\",\"password\":\"pw\"}",
                 AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* logout takes no keys */
    out = RUN_OP(authing_mfa_logout, c, "{\"token\":\"a.b.c\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err && strstr(err, "token") != NULL, "the key is named");
    sfree(&err);
    /* valid logins reach the network: the refused host is NETWORK, with no
     * code and no HTTP status, and the current user stays unset */
    out = RUN_OP(authing_mfa_login_by_email, c, "{\"email\":\"a@example.com\",\"password\":\"pw\"}",
                 AUTHING_MFA_ERR_NETWORK, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_NETWORK", -1, -1);
    CHECK_MSG(err && strstr(err, "\"pw\"") == NULL, "the error does not quote the password");
    sfree(&err);
    expect_current_user(c, "null");
    /* with the publicKey option there is no key to fetch: the refused
     * request is the login itself, and a 600-byte password is still refused
     * first */
    snprintf(opts, sizeof opts, "{\"appHost\":\"%s\",\"publicKey\":\"%s\"}", g_closed_url, TEST_PUBLIC_KEY_JSON);
    keyed = new_client(opts);
    out = RUN_OP(authing_mfa_login_by_username, keyed, "{\"username\":\"bob\",\"password\":\"pw\"}",
                 AUTHING_MFA_ERR_NETWORK, NULL);
    snprintf(params, sizeof params, "{\"username\":\"bob\",\"password\":\"%s\"}", password);
    out = RUN_OP(authing_mfa_login_by_username, keyed, params, AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* a 1024-bit key carries at most 117 bytes: 118 is refused before the
     * request, 117 reaches it */
    password[118] = '\0';
    snprintf(params, sizeof params, "{\"username\":\"bob\",\"password\":\"%s\"}", password);
    out = RUN_OP(authing_mfa_login_by_username, keyed, params, AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err && strstr(err, "1024-bit") != NULL, "the message names the key size");
    sfree(&err);
    password[117] = '\0';
    snprintf(params, sizeof params, "{\"username\":\"bob\",\"password\":\"%s\"}", password);
    out = RUN_OP(authing_mfa_login_by_username, keyed, params, AUTHING_MFA_ERR_NETWORK, NULL);
    authing_mfa_string_free(out);
    authing_mfa_client_free(keyed);
    authing_mfa_client_free(c);
    group_end();
}

/* ---- 6c. the first factor against a local stub --------------------------------- */

static int silent_listener(int *port);

/* A loopback HTTP server in a thread, answering as Authing: the test key at
 * /api/v2/.well-known, `graphql` at /graphql/v2, {code:200} at
 * /api/v2/logout; one request per connection (Connection: close). It keeps
 * the body of the last /graphql/v2 request. */
struct stub {
    int fd, port;
    pthread_t thread;
    const char *graphql;
    const char *v3; /* the answer to every /api/v3/ and /mfa/ request */
    pthread_mutex_t lock;
    int requests;
    char graphql_body[8192];
    char last_request[8192]; /* the last request, head and body, as received */
};

static void stub_serve(struct stub *st, int conn)
{
    char req[16384], head[512], answer[16800];
    const char *body;
    size_t n = 0;
    long length = 0;
    ssize_t r;
    char *end = NULL;
    req[0] = '\0';
    for (;;) {
        if (n + 1 >= sizeof req) return;
        r = recv(conn, req + n, sizeof req - 1 - n, 0);
        if (r <= 0) return;
        n += (size_t)r;
        req[n] = '\0';
        end = strstr(req, "\r\n\r\n");
        if (end != NULL) {
            const char *cl = strstr(req, "content-length:");
            if (cl == NULL) cl = strstr(req, "Content-Length:");
            length = cl ? strtol(cl + 15, NULL, 10) : 0;
            if ((long)(n - (size_t)(end + 4 - req)) >= length) break;
        }
    }
    if (strncmp(req, "GET /api/v2/.well-known ", 24) == 0)
        body = "{\"code\":200,\"message\":\"ok\",\"data\":{\"publicKey\":\"" TEST_PUBLIC_KEY_JSON "\"}}";
    else if (strncmp(req, "POST /graphql/v2 ", 17) == 0)
        body = st->graphql;
    else if (strncmp(req, "GET /api/v2/logout", 18) == 0)
        body = "{\"code\":200,\"message\":\"logged out\"}";
    else if (st->v3 != NULL && strchr(req, ' ') != NULL &&
             (strncmp(strchr(req, ' '), " /api/v3/", 9) == 0 || strncmp(strchr(req, ' '), " /mfa/", 6) == 0))
        body = st->v3;
    else
        body = "{\"code\":404,\"message\":\"no such path\"}";
    pthread_mutex_lock(&st->lock);
    st->requests++;
    if (strncmp(req, "POST /graphql/v2 ", 17) == 0)
        snprintf(st->graphql_body, sizeof st->graphql_body, "%s", end + 4);
    snprintf(st->last_request, sizeof st->last_request, "%.8000s", req);
    pthread_mutex_unlock(&st->lock);
    snprintf(head, sizeof head,
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
             strlen(body));
    snprintf(answer, sizeof answer, "%s%s", head, body);
    n = strlen(answer);
    while (n > 0 && (r = send(conn, answer + (strlen(answer) - n), n, MSG_NOSIGNAL)) > 0) n -= (size_t)r;
}

static void *stub_main(void *arg)
{
    struct stub *st = arg;
    int conn;
    while ((conn = accept(st->fd, NULL, NULL)) >= 0) {
        stub_serve(st, conn);
        close(conn);
    }
    return NULL;
}

static void stub_start(struct stub *st, const char *graphql)
{
    memset(st, 0, sizeof *st);
    st->graphql = graphql;
    pthread_mutex_init(&st->lock, NULL);
    st->fd = silent_listener(&st->port);
    if (pthread_create(&st->thread, NULL, stub_main, st) != 0) {
        perror("stub thread");
        exit(2);
    }
}

static void stub_stop(struct stub *st)
{
    shutdown(st->fd, SHUT_RDWR); /* wakes accept() with an error */
    pthread_join(st->thread, NULL);
    close(st->fd);
    pthread_mutex_destroy(&st->lock);
}

static int stub_requests(struct stub *st, char *graphql_body, size_t size)
{
    int n;
    pthread_mutex_lock(&st->lock);
    n = st->requests;
    if (graphql_body) snprintf(graphql_body, size, "%s", st->graphql_body);
    pthread_mutex_unlock(&st->lock);
    return n;
}

static void test_login_stub(void)
{
    struct stub st;
    char url[64], body[8192], buf[512], *out, *err = NULL;
    authing_mfa_client *c;
    const char *v;
    size_t len;
    long long code = 0;

    group_begin("login: a second factor needed (1635), success, logout (local stub)");
    /* 1635 over GraphQL: AUTHING_MFA_ERR_API with the server's code and data */
    stub_start(&st, "{\"data\":null,\"errors\":[{\"message\":{\"code\":1635,\"message\":\"MFA required\","
                    "\"data\":{\"mfaToken\":\"m\"}}}]}");
    snprintf(url, sizeof url, "http://127.0.0.1:%d", st.port);
    c = client_for(url);
    out = RUN_OP(authing_mfa_login_by_email, c, "{\"email\":\"a@example.com\",\"password\":\"p@ssw0rd\"}",
                 AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 1635, 200);
    CHECK(json_str(err, "mfaToken", buf, sizeof buf) && strcmp(buf, "m") == 0);
    CHECK(err && strstr(err, "p@ssw0rd") == NULL);
    sfree(&err);
    expect_current_user(c, "null");
    /* the key was fetched, then the login sent with the password encrypted:
     * base64 of 128 bytes (172 characters), never the clear text */
    CHECK(stub_requests(&st, body, sizeof body) == 2);
    CHECK(strstr(body, "mutation loginByEmail") != NULL);
    CHECK(strstr(body, "p@ssw0rd") == NULL);
    v = json_value(body, "password");
    CHECK(v != NULL && *v == '"');
    if (v != NULL && *v == '"') {
        len = strcspn(v + 1, "\"");
        CHECK_MSG(len == 172 && v[172] == '=', "172 base64 characters");
    }
    out = RUN_CALL(c, "loginByUsername", "{\"username\":\"bob\",\"password\":\"pw\"}", AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 1635, 200);
    sfree(&err);
    CHECK(stub_requests(&st, NULL, 0) == 3); /* the key is fetched once per client */
    authing_mfa_client_free(c);
    stub_stop(&st);

    /* success: the user becomes the current user, its token the user token;
     * logout clears them once the server agreed */
    stub_start(&st, "{\"data\":{\"loginByPhonePassword\":{\"id\":\"u1\",\"token\":\"tok\"}}}");
    snprintf(url, sizeof url, "http://127.0.0.1:%d", st.port);
    c = client_for(url);
    out = RUN_OP(authing_mfa_login_by_phone_password, c, "{\"phone\":\"13800000000\",\"password\":\"pw\"}",
                 AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, "u1") == 0);
    sfree(&out);
    expect_current_user(c, "{\"id\":\"u1\",\"token\":\"tok\"}");
    out = RUN_OP(authing_mfa_logout, c, NULL, AUTHING_MFA_OK, NULL);
    CHECK(json_int(out, "code", &code) && code == 200 && strstr(out, "logged out") != NULL);
    sfree(&out);
    expect_current_user(c, "null");
    authing_mfa_client_free(c);
    stub_stop(&st);
    group_end();
}

/* ---- 6d. Authing's v3 factor API (issue #13): checks that need no server ----- */

/* The v3 factor calls: each needs the access token. */
static const struct {
    const char *name;
    op_fn fn;
    const char *js;
    const char *params;
} g_factor_ops[] = {
    {"authing_mfa_send_enroll_factor_request", authing_mfa_send_enroll_factor_request, "sendEnrollFactorRequest",
     "{\"factorType\":\"OTP\"}"},
    {"authing_mfa_enroll_factor", authing_mfa_enroll_factor, "enrollFactor",
     "{\"factorType\":\"OTP\",\"enrollmentToken\":\"e\",\"enrollmentData\":{\"passCode\":\"1\"}}"},
    {"authing_mfa_reset_factor", authing_mfa_reset_factor, "resetFactor", "{\"factorId\":\"f1\"}"},
    {"authing_mfa_list_enrolled_factors", authing_mfa_list_enrolled_factors, "listEnrolledFactors", NULL},
    {"authing_mfa_get_factor", authing_mfa_get_factor, "getFactor", "{\"factorId\":\"f1\"}"},
    {"authing_mfa_list_factors_to_enroll", authing_mfa_list_factors_to_enroll, "listFactorsToEnroll", "{}"},
    {"authing_mfa_otp_verify", authing_mfa_otp_verify, "mfaOtpVerify", "{\"totp\":\"123456\"}"},
};

#define N_FACTOR_OPS (sizeof g_factor_ops / sizeof g_factor_ops[0])

static void test_factors_offline(void)
{
    /* Against a closed port: a call that let a request through would show up
     * as AUTHING_MFA_ERR_NETWORK. A user token is not an access token. */
    authing_mfa_client *c;
    char opts[256], *out, *err = NULL;
    size_t i;

    group_begin("v3: no access token, set_access_token, client options (no server)");
    snprintf(opts, sizeof opts, "{\"appHost\":\"%s\",\"token\":\"user-token\"}", g_closed_url);
    c = new_client(opts);
    for (i = 0; i < N_FACTOR_OPS; i++) {
        out = RUN_OP(g_factor_ops[i].fn, c, g_factor_ops[i].params, AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
        CHECK_ERROR(err, "AUTHING_MFA_ERR_INVALID_ARGUMENT", -1, -1);
        CHECK_MSG(err && strstr(err, "access token") != NULL, g_factor_ops[i].name);
        sfree(&err);
        out = RUN_CALL(c, g_factor_ops[i].js, g_factor_ops[i].params, AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    }
    /* signIn and the introspection need none: they reach the network */
    out = RUN_OP(authing_mfa_sign_in, c, "{\"connection\":\"PASSWORD\"}", AUTHING_MFA_ERR_NETWORK, NULL);
    out = RUN_OP(authing_mfa_verify_mfa_token, c, "{\"token\":\"m\"}", AUTHING_MFA_ERR_NETWORK, NULL);

    /* authing_mfa_client_set_access_token: NULL client, bad UTF-8, a token
     * HTTP cannot carry (never quoted), then set, cleared by NULL and by "" */
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_set_access_token(NULL, "abc", &err), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_NULL_ARGUMENT", -1, -1);
    if (err != SENTINEL) sfree(&err);
    CHECK_STATUS(authing_mfa_client_set_access_token(NULL, "abc", NULL), AUTHING_MFA_ERR_NULL_ARGUMENT, NULL);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_set_access_token(c, BAD_UTF8, &err), AUTHING_MFA_ERR_INVALID_UTF8, NULL);
    CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_INVALID_UTF8", -1, -1);
    if (err != SENTINEL) sfree(&err);
    {
        static const char *const bad[] = {"a b", "tab\there", "line\nbreak", "caf\xc3\xa9"};
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            err = SENTINEL;
            CHECK_STATUS(authing_mfa_client_set_access_token(c, bad[i], &err), AUTHING_MFA_ERR_INVALID_ARGUMENT,
                         err == SENTINEL ? NULL : err);
            CHECK_ERROR(err == SENTINEL ? NULL : err, "AUTHING_MFA_ERR_INVALID_ARGUMENT", -1, -1);
            CHECK_MSG(err != SENTINEL && err && strstr(err, bad[i]) == NULL, "the token is not quoted");
            if (err != SENTINEL) sfree(&err);
            CHECK_STATUS(authing_mfa_client_set_access_token(c, bad[i], NULL), AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
        }
    }
    /* a refused token leaves none set */
    out = RUN_OP(authing_mfa_list_enrolled_factors, c, NULL, AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    err = SENTINEL;
    CHECK_STATUS(authing_mfa_client_set_access_token(c, "good.access.token", &err), AUTHING_MFA_OK, NULL);
    CHECK_MSG(err == NULL, "no error JSON on success (and the SENTINEL was cleared)");
    for (i = 0; i < N_FACTOR_OPS; i++) {
        out = RUN_OP(g_factor_ops[i].fn, c, g_factor_ops[i].params, AUTHING_MFA_ERR_NETWORK, NULL);
    }
    CHECK_STATUS(authing_mfa_client_set_access_token(c, NULL, NULL), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_get_factor, c, "{\"factorId\":\"f1\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(authing_mfa_client_set_access_token(c, "t2", NULL), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_get_factor, c, "{\"factorId\":\"f1\"}", AUTHING_MFA_ERR_NETWORK, NULL);
    CHECK_STATUS(authing_mfa_client_set_access_token(c, "", NULL), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_otp_verify, c, "{\"totp\":\"1\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    /* the user token is separate state: clearing it does not set or clear the access token */
    CHECK_STATUS(authing_mfa_client_set_access_token(c, "t3", NULL), AUTHING_MFA_OK, NULL);
    CHECK_STATUS(authing_mfa_client_set_token(c, NULL), AUTHING_MFA_OK, NULL);
    CHECK_STATUS(authing_mfa_client_clear_current_user(c), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_otp_verify, c, "{\"totp\":\"1\"}", AUTHING_MFA_ERR_NETWORK, NULL);
    authing_mfa_client_free(c);

    /* the options */
    expect_client_new_fails("{\"tokenEndPointAuthMethod\":\"client_secret_basic\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT,
                            "appSecret");
    expect_client_new_fails("{\"appId\":\"a\",\"tokenEndPointAuthMethod\":\"client_secret_basic\"}",
                            AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    expect_client_new_fails("{\"appSecret\":\"s\",\"tokenEndPointAuthMethod\":\"private_key_jwt\"}",
                            AUTHING_MFA_ERR_INVALID_ARGUMENT, "tokenEndPointAuthMethod");
    expect_client_new_fails("{\"accessToken\":\"a b\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    expect_client_new_fails("{\"accessToken\":5}", AUTHING_MFA_ERR_INVALID_JSON, "accessToken");
    expect_client_new_fails("{\"appSecret\":true}", AUTHING_MFA_ERR_INVALID_JSON, "appSecret");
    {
        static const char *const good[] = {
            "{\"appId\":\"a\",\"appSecret\":\"s\",\"tokenEndPointAuthMethod\":\"client_secret_basic\"}",
            "{\"appId\":\"a\",\"appSecret\":\"s\",\"tokenEndPointAuthMethod\":\"client_secret_post\"}",
            "{\"appId\":\"a\",\"appSecret\":\"s\"}",
            "{\"tokenEndPointAuthMethod\":\"none\",\"accessToken\":\"abc.def\"}",
        };
        for (i = 0; i < sizeof good / sizeof good[0]; i++) {
            authing_mfa_client *ok = (authing_mfa_client *)SENTINEL;
            err = SENTINEL;
            CHECK_STATUS(authing_mfa_client_new(good[i], &ok, &err), AUTHING_MFA_OK, err == SENTINEL ? NULL : err);
            CHECK_MSG(err == NULL, good[i]);
            if (err != SENTINEL) authing_mfa_string_free(err);
            if (ok != (authing_mfa_client *)SENTINEL) authing_mfa_client_free(ok);
        }
    }
    /* an argument error comes before the missing token */
    c = new_client("{}");
    out = RUN_OP(authing_mfa_get_factor, c, "{\"factorId\":\"f1\",\"bogus\":1}", AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err && strstr(err, "bogus") != NULL, "the unknown key is named");
    sfree(&err);
    authing_mfa_string_free(out); /* NULL: every call above failed */
    authing_mfa_client_free(c);
    group_end();
}

/* The value of header `name` (matched case-insensitively) in the request
 * `req` as received, up to its line end, copied into `value`; 0 when the
 * request has no such header. */
static int header_value(const char *req, const char *name, char *value, size_t size)
{
    size_t n = strlen(name), len;
    const char *p = req, *head_end = strstr(req, "\r\n\r\n");
    while ((p = strstr(p, "\r\n")) != NULL && (head_end == NULL || p < head_end)) {
        p += 2;
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
            p += n + 1;
            while (*p == ' ') p++;
            len = strcspn(p, "\r\n");
            if (len >= size) return 0;
            memcpy(value, p, len);
            value[len] = '\0';
            return 1;
        }
    }
    return 0;
}

static void last_request(struct stub *st, char *buf, size_t size)
{
    pthread_mutex_lock(&st->lock);
    snprintf(buf, size, "%s", st->last_request);
    pthread_mutex_unlock(&st->lock);
}

static void test_factors_stub(void)
{
    struct stub st;
    char url[64], opts[256], req[8192], buf[256], *out, *err = NULL;
    authing_mfa_client *c;

    group_begin("v3: a failure's apiCode and requestId, the raw access token (local stub)");
    /* a v3 failure: AUTHING_MFA_ERR_API, code = apiCode, requestId kept */
    stub_start(&st, "{}");
    st.v3 = "{\"statusCode\":400,\"apiCode\":6001,\"message\":\"x\",\"requestId\":\"req-1\"}";
    snprintf(url, sizeof url, "http://127.0.0.1:%d", st.port);
    snprintf(opts, sizeof opts, "{\"appHost\":\"%s\",\"appId\":\"app-1\",\"accessToken\":\"at-raw-1\","
                                "\"token\":\"user-token\"}", url);
    c = new_client(opts);
    out = RUN_OP(authing_mfa_otp_verify, c, "{\"totp\":\"123456\"}", AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6001, 200);
    CHECK(json_str(err, "requestId", buf, sizeof buf) && strcmp(buf, "req-1") == 0);
    CHECK(json_str(err, "message", buf, sizeof buf) && strcmp(buf, "x") == 0);
    CHECK(err && strstr(err, "123456") == NULL);
    sfree(&err);
    CHECK(stub_requests(&st, NULL, 0) == 1);
    last_request(&st, req, sizeof req);
    CHECK(strncmp(req, "POST /api/v3/mfa-totp-verify ", 29) == 0);
    /* the access token raw, as authing-node-sdk sends it: no "Bearer " */
    CHECK_MSG(header_value(req, "authorization", buf, sizeof buf) && strcmp(buf, "at-raw-1") == 0, req);
    CHECK(strstr(req, "Bearer") == NULL);
    CHECK(header_value(req, "x-authing-app-id", buf, sizeof buf) && strcmp(buf, "app-1") == 0);
    CHECK(strstr(req, "{\"totp\":\"123456\"}") != NULL);
    /* the same through authing_mfa_call and a GET */
    out = RUN_CALL(c, "listEnrolledFactors", NULL, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6001, 200);
    CHECK(json_str(err, "requestId", buf, sizeof buf) && strcmp(buf, "req-1") == 0);
    sfree(&err);
    last_request(&st, req, sizeof req);
    CHECK(strncmp(req, "GET /api/v3/list-enrolled-factors ", 34) == 0);
    CHECK(header_value(req, "authorization", buf, sizeof buf) && strcmp(buf, "at-raw-1") == 0);
    /* a v2 failure carries no requestId */
    out = RUN_OP(authing_mfa_verify_totp, c, "{\"totp\":\"1\",\"mfaToken\":\"m\"}", AUTHING_MFA_ERR_API, &err);
    CHECK(err && json_value(err, "requestId") == NULL);
    sfree(&err);
    authing_mfa_client_free(c);
    stub_stop(&st);

    /* signIn keeps the answer's access_token: the next factor call sends it
     * raw; the introspection sends the form body token= (and the access token) */
    stub_start(&st, "{}");
    st.v3 = "{\"statusCode\":200,\"message\":\"ok\",\"data\":{\"access_token\":\"at-2\",\"token_type\":\"Bearer\","
            "\"expire_in\":7200}}";
    snprintf(url, sizeof url, "http://127.0.0.1:%d", st.port);
    c = client_for(url);
    out = RUN_OP(authing_mfa_sign_in, c,
                 "{\"connection\":\"PASSWORD\",\"passwordPayload\":{\"email\":\"a@example.com\",\"password\":\"pw\"}}",
                 AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "access_token", buf, sizeof buf) && strcmp(buf, "at-2") == 0);
    sfree(&out);
    last_request(&st, req, sizeof req);
    CHECK(strncmp(req, "POST /api/v3/signin ", 20) == 0);
    CHECK(!header_value(req, "authorization", buf, sizeof buf)); /* a public client */
    CHECK(strstr(req, "\"connection\":\"PASSWORD\"") != NULL);
    out = RUN_OP(authing_mfa_get_factor, c, "{\"factorId\":\"f1\"}", AUTHING_MFA_OK, NULL);
    sfree(&out);
    last_request(&st, req, sizeof req);
    CHECK(strncmp(req, "GET /api/v3/get-factor?factorId=f1 ", 35) == 0);
    CHECK_MSG(header_value(req, "authorization", buf, sizeof buf) && strcmp(buf, "at-2") == 0, req);
    st.v3 = "{\"active\":true,\"userId\":\"u1\"}";
    out = RUN_OP(authing_mfa_verify_mfa_token, c, "{\"token\":\"mfa-1\"}", AUTHING_MFA_OK, NULL);
    CHECK(out && json_lit(out, "active", "true"));
    sfree(&out);
    last_request(&st, req, sizeof req);
    CHECK(strncmp(req, "POST /mfa/token/introspection ", 30) == 0);
    CHECK(strstr(req, "\r\n\r\ntoken=mfa-1") != NULL);
    CHECK(header_value(req, "content-type", buf, sizeof buf) &&
          strncmp(buf, "application/x-www-form-urlencoded", 33) == 0);
    /* the stored access token goes along raw, as authing-node-sdk sends it
     * (include/authing_mfa.h, since cd4ce64/c41e70a); none is needed */
    CHECK_MSG(header_value(req, "authorization", buf, sizeof buf) && strcmp(buf, "at-2") == 0, req);
    CHECK(stub_requests(&st, NULL, 0) == 3);
    authing_mfa_client_free(c);
    stub_stop(&st);
    group_end();
}

static void story_send_sms_code(void)
{
    struct user u;
    authing_mfa_client *c = client_for(g_base);
    char params[256], code[16] = "", *out;

    group_begin("story: sendSmsCode");
    CHECK(dev_create_user(&u));
    snprintf(params, sizeof params, "{\"phone\":\"%s\",\"scene\":\"mfa-verify\"}", u.phone);
    out = RUN_OP(authing_mfa_send_sms_code, c, params, AUTHING_MFA_OK, NULL);
    sfree(&out);
    CHECK(dev_last_code(u.phone, code));
    snprintf(params, sizeof params, "{\"phone\":\"%s\"}", u.phone);
    out = RUN_CALL(c, "sendSmsCode", params, AUTHING_MFA_OK, NULL);
    sfree(&out);
    authing_mfa_client_free(c);
    group_end();
}

/* ---- 6b. the first factor and the v3 factor API against the dev server ------- */

/* A client with an application id (the v3 sign-in requires x-authing-app-id). */
static authing_mfa_client *v3_client_for(const char *url)
{
    char opts[256];
    snprintf(opts, sizeof opts, "{\"appHost\":\"%s\",\"appId\":\"c-abi-v3\",\"lang\":\"en-US\",\"timeout\":20000}", url);
    return new_client(opts);
}

/* v2: loginByEmail (the password RSA-encrypted with the server's key) -> bind
 * TOTP -> loginByEmail answered 1635 with data.mfaToken -> verifyTotpMfa ->
 * logout, all through the library (devserver/tests/story_via_library.rs). */
static void story_v2_login(void)
{
    struct user u;
    authing_mfa_client *c = client_for(g_base);
    char *out, *err = NULL, *cur = NULL, login[512], params[2600], buf[128] = "", secret[64] = "", code[16] = "",
               mfa[2048] = "";
    long long now, n;

    group_begin("story: v2 loginByEmail -> bind TOTP -> 1635 -> verifyTotpMfa -> logout");
    CHECK(dev_create_user(&u));
    snprintf(login, sizeof login, "{\"email\":\"%s\",\"password\":\"%s\"}", u.email, PASSWORD);

    out = RUN_OP(authing_mfa_login_by_email, c, login, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "email", buf, sizeof buf) && strcmp(buf, u.email) == 0);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, u.id) == 0);
    CHECK(json_value(out, "token") != NULL && json_value(out, "token")[0] == '"');
    /* the login set the current user: its token authenticates what follows */
    CHECK_STATUS(authing_mfa_client_get_current_user(c, &cur), AUTHING_MFA_OK, NULL);
    CHECK(cur && out && strcmp(cur, out) == 0);
    sfree(&cur);
    sfree(&out);

    out = RUN_OP(authing_mfa_associate_authenticator, c, NULL, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "secret", secret, sizeof secret) && strlen(secret) == 16);
    sfree(&out);
    now = dev_now();
    CHECK(now > 0 && totp_at(secret, now, code));
    snprintf(params, sizeof params, "{\"authenticatorType\":\"totp\",\"totp\":\"%s\"}", code);
    out = RUN_OP(authing_mfa_confirm_associate_authenticator, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_int(out, "code", &n) && n == 200);
    sfree(&out);

    /* a wrong password: the server's 2333, the password not echoed */
    snprintf(params, sizeof params, "{\"email\":\"%s\",\"password\":\"c-test-Wr0ng-pw\"}", u.email);
    out = RUN_OP(authing_mfa_login_by_email, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2333, 200);
    CHECK(err && strstr(err, "c-test-Wr0ng-pw") == NULL);
    sfree(&err);

    /* the TOTP is bound: the login stops at the second factor, 1635 with data.mfaToken */
    out = RUN_OP(authing_mfa_login_by_email, c, login, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 1635, 200);
    CHECK(err && strstr(err, "Please enter the secondary authentication security code") != NULL);
    CHECK(json_str(err, "mfaToken", mfa, sizeof mfa) && strchr(mfa, '.') != NULL);
    CHECK(err && strstr(err, PASSWORD) == NULL);
    sfree(&err);

    /* a fresh code: one step on, so it is not a replay of the confirm's */
    CHECK(dev("POST", "/__dev/clock", "{\"advanceSeconds\":30}") == 200);
    now = dev_now();
    CHECK(totp_at(secret, now, code));
    snprintf(params, sizeof params, "{\"totp\":\"%s\",\"mfaToken\":\"%s\"}", code, mfa);
    out = RUN_CALL(c, "verifyTotpMfa", params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, u.id) == 0);
    CHECK(json_value(out, "token") != NULL && json_value(out, "token")[0] == '"');
    CHECK_STATUS(authing_mfa_client_set_current_user(c, out, NULL), AUTHING_MFA_OK, NULL);
    sfree(&out);
    CHECK(dev("POST", "/__dev/clock", "{\"advanceSeconds\":-30}") == 200);

    out = RUN_OP(authing_mfa_logout, c, NULL, AUTHING_MFA_OK, NULL);
    CHECK(json_int(out, "code", &n) && n == 200);
    sfree(&out);
    /* cleared once the server agreed */
    CHECK_STATUS(authing_mfa_client_get_current_user(c, &cur), AUTHING_MFA_OK, NULL);
    CHECK_STREQ(cur, "null");
    sfree(&cur);
    out = RUN_OP(authing_mfa_get_authenticators, c, NULL, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2020, 200);
    sfree(&err);
    authing_mfa_client_free(c);
    group_end();
}

/* v3 (issue #13): signIn -> listFactorsToEnroll -> sendEnrollFactorRequest
 * OTP -> enrollFactor with a real code -> listEnrolledFactors -> getFactor ->
 * mfaOtpVerify; v2's loginByEmail of the same user then answers 1635, the
 * mfaToken introspects active; resetFactor; v2's login needs no second factor. */
static void story_v3_factors(void)
{
    struct user u;
    authing_mfa_client *c = v3_client_for(g_base), *v2 = client_for(g_base);
    char *out, *err = NULL, *p, login[512], params[2600], buf[256] = "", uri[512] = "", secret[64] = "",
               code[16] = "", enroll_token[128] = "", factor_id[64] = "", mfa[2048] = "";
    long long now;
    int n_otp = 0;

    group_begin("story: v3 signIn -> enroll OTP -> mfaOtpVerify -> v2 1635 -> verifyMfaToken -> resetFactor");
    CHECK(dev_create_user(&u));

    /* no access token yet: refused before any request */
    out = RUN_OP(authing_mfa_list_enrolled_factors, c, NULL, AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);

    /* a wrong password: apiCode 2333 with a requestId, the password not echoed */
    snprintf(params, sizeof params,
             "{\"connection\":\"PASSWORD\",\"passwordPayload\":{\"email\":\"%s\",\"password\":\"c-test-Wr0ng-pw\"}}",
             u.email);
    out = RUN_OP(authing_mfa_sign_in, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2333, 200);
    CHECK(json_str(err, "requestId", buf, sizeof buf) && buf[0] != '\0');
    CHECK(err && strstr(err, "c-test-Wr0ng-pw") == NULL);
    sfree(&err);

    /* a public client (no appSecret); the client keeps the access token */
    snprintf(params, sizeof params,
             "{\"connection\":\"PASSWORD\",\"passwordPayload\":{\"email\":\"%s\",\"password\":\"%s\"}}", u.email,
             PASSWORD);
    out = RUN_OP(authing_mfa_sign_in, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_value(out, "access_token") != NULL && json_value(out, "access_token")[0] == '"');
    CHECK(json_str(out, "token_type", buf, sizeof buf) && strcmp(buf, "bearer") == 0);
    sfree(&out);

    out = RUN_OP(authing_mfa_list_factors_to_enroll, c, NULL, AUTHING_MFA_OK, NULL);
    CHECK_MSG(out && out[0] == '[' && strstr(out, "\"factorType\":\"OTP\"") != NULL, out);
    sfree(&out);
    out = RUN_OP(authing_mfa_list_enrolled_factors, c, NULL, AUTHING_MFA_OK, NULL);
    CHECK_STREQ(out, "[]");
    sfree(&out);

    out = RUN_OP(authing_mfa_send_enroll_factor_request, c, "{\"factorType\":\"OTP\",\"profile\":{}}", AUTHING_MFA_OK,
                 NULL);
    CHECK(json_str(out, "enrollmentToken", enroll_token, sizeof enroll_token) && enroll_token[0] != '\0');
    CHECK(json_str(out, "qrCodeUri", uri, sizeof uri) && strncmp(uri, "otpauth://totp/", 15) == 0);
    sfree(&out);
    CHECK_STATUS(authing_mfa_totp_parse_uri(uri, &out, NULL), AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "secret", secret, sizeof secret) && strlen(secret) == 16);
    CHECK(json_str(out, "account", buf, sizeof buf) && strcmp(buf, u.email) == 0);
    sfree(&out);

    now = dev_now();
    CHECK(now > 0 && totp_at(secret, now, code));
    snprintf(params, sizeof params,
             "{\"factorType\":\"OTP\",\"enrollmentToken\":\"%s\",\"enrollmentData\":{\"passCode\":\"%s\"}}",
             enroll_token, code);
    out = RUN_OP(authing_mfa_enroll_factor, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_lit(out, "statusCode", "200"));
    sfree(&out);
    /* an enrollment token is single use; the error holds neither it nor the code */
    snprintf(params, sizeof params,
             "{\"factorType\":\"OTP\",\"enrollmentToken\":\"%s\",\"enrollmentData\":{\"passCode\":\"135791\"}}",
             enroll_token);
    out = RUN_OP(authing_mfa_enroll_factor, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK(json_value(err, "requestId") != NULL);
    CHECK(err && strstr(err, enroll_token) == NULL && strstr(err, "135791") == NULL);
    sfree(&err);

    /* one OTP factor, the one getFactor finds */
    out = RUN_OP(authing_mfa_list_enrolled_factors, c, NULL, AUTHING_MFA_OK, NULL);
    for (p = out; p && (p = strstr(p, "\"factorType\"")) != NULL; p++) n_otp++;
    CHECK_MSG(n_otp == 1 && strstr(out, "\"factorType\":\"OTP\"") != NULL, out);
    CHECK(json_str(out, "factorId", factor_id, sizeof factor_id) && strlen(factor_id) == 24);
    sfree(&out);
    snprintf(params, sizeof params, "{\"factorId\":\"%s\"}", factor_id);
    out = RUN_OP(authing_mfa_get_factor, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "factorId", buf, sizeof buf) && strcmp(buf, factor_id) == 0);
    CHECK(json_str(out, "factorType", buf, sizeof buf) && strcmp(buf, "OTP") == 0);
    sfree(&out);
    out = RUN_OP(authing_mfa_list_factors_to_enroll, c, NULL, AUTHING_MFA_OK, NULL);
    CHECK_MSG(out && strstr(out, "\"OTP\"") == NULL, out);
    sfree(&out);

    /* a fresh code (one step on, the enrolment's step is spent): verified */
    CHECK(dev("POST", "/__dev/clock", "{\"advanceSeconds\":30}") == 200);
    now = dev_now();
    CHECK(totp_at(secret, now, code));
    snprintf(params, sizeof params, "{\"totp\":\"%s\"}", code);
    out = RUN_OP(authing_mfa_otp_verify, c, params, AUTHING_MFA_OK, NULL);
    CHECK_MSG(json_lit(out, "verified", "true"), out);
    sfree(&out);
    /* the same code again is a replay: answered, not verified */
    out = RUN_CALL(c, "mfaOtpVerify", params, AUTHING_MFA_OK, NULL);
    CHECK_MSG(json_lit(out, "verified", "false"), out);
    CHECK(out && strstr(out, code) == NULL);
    sfree(&out);
    CHECK(dev("POST", "/__dev/clock", "{\"advanceSeconds\":-30}") == 200);

    /* the factor bound through v3 is the one v2's login asks for */
    snprintf(login, sizeof login, "{\"email\":\"%s\",\"password\":\"%s\"}", u.email, PASSWORD);
    out = RUN_OP(authing_mfa_login_by_email, v2, login, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 1635, 200);
    CHECK(json_str(err, "mfaToken", mfa, sizeof mfa) && strchr(mfa, '.') != NULL);
    sfree(&err);
    snprintf(params, sizeof params, "{\"token\":\"%s\"}", mfa);
    out = RUN_OP(authing_mfa_verify_mfa_token, c, params, AUTHING_MFA_OK, NULL);
    CHECK_MSG(json_lit(out, "active", "true"), out);
    CHECK(json_str(out, "userId", buf, sizeof buf) && strcmp(buf, u.id) == 0);
    sfree(&out);
    /* a token that is not an mfaToken is inactive */
    out = RUN_CALL(c, "verifyMfaToken", "{\"token\":\"not.an.mfatoken\"}", AUTHING_MFA_OK, NULL);
    CHECK_MSG(json_lit(out, "active", "false"), out);
    sfree(&out);

    snprintf(params, sizeof params, "{\"factorId\":\"%s\"}", factor_id);
    out = RUN_OP(authing_mfa_reset_factor, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_lit(out, "statusCode", "200"));
    sfree(&out);
    out = RUN_OP(authing_mfa_list_enrolled_factors, c, NULL, AUTHING_MFA_OK, NULL);
    CHECK_STREQ(out, "[]");
    sfree(&out);
    /* resetting it again: not found */
    out = RUN_OP(authing_mfa_reset_factor, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK(json_value(err, "requestId") != NULL);
    sfree(&err);

    /* no second factor any more: v2's login gives the user */
    out = RUN_OP(authing_mfa_login_by_email, v2, login, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, u.id) == 0);
    CHECK(json_value(out, "token") != NULL && json_value(out, "token")[0] == '"');
    sfree(&out);
    authing_mfa_client_free(v2);
    authing_mfa_client_free(c);
    group_end();
}

/* ---- 7. the MFA story against the dev server ---------------------------------- */

/* State the story's steps share. */
static struct {
    struct user u;
    authing_mfa_client *c;
    char token[2048];    /* the user token of the first login */
    char secret[64];     /* the TOTP secret */
    char recovery[64];   /* the current recovery code */
    char mfa[2048];      /* an mfaToken */
} S;

static void story_bind_totp(void)
{
    char *out, *err = NULL, uri[512] = "", buf[128] = "", wrong[16] = "", code[16] = "";
    long long now, n;

    group_begin("story: log in, bind TOTP (associate, confirm)");
    CHECK(dev_create_user(&S.u));
    CHECK(dev_login(&S.u, S.token, sizeof S.token) == 200 && S.token[0] != '\0');
    S.c = client_for(g_base);

    /* no token yet: the server says "not logged in" */
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2020, 200);
    sfree(&err);
    /* a forged token: "invalid login" */
    CHECK_STATUS(authing_mfa_client_set_token(S.c, "not.a.token"), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2207, 200);
    sfree(&err);

    CHECK_STATUS(authing_mfa_client_set_token(S.c, S.token), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_OK, NULL);
    CHECK_STREQ(out, "[]");
    sfree(&out);

    out = RUN_OP(authing_mfa_associate_authenticator, S.c, NULL, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "authenticator_type", buf, sizeof buf) && strcmp(buf, "totp") == 0);
    CHECK(json_str(out, "secret", S.secret, sizeof S.secret) && strlen(S.secret) == 16);
    CHECK(json_str(out, "qrcode_uri", uri, sizeof uri) && strncmp(uri, "otpauth://totp/", 15) == 0);
    CHECK(json_str(out, "recovery_code", S.recovery, sizeof S.recovery) && strlen(S.recovery) == 29);
    /* only the prefix is compared: the rest is a PNG */
    CHECK(json_value(out, "qrcode_data_url") != NULL
          && strncmp(json_value(out, "qrcode_data_url"), "\"data:image/png;base64,", 23) == 0);
    sfree(&out);

    /* the URI holds the same secret, and the account shown in the app */
    CHECK_STATUS(authing_mfa_totp_parse_uri(uri, &out, NULL), AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "secret", buf, sizeof buf) && strcmp(buf, S.secret) == 0);
    CHECK(json_str(out, "account", buf, sizeof buf) && strcmp(buf, S.u.email) == 0);
    CHECK(json_int(out, "digits", &n) && n == 6);
    sfree(&out);

    /* pending, not enforced: not listed, and a login needs no second factor */
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_OK, NULL);
    CHECK_STREQ(out, "[]");
    sfree(&out);
    CHECK(dev_login(&S.u, buf, sizeof buf) == 200);

    /* a wrong code at confirm: HTTP 400 with {"code":400} */
    now = dev_now();
    CHECK(now > 0);
    wrong_code(S.secret, now, wrong);
    snprintf(buf, sizeof buf, "{\"authenticatorType\":\"totp\",\"totp\":\"%s\"}", wrong);
    out = RUN_OP(authing_mfa_confirm_associate_authenticator, S.c, buf, AUTHING_MFA_ERR_HTTP_STATUS, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_HTTP_STATUS", 400, 400);
    CHECK(err && strstr(err, wrong) == NULL); /* the code is not echoed */
    sfree(&err);

    /* the right code, for the server's clock */
    CHECK(totp_at(S.secret, now, code));
    snprintf(buf, sizeof buf, "{\"authenticatorType\":\"totp\",\"totp\":\"%s\"}", code);
    out = RUN_OP(authing_mfa_confirm_associate_authenticator, S.c, buf, AUTHING_MFA_OK, NULL);
    CHECK(json_int(out, "code", &n) && n == 200); /* the server's own code and message */
    CHECK(json_value(out, "message") != NULL && json_value(out, "message")[0] == '"');
    sfree(&out);

    /* now listed, with the same secret and recovery code */
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_OK, NULL);
    CHECK(out && out[0] == '[');
    CHECK(json_str(out, "secret", buf, sizeof buf) && strcmp(buf, S.secret) == 0);
    CHECK(json_str(out, "recoveryCode", buf, sizeof buf) && strcmp(buf, S.recovery) == 0);
    CHECK(json_str(out, "authenticatorType", buf, sizeof buf) && strcmp(buf, "totp") == 0);
    CHECK(json_lit(out, "enable", "true"));
    sfree(&out);
    /* the query is sent: another source lists nothing */
    out = RUN_OP(authing_mfa_get_authenticators, S.c, "{\"type\":\"totp\",\"source\":\"APPLICATION\"}", AUTHING_MFA_OK,
                 NULL);
    CHECK_STREQ(out, "[]");
    sfree(&out);
    /* binding twice is refused */
    out = RUN_OP(authing_mfa_associate_authenticator, S.c, "{\"authenticatorType\":\"totp\"}", AUTHING_MFA_ERR_API, &err);
    CHECK(err && json_int(err, "code", &n) && n == 6003);
    sfree(&err);
    group_end();
}

static void story_verify_totp(void)
{
    authing_mfa_client *refused = client_for(g_closed_url), *zh;
    char *out, *err = NULL, params[2600] = "", code[16] = "", wrong[16] = "", buf[128] = "";
    long long now;

    group_begin("story: login needs MFA (1635), verify TOTP");
    CHECK(dev_login(&S.u, S.mfa, sizeof S.mfa) == 1635 && S.mfa[0] != '\0');

    /* a missing mfaToken is refused before any request (the JS SDK would send
     * "Bearer undefined"): same answer with a server and with a closed port */
    out = RUN_OP(authing_mfa_verify_totp, S.c, "{\"totp\":\"123456\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err && strstr(err, "mfaToken") != NULL, "names mfaToken");
    sfree(&err);
    out = RUN_OP(authing_mfa_verify_totp, refused, "{\"totp\":\"123456\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);

    /* a wrong code: Authing's 6001 with HTTP 200, nothing secret in the error */
    now = dev_now();
    CHECK(totp_at(S.secret, now, code));
    strcpy(wrong, code);
    wrong[5] = (char)(wrong[5] == '9' ? '0' : wrong[5] + 1);
    snprintf(params, sizeof params, "{\"totp\":\"%s\",\"mfaToken\":\"%s\"}", wrong, S.mfa);
    out = RUN_OP(authing_mfa_verify_totp, S.c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6001, 200);
    CHECK(err && strstr(err, S.mfa) == NULL && strstr(err, wrong) == NULL);
    CHECK(err && strstr(err, "Security code error, please re-enter") != NULL); /* lang en-US */
    sfree(&err);
    /* the default language is zh-CN */
    snprintf(buf, sizeof buf, "{\"appHost\":\"%s\"}", g_base);
    zh = new_client(buf);
    out = RUN_OP(authing_mfa_verify_totp, zh, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6001, 200);
    CHECK(err && strstr(err, "安全码错误，请重新输入") != NULL);
    sfree(&err);
    authing_mfa_client_free(zh);

    /* the user token is not an mfaToken */
    snprintf(params, sizeof params, "{\"totp\":\"%s\",\"mfaToken\":\"%s\"}", code, S.token);
    out = RUN_OP(authing_mfa_verify_totp, S.c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2207, 200);
    sfree(&err);

    /* the right code: the user, with a fresh token */
    snprintf(params, sizeof params, "{\"totp\":\"%s\",\"mfaToken\":\"%s\"}", code, S.mfa);
    out = RUN_OP(authing_mfa_verify_totp, S.c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, S.u.id) == 0);
    CHECK(json_value(out, "token") != NULL && json_value(out, "token")[0] == '"');
    CHECK(json_value(out, "arn") != NULL && json_value(out, "userPoolId") != NULL);
    CHECK(json_value(out, "lastIp") != NULL && json_value(out, "isRoot") != NULL); /* unknown fields kept */

    /* setCurrentUser: that user's token now authenticates the client */
    CHECK_STATUS(authing_mfa_client_set_token(S.c, NULL), AUTHING_MFA_OK, NULL);
    CHECK_STATUS(authing_mfa_client_set_current_user(S.c, out, NULL), AUTHING_MFA_OK, NULL);
    expect_current_user(S.c, out);
    sfree(&out);
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_OK, NULL);
    sfree(&out);

    /* the mfaToken completed a login: it is spent (2207), whatever the code */
    out = RUN_OP(authing_mfa_verify_totp, S.c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2207, 200);
    CHECK(err && strstr(err, "already completed a login") != NULL);
    CHECK(err && strstr(err, S.mfa) == NULL && strstr(err, code) == NULL);
    sfree(&err);

    /* the same code again, with a fresh mfaToken, is a replay: 6001 */
    CHECK(dev_login(&S.u, S.mfa, sizeof S.mfa) == 1635 && S.mfa[0] != '\0');
    snprintf(params, sizeof params, "{\"totp\":\"%s\",\"mfaToken\":\"%s\"}", code, S.mfa);
    out = RUN_OP(authing_mfa_verify_totp, S.c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6001, 200);
    sfree(&err);
    authing_mfa_client_free(refused);
    group_end();
}

static void story_token_state_remote(void)
{
    char *out, *err = NULL;
    group_begin("story: token state and the Authorization header");
    /* logout forgets the token: "not logged in" again */
    CHECK_STATUS(authing_mfa_client_clear_current_user(S.c), AUTHING_MFA_OK, NULL);
    expect_current_user(S.c, "null");
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2020, 200);
    sfree(&err);
    /* a user without a token clears the token, as in the JS SDK */
    CHECK_STATUS(authing_mfa_client_set_token(S.c, S.token), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_OK, NULL);
    sfree(&out);
    CHECK_STATUS(authing_mfa_client_set_current_user(S.c, "{\"id\":\"someone\"}", NULL), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2020, 200);
    sfree(&err);
    /* the token option sets the initial token */
    {
        char opts[2300];
        authing_mfa_client *t;
        snprintf(opts, sizeof opts, "{\"appHost\":\"%s\",\"token\":\"%s\"}", g_base, S.token);
        t = new_client(opts);
        out = RUN_OP(authing_mfa_get_authenticators, t, NULL, AUTHING_MFA_OK, NULL);
        sfree(&out);
        /* with an mfaToken given, that token is sent instead of the user token
         * (a fresh one: an mfaToken that completed a login is refused) */
        CHECK(dev_login(&S.u, S.mfa, sizeof S.mfa) == 1635 && S.mfa[0] != '\0');
        snprintf(opts, sizeof opts, "{\"type\":\"totp\",\"mfaToken\":\"%s\"}", S.mfa);
        out = RUN_OP(authing_mfa_get_authenticators, t, opts, AUTHING_MFA_OK, NULL);
        CHECK(out && out[0] == '[');
        sfree(&out);
        authing_mfa_client_free(t);
    }
    CHECK_STATUS(authing_mfa_client_set_token(S.c, S.token), AUTHING_MFA_OK, NULL);
    group_end();
}

static void story_recovery_code(void)
{
    char *out, *err = NULL, params[2600] = "", mfa[2048] = "", fresh[64] = "", buf[128] = "";

    group_begin("story: recovery code (single use, rotated)");
    CHECK(dev_login(&S.u, mfa, sizeof mfa) == 1635);
    snprintf(params, sizeof params, "{\"recoveryCode\":\"0000-0000-0000-0000-0000-0000\",\"mfaToken\":\"%s\"}", mfa);
    out = RUN_OP(authing_mfa_verify_totp_recovery_code, S.c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6002, 200);
    sfree(&err);

    snprintf(params, sizeof params, "{\"recoveryCode\":\"%s\",\"mfaToken\":\"%s\"}", S.recovery, mfa);
    out = RUN_OP(authing_mfa_verify_totp_recovery_code, S.c, params, AUTHING_MFA_OK, NULL);
    CHECK(out && strncmp(out, "{\"user\":{", 9) == 0);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, S.u.id) == 0);
    CHECK(json_value(out, "token") != NULL && json_value(out, "token")[0] == '"');
    CHECK(json_str(out, "recoveryCode", fresh, sizeof fresh) && strlen(fresh) == 29);
    CHECK(strcmp(fresh, S.recovery) != 0);
    sfree(&out);

    /* the mfaToken completed a login: spent (2207) */
    out = RUN_OP(authing_mfa_verify_totp_recovery_code, S.c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2207, 200);
    CHECK(err && strstr(err, S.recovery) == NULL && strstr(err, mfa) == NULL);
    sfree(&err);

    /* the used code is dead, with a fresh mfaToken too: 6002, and the error
     * does not quote it */
    CHECK(dev_login(&S.u, mfa, sizeof mfa) == 1635);
    snprintf(params, sizeof params, "{\"recoveryCode\":\"%s\",\"mfaToken\":\"%s\"}", S.recovery, mfa);
    out = RUN_OP(authing_mfa_verify_totp_recovery_code, S.c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6002, 200);
    CHECK(err && strstr(err, S.recovery) == NULL && strstr(err, mfa) == NULL);
    sfree(&err);
    strcpy(S.recovery, fresh);

    /* through the generic entry point, the fresh code works once (the
     * mfaToken of the refused attempt above is not spent) */
    snprintf(params, sizeof params, "{\"recoveryCode\":\"%s\",\"mfaToken\":\"%s\"}", S.recovery, mfa);
    out = RUN_CALL(S.c, "verifyTotpRecoveryCode", params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "recoveryCode", fresh, sizeof fresh) && strcmp(fresh, S.recovery) != 0);
    sfree(&out);
    strcpy(S.recovery, fresh);
    out = RUN_OP(authing_mfa_verify_totp_recovery_code, S.c, "{\"recoveryCode\":\"x\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT,
                 &err);
    CHECK_MSG(err && strstr(err, "mfaToken") != NULL, "names mfaToken");
    sfree(&err);
    group_end();
}

static void story_generic_call(void)
{
    char *out, *err = NULL, params[2600] = "", code[16] = "", mfa[2048] = "", buf[128] = "";
    long long now;

    group_begin("story: authing_mfa_call by JS method name");
    out = RUN_CALL(S.c, "getMfaAuthenticators", "{\"type\":\"totp\"}", AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "secret", buf, sizeof buf) && strcmp(buf, S.secret) == 0);
    sfree(&out);

    /* a second TOTP login: move the server's clock one step on so the new code
     * is not a replay of the step already used */
    CHECK(dev_login(&S.u, mfa, sizeof mfa) == 1635);
    CHECK(dev("POST", "/__dev/clock", "{\"advanceSeconds\":30}") == 200);
    now = dev_now();
    CHECK(totp_at(S.secret, now, code));
    snprintf(params, sizeof params, "{\"totp\":\"%s\",\"mfaToken\":\"%s\"}", code, mfa);
    out = RUN_CALL(S.c, "verifyTotpMfa", params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, S.u.id) == 0);
    sfree(&out);
    /* the same code with a fresh mfaToken: a replay, 6001 */
    CHECK(dev_login(&S.u, mfa, sizeof mfa) == 1635);
    snprintf(params, sizeof params, "{\"totp\":\"%s\",\"mfaToken\":\"%s\"}", code, mfa);
    out = RUN_CALL(S.c, "verifyTotpMfa", params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6001, 200);
    sfree(&err);
    /* put the clock back: the server is shared by the following runs */
    CHECK(dev("POST", "/__dev/clock", "{\"advanceSeconds\":-30}") == 200);
    /* the misspelt JS name and the corrected one reach the same operation */
    out = RUN_CALL(S.c, "assosicateMfaAuthenticator", NULL, AUTHING_MFA_ERR_API, &err);
    CHECK(err && json_value(err, "code") && strncmp(json_value(err, "code"), "6003", 4) == 0);
    sfree(&err);
    out = RUN_CALL(S.c, "associateMfaAuthenticator", NULL, AUTHING_MFA_ERR_API, &err);
    CHECK(err && json_value(err, "code") && strncmp(json_value(err, "code"), "6003", 4) == 0);
    sfree(&err);
    group_end();
}

static void story_sms_email(void)
{
    struct user u;
    authing_mfa_client *c = client_for(g_base);
    char *out, *err = NULL, params[2800] = "", mfa[2048] = "", code[16] = "", wrong[16] = "", buf[128] = "";
    long long n;

    group_begin("story: SMS and email second factors");
    CHECK(dev_create_user(&u));
    CHECK(dev_enable_factor(&u, "sms", NULL) && dev_enable_factor(&u, "email", NULL));
    CHECK(dev_login(&u, mfa, sizeof mfa) == 1635);

    /* SMS: the code goes to the dev server's outbox */
    snprintf(params, sizeof params, "{\"phone\":\"%s\"}", u.phone);
    CHECK(dev("POST", "/api/v2/sms/send", params) == 200);
    CHECK(dev_last_code(u.phone, code));
    strcpy(wrong, code);
    wrong[0] = (char)(wrong[0] == '9' ? '0' : wrong[0] + 1);
    snprintf(params, sizeof params, "{\"phone\":\"%s\",\"code\":\"%s\",\"mfaToken\":\"%s\"}", u.phone, wrong, mfa);
    out = RUN_OP(authing_mfa_verify_app_sms, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2001, 200);
    CHECK(err && strstr(err, wrong) == NULL);
    sfree(&err);
    snprintf(params, sizeof params, "{\"phone\":\"%s\",\"code\":\"%s\",\"mfaToken\":\"%s\",\"phoneCountryCode\":\"+86\"}",
             u.phone, code, mfa);
    out = RUN_OP(authing_mfa_verify_app_sms, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, u.id) == 0);
    CHECK(json_str(out, "phone", buf, sizeof buf) && strcmp(buf, u.phone) == 0);
    CHECK(json_value(out, "token") != NULL && json_value(out, "token")[0] == '"');
    sfree(&out);
    /* single use: refused with a fresh mfaToken (the first one is spent) */
    CHECK(dev_login(&u, mfa, sizeof mfa) == 1635);
    snprintf(params, sizeof params, "{\"phone\":\"%s\",\"code\":\"%s\",\"mfaToken\":\"%s\",\"phoneCountryCode\":\"+86\"}",
             u.phone, code, mfa);
    out = RUN_OP(authing_mfa_verify_app_sms, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2001, 200);
    sfree(&err);

    /* email */
    snprintf(params, sizeof params, "{\"email\":\"%s\"}", u.email);
    CHECK(dev("POST", "/api/v2/email/send", params) == 200);
    CHECK(dev_last_code(u.email, code));
    snprintf(params, sizeof params, "{\"email\":\"%s\",\"code\":\"%s\",\"mfaToken\":\"%s\"}", u.email, code, mfa);
    out = RUN_CALL(c, "verifyAppEmailMfa", params, AUTHING_MFA_OK, NULL);
    sfree(&out);
    /* a second code and a fresh mfaToken for the direct call (the first
     * ones are used up) */
    CHECK(dev_login(&u, mfa, sizeof mfa) == 1635);
    snprintf(params, sizeof params, "{\"email\":\"%s\"}", u.email);
    CHECK(dev("POST", "/api/v2/email/send", params) == 200);
    CHECK(dev_last_code(u.email, code));
    snprintf(params, sizeof params, "{\"email\":\"%s\",\"code\":\"%s\",\"mfaToken\":\"%s\"}", u.email, code, mfa);
    out = RUN_OP(authing_mfa_verify_app_email, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "email", buf, sizeof buf) && strcmp(buf, u.email) == 0);
    CHECK(json_value(out, "token") != NULL && json_value(out, "token")[0] == '"');
    sfree(&out);
    /* the used code with a fresh mfaToken: 2001 */
    CHECK(dev_login(&u, mfa, sizeof mfa) == 1635);
    snprintf(params, sizeof params, "{\"email\":\"%s\",\"code\":\"%s\",\"mfaToken\":\"%s\"}", u.email, code, mfa);
    out = RUN_OP(authing_mfa_verify_app_email, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK(err && json_int(err, "code", &n) && n == 2001);
    sfree(&err);

    /* phoneOrEmailBindable: own email yes, someone else's phone no */
    snprintf(params, sizeof params, "{\"email\":\"%s\",\"mfaToken\":\"%s\"}", u.email, mfa);
    out = RUN_OP(authing_mfa_phone_or_email_bindable, c, params, AUTHING_MFA_OK, NULL);
    CHECK_STREQ(out, "true");
    sfree(&out);
    snprintf(params, sizeof params, "{\"phone\":\"%s\",\"mfaToken\":\"%s\"}", S.u.phone, mfa);
    out = RUN_OP(authing_mfa_phone_or_email_bindable, c, params, AUTHING_MFA_OK, NULL);
    CHECK_STREQ(out, "false");
    sfree(&out);
    snprintf(params, sizeof params, "{\"phone\":\"19999999999\",\"email\":\"nobody-%s\",\"mfaToken\":\"%s\"}", u.email, mfa);
    out = RUN_CALL(c, "phoneOrEmailBindable", params, AUTHING_MFA_OK, NULL);
    CHECK_STREQ(out, "true");
    sfree(&out);
    /* neither phone nor email: the server's argument error (HTTP 400, code 2000) */
    snprintf(params, sizeof params, "{\"mfaToken\":\"%s\"}", mfa);
    out = RUN_OP(authing_mfa_phone_or_email_bindable, c, params, AUTHING_MFA_ERR_HTTP_STATUS, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_HTTP_STATUS", 2000, 400);
    sfree(&err);
    authing_mfa_client_free(c);
    group_end();
}

static void story_face(void)
{
    struct user u;
    authing_mfa_client *c = client_for(g_base);
    char *out, *err = NULL, params[2600] = "", tok[2048] = "", mfa[2048] = "", buf[128] = "";
    static const char url_a[] = "https://example.com/faces/a.jpg", url_b[] = "https://example.com/faces/b.jpg";

    group_begin("story: face by URL, verify face");
    CHECK(dev_create_user(&u));
    CHECK(dev_login(&u, tok, sizeof tok) == 200);
    CHECK_STATUS(authing_mfa_client_set_token(c, tok), AUTHING_MFA_OK, NULL);
    snprintf(params, sizeof params, "{\"baseFace\":\"%s\",\"compareFace\":\"%s\"}", url_a, url_b);
    out = RUN_OP(authing_mfa_associate_face_by_url, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6010, 200); /* two different faces */
    sfree(&err);
    snprintf(params, sizeof params, "{\"baseFace\":\"%s\",\"compareFace\":\"%s\"}", url_a, url_a);
    out = RUN_OP(authing_mfa_associate_face_by_url, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, u.id) == 0);
    sfree(&out);

    CHECK(dev_login(&u, mfa, sizeof mfa) == 1635);
    snprintf(params, sizeof params, "{\"photo\":\"%s\",\"mfaToken\":\"%s\"}", url_b, mfa);
    out = RUN_OP(authing_mfa_verify_face, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6012, 200);
    sfree(&err);
    snprintf(params, sizeof params, "{\"photo\":\"%s\",\"mfaToken\":\"%s\"}", url_a, mfa);
    out = RUN_OP(authing_mfa_verify_face, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, u.id) == 0);
    CHECK(json_value(out, "token") != NULL && json_value(out, "token")[0] == '"');
    sfree(&out);
    /* the generic entry point, with a fresh mfaToken (the first one is spent) */
    out = RUN_CALL(c, "verifyFaceMfa", params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 2207, 200);
    sfree(&err);
    CHECK(dev_login(&u, mfa, sizeof mfa) == 1635);
    snprintf(params, sizeof params, "{\"photo\":\"%s\",\"mfaToken\":\"%s\"}", url_a, mfa);
    out = RUN_CALL(c, "verifyFaceMfa", params, AUTHING_MFA_OK, NULL);
    sfree(&out);
    snprintf(params, sizeof params, "{\"photo\":\"%s\"}", url_a);
    out = RUN_OP(authing_mfa_verify_face, c, params, AUTHING_MFA_ERR_INVALID_ARGUMENT, &err);
    CHECK_MSG(err && strstr(err, "mfaToken") != NULL, "names mfaToken");
    sfree(&err);
    authing_mfa_client_free(c);
    group_end();
}

static void story_face_files(void)
{
    struct user u;
    authing_mfa_client *c = client_for(g_base);
    char *out, *err = NULL, params[2600] = "", tok[2048] = "", mfa[2048] = "", buf[128] = "";

    group_begin("story: face by local files");
    CHECK(dev_create_user(&u));
    CHECK(dev_login(&u, tok, sizeof tok) == 200);
    CHECK_STATUS(authing_mfa_client_set_token(c, tok), AUTHING_MFA_OK, NULL);

    /* missing files: AUTHING_MFA_ERR_IO before anything is sent */
    snprintf(params, sizeof params, "{\"baseFace\":\"%s\",\"compareFace\":\"%s\"}", g_face_missing, g_face_a);
    out = RUN_OP(authing_mfa_associate_face_by_files, c, params, AUTHING_MFA_ERR_IO, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_IO", -1, -1);
    CHECK(err && strstr(err, "no-such-file.jpg") != NULL); /* the path is named */
    sfree(&err);
    snprintf(params, sizeof params, "{\"baseFace\":\"%s\",\"compareFace\":\"%s\"}", g_face_a, g_face_missing);
    out = RUN_OP(authing_mfa_associate_face_by_files, c, params, AUTHING_MFA_ERR_IO, NULL);
    snprintf(params, sizeof params, "{\"baseFace\":\"%s\"}", g_tmpdir); /* a directory is no image */
    out = RUN_OP(authing_mfa_associate_face_by_files, c, params, AUTHING_MFA_ERR_IO, NULL);

    /* different bytes: "not the same face" */
    snprintf(params, sizeof params, "{\"baseFace\":\"%s\",\"compareFace\":\"%s\"}", g_face_a, g_face_other);
    out = RUN_OP(authing_mfa_associate_face_by_files, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6010, 200);
    sfree(&err);
    /* two files with identical bytes: bound */
    snprintf(params, sizeof params, "{\"baseFace\":\"%s\",\"compareFace\":\"%s\"}", g_face_a, g_face_b);
    out = RUN_OP(authing_mfa_associate_face_by_files, c, params, AUTHING_MFA_OK, NULL);
    CHECK(json_str(out, "id", buf, sizeof buf) && strcmp(buf, u.id) == 0);
    sfree(&out);
    /* one file, compared with itself (as the JS SDK does) */
    snprintf(params, sizeof params, "{\"baseFace\":\"%s\"}", g_face_b);
    out = RUN_OP(authing_mfa_associate_face_by_files, c, params, AUTHING_MFA_OK, NULL);
    sfree(&out);
    snprintf(params, sizeof params, "{\"baseFace\":\"%s\",\"compareFace\":\"%s\"}", g_face_a, g_face_b);
    out = RUN_CALL(c, "associateFaceByLocalFile", params, AUTHING_MFA_OK, NULL);
    sfree(&out);
    out = RUN_CALL(c, "associateFaceByBlob", params, AUTHING_MFA_OK, NULL);
    sfree(&out);

    /* the face is now a second factor; a URL that was never uploaded is not it */
    CHECK(dev_login(&u, mfa, sizeof mfa) == 1635);
    snprintf(params, sizeof params, "{\"photo\":\"face-photo/never-uploaded.jpg\",\"mfaToken\":\"%s\"}", mfa);
    out = RUN_OP(authing_mfa_verify_face, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6011, 200); /* photo not found */
    sfree(&err);
    authing_mfa_client_free(c);
    group_end();
}

static void story_unbind(void)
{
    char *out, *err = NULL, tok[2048] = "";
    long long n;

    group_begin("story: unbind TOTP (delete)");
    CHECK_STATUS(authing_mfa_client_set_token(S.c, S.token), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_delete_authenticator, S.c, "{\"id\":\"x\"}", AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    out = RUN_OP(authing_mfa_delete_authenticator, S.c, NULL, AUTHING_MFA_OK, NULL);
    CHECK(json_int(out, "code", &n) && n == 200);
    CHECK(json_value(out, "message") != NULL);
    sfree(&out);
    out = RUN_OP(authing_mfa_get_authenticators, S.c, NULL, AUTHING_MFA_OK, NULL);
    CHECK_STREQ(out, "[]");
    sfree(&out);
    /* nothing left to unbind */
    out = RUN_CALL(S.c, "deleteMfaAuthenticator", "{}", AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6005, 200);
    sfree(&err);
    /* and a login needs no second factor any more */
    CHECK(dev_login(&S.u, tok, sizeof tok) == 200);
    authing_mfa_client_free(S.c);
    S.c = NULL;
    group_end();
}

/* ---- 8. the async API ------------------------------------------------------------ */

/* What one callback saw. The callback runs on a library thread, so the test
 * thread waits for it under a mutex. */
struct outcome {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int calls;                     /* must end up exactly 1 */
    authing_mfa_status status;
    char json[4096];               /* a copy: the callback's string is borrowed */
    const authing_mfa_client *nested_client; /* non-NULL: try blocking calls in the callback */
    authing_mfa_status nested_call, nested_shutdown;
};

static void outcome_init(struct outcome *o)
{
    memset(o, 0, sizeof *o);
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    o->status = -1;
}

static void outcome_destroy(struct outcome *o)
{
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv);
}

static void on_done(void *user_data, authing_mfa_status status, const char *json)
{
    struct outcome *o = user_data;
    authing_mfa_status nested_call = -1, nested_shutdown = -1;
    if (o->nested_client != NULL) {
        /* both would wait on the thread running this callback */
        char *out = NULL, *err = NULL;
        nested_call = authing_mfa_call(o->nested_client, "getMfaAuthenticators", NULL, &out, &err);
        authing_mfa_string_free(out);
        authing_mfa_string_free(err);
        nested_shutdown = authing_mfa_shutdown(0);
    }
    pthread_mutex_lock(&o->mu);
    o->calls++;
    o->status = status;
    snprintf(o->json, sizeof o->json, "%s", json ? json : "(NULL)");
    o->nested_call = nested_call;
    o->nested_shutdown = nested_shutdown;
    pthread_cond_broadcast(&o->cv);
    pthread_mutex_unlock(&o->mu);
}

/* Waits up to `ms` milliseconds for the callback; returns how often it fired. */
static int outcome_wait(struct outcome *o, long ms)
{
    struct timespec until;
    int calls;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&o->mu);
    while (o->calls == 0 && pthread_cond_timedwait(&o->cv, &o->mu, &until) == 0) {
    }
    calls = o->calls;
    pthread_mutex_unlock(&o->mu);
    return calls;
}

static int outcome_calls(struct outcome *o)
{
    int calls;
    pthread_mutex_lock(&o->mu);
    calls = o->calls;
    pthread_mutex_unlock(&o->mu);
    return calls;
}

/* A loopback port that accepts connections (the kernel does, from the
 * backlog) but never answers: requests to it hang until cancelled. */
static int silent_listener(int *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("silent listener");
        exit(2);
    }
    *port = ntohs(a.sin_port);
    return fd;
}

/* A refused call_async: the status, out_op NULL, no callback; then the same
 * through call_async_ex, whose error JSON must name the status and contain
 * `must_mention` (when not NULL). */
static void expect_async_refused_ex(const authing_mfa_client *c, const char *method, const char *params,
                                    authing_mfa_callback cb, authing_mfa_status want, const char *must_mention,
                                    int line)
{
    struct outcome o, o2;
    authing_mfa_op *op = (authing_mfa_op *)SENTINEL, *op2 = (authing_mfa_op *)SENTINEL;
    char *err = SENTINEL;
    outcome_init(&o);
    outcome_init(&o2);
    check_status_at(authing_mfa_call_async(c, method, params, cb, &o, &op), want, NULL, __FILE__, line,
                    "authing_mfa_call_async");
    check_at(op == NULL, __FILE__, line, "out_op NULL on failure", NULL);
    if (op != NULL && op != (authing_mfa_op *)SENTINEL) authing_mfa_op_free(op);
    check_status_at(authing_mfa_call_async_ex(c, method, params, cb, &o2, &op2, &err), want,
                    err == SENTINEL ? NULL : err, __FILE__, line, "authing_mfa_call_async_ex");
    check_at(op2 == NULL, __FILE__, line, "_ex: out_op NULL on failure", NULL);
    if (op2 != NULL && op2 != (authing_mfa_op *)SENTINEL) authing_mfa_op_free(op2);
    {
        char want_status[96];
        snprintf(want_status, sizeof want_status, "\"status\":\"%s\"", authing_mfa_status_name(want));
        check_at(err != SENTINEL && err != NULL && strstr(err, want_status) != NULL, __FILE__, line,
                 "_ex: the error JSON names the status", err == SENTINEL ? NULL : err);
        if (must_mention != NULL)
            check_at(err != SENTINEL && err != NULL && strstr(err, must_mention) != NULL, __FILE__, line,
                     "_ex: the error JSON says what was wrong", err == SENTINEL ? NULL : err);
    }
    if (err != SENTINEL) authing_mfa_string_free(err);
    /* "the callback is never called": give a wrongly scheduled one time to show */
    check_at(outcome_wait(&o, 300) == 0, __FILE__, line, "callback not called", NULL);
    check_at(outcome_wait(&o2, 50) == 0, __FILE__, line, "_ex: callback not called", NULL);
    outcome_destroy(&o);
    outcome_destroy(&o2);
}

static void expect_async_refused(const authing_mfa_client *c, const char *method, const char *params,
                                 authing_mfa_callback cb, authing_mfa_status want, int line)
{
    expect_async_refused_ex(c, method, params, cb, want, NULL, line);
}

static void test_async(void)
{
    struct user u;
    struct outcome o, o2;
    authing_mfa_client *c = client_for(g_base), *silent, *quick, *doomed;
    authing_mfa_op *op = NULL, *op2 = NULL;
    char tok[2048] = "", opts[2400];
    int port, fd = silent_listener(&port);

    group_begin("async: call_async, cancel, free, callbacks");
    snprintf(opts, sizeof opts, "{\"appHost\":\"http://127.0.0.1:%d\",\"timeout\":60000}", port);
    silent = new_client(opts);
    snprintf(opts, sizeof opts, "{\"appHost\":\"http://127.0.0.1:%d\",\"timeout\":300}", port);
    quick = new_client(opts);

    /* refused at once: the callback never fires */
    expect_async_refused(NULL, "getMfaAuthenticators", NULL, on_done, AUTHING_MFA_ERR_NULL_ARGUMENT, __LINE__);
    expect_async_refused(c, NULL, NULL, on_done, AUTHING_MFA_ERR_NULL_ARGUMENT, __LINE__);
    expect_async_refused(c, "getMfaAuthenticators", NULL, NULL, AUTHING_MFA_ERR_NULL_ARGUMENT, __LINE__);
    expect_async_refused(c, BAD_UTF8, NULL, on_done, AUTHING_MFA_ERR_INVALID_UTF8, __LINE__);
    expect_async_refused(c, "getMfaAuthenticators", BAD_UTF8, on_done, AUTHING_MFA_ERR_INVALID_UTF8, __LINE__);
    expect_async_refused_ex(c, "verifySmsMfa", "{}", on_done, AUTHING_MFA_ERR_INVALID_ARGUMENT, "verifySmsMfa",
                            __LINE__);
    expect_async_refused_ex(NULL, "getMfaAuthenticators", NULL, on_done, AUTHING_MFA_ERR_NULL_ARGUMENT, "client",
                            __LINE__);
    expect_async_refused_ex(c, "getMfaAuthenticators", NULL, NULL, AUTHING_MFA_ERR_NULL_ARGUMENT, "callback",
                            __LINE__);
    {
        /* accepted through _ex: the error pointer is cleared, the outcome comes
         * through the callback */
        char *err = SENTINEL;
        outcome_init(&o);
        CHECK_STATUS(authing_mfa_call_async_ex(c, "verifyTotpMfa", "{\"totp\":1}", on_done, &o, NULL, &err),
                     AUTHING_MFA_OK, NULL);
        CHECK_MSG(err == NULL, "_ex: no error JSON when the call is accepted");
        CHECK_MSG(outcome_wait(&o, 10000) == 1, "_ex: the callback fired");
        CHECK_ERROR(o.json, "AUTHING_MFA_ERR_INVALID_JSON", -1, -1);
        CHECK_STATUS(o.status, AUTHING_MFA_ERR_INVALID_JSON, o.json);
        outcome_destroy(&o);
    }

    /* parameter errors come through the callback, like every other failure */
    outcome_init(&o);
    CHECK_STATUS(authing_mfa_call_async(c, "verifyTotpMfa", "{\"totp\":1}", on_done, &o, NULL), AUTHING_MFA_OK, NULL);
    CHECK(outcome_wait(&o, 10000) == 1);
    CHECK_STATUS(o.status, AUTHING_MFA_ERR_INVALID_JSON, o.json);
    CHECK_ERROR(o.json, "AUTHING_MFA_ERR_INVALID_JSON", -1, -1);
    outcome_destroy(&o);

    /* a server error, then a success, from the dev server */
    outcome_init(&o);
    CHECK_STATUS(authing_mfa_call_async(c, "getMfaAuthenticators", NULL, on_done, &o, &op), AUTHING_MFA_OK, NULL);
    CHECK(op != NULL);
    CHECK(outcome_wait(&o, 10000) == 1);
    CHECK_STATUS(o.status, AUTHING_MFA_ERR_API, o.json);
    CHECK_ERROR(o.json, "AUTHING_MFA_ERR_API", 2020, 200);
    authing_mfa_op_cancel(op); /* after completion: nothing happens */
    authing_mfa_op_free(op);
    CHECK(outcome_calls(&o) == 1);
    outcome_destroy(&o);

    CHECK(dev_create_user(&u));
    CHECK(dev_login(&u, tok, sizeof tok) == 200);
    CHECK_STATUS(authing_mfa_client_set_token(c, tok), AUTHING_MFA_OK, NULL);
    outcome_init(&o);
    CHECK_STATUS(authing_mfa_call_async(c, "getMfaAuthenticators", "{\"type\":\"totp\"}", on_done, &o, NULL),
                 AUTHING_MFA_OK, NULL);
    CHECK(outcome_wait(&o, 10000) == 1);
    CHECK_STATUS(o.status, AUTHING_MFA_OK, o.json);
    CHECK_STREQ(o.json, "[]");
    outcome_destroy(&o);

    /* blocking calls from a callback are refused instead of hanging */
    outcome_init(&o);
    o.nested_client = c;
    CHECK_STATUS(authing_mfa_call_async(c, "getMfaAuthenticators", NULL, on_done, &o, NULL), AUTHING_MFA_OK, NULL);
    CHECK(outcome_wait(&o, 10000) == 1);
    CHECK_STATUS(o.status, AUTHING_MFA_OK, o.json);
    CHECK_STATUS(o.nested_call, AUTHING_MFA_ERR_WOULD_DEADLOCK, NULL);
    CHECK_STATUS(o.nested_shutdown, AUTHING_MFA_ERR_WOULD_DEADLOCK, NULL);
    outcome_destroy(&o);

    /* cancel: a request the server never answers ends with CANCELLED, once */
    outcome_init(&o);
    CHECK_STATUS(authing_mfa_call_async(silent, "getMfaAuthenticators", NULL, on_done, &o, &op), AUTHING_MFA_OK, NULL);
    CHECK(outcome_wait(&o, 300) == 0); /* still waiting for the answer */
    authing_mfa_op_cancel(op);
    authing_mfa_op_cancel(op); /* idempotent */
    CHECK(outcome_wait(&o, 10000) == 1);
    CHECK_STATUS(o.status, AUTHING_MFA_ERR_CANCELLED, o.json);
    CHECK_ERROR(o.json, "AUTHING_MFA_ERR_CANCELLED", -1, -1);
    authing_mfa_op_free(op);
    authing_mfa_op_cancel(NULL); /* no-ops */
    authing_mfa_op_free(NULL);
    CHECK(outcome_calls(&o) == 1);
    outcome_destroy(&o);

    /* freeing the handle does not cancel: the callback still fires (here
     * with TIMEOUT after the client's 300 ms) */
    outcome_init(&o);
    CHECK_STATUS(authing_mfa_call_async(quick, "getMfaAuthenticators", NULL, on_done, &o, &op), AUTHING_MFA_OK, NULL);
    authing_mfa_op_free(op);
    CHECK(outcome_wait(&o, 10000) == 1);
    CHECK_STATUS(o.status, AUTHING_MFA_ERR_TIMEOUT, o.json);
    CHECK_ERROR(o.json, "AUTHING_MFA_ERR_TIMEOUT", -1, -1);
    outcome_destroy(&o);

    /* a client freed while its operation is in flight: the operation completes */
    snprintf(opts, sizeof opts, "{\"appHost\":\"%s\",\"token\":\"%s\"}", g_base, tok);
    doomed = new_client(opts);
    outcome_init(&o);
    outcome_init(&o2);
    CHECK_STATUS(authing_mfa_call_async(doomed, "getMfaAuthenticators", NULL, on_done, &o, NULL), AUTHING_MFA_OK, NULL);
    CHECK_STATUS(authing_mfa_call_async(doomed, "getMfaAuthenticators", NULL, on_done, &o2, &op2), AUTHING_MFA_OK, NULL);
    authing_mfa_client_free(doomed);
    CHECK(outcome_wait(&o, 10000) == 1 && outcome_wait(&o2, 10000) == 1);
    CHECK_STATUS(o.status, AUTHING_MFA_OK, o.json);
    CHECK_STATUS(o2.status, AUTHING_MFA_OK, o2.json);
    authing_mfa_op_free(op2);
    outcome_destroy(&o);
    outcome_destroy(&o2);

    authing_mfa_client_free(quick);
    authing_mfa_client_free(silent);
    authing_mfa_client_free(c);
    close(fd);
    group_end();
}

/* ---- 9. the log callback ------------------------------------------------------ */

/* Every line the log callback got, under a mutex: it may run on any thread. */
static struct {
    pthread_mutex_t mu;
    int count, min_level, max_level;
    char lines[65536];
    size_t used;
    int try_nested;                 /* call set_log_callback from inside */
    authing_mfa_status nested;
} g_log = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, "", 0, 0, 0};

static void on_log(void *user_data, int32_t level, const char *message)
{
    authing_mfa_status nested = -1;
    if (user_data != (void *)&g_log) return; /* user_data comes back untouched */
    if (g_log.try_nested) nested = authing_mfa_set_log_callback(AUTHING_MFA_LOG_DEBUG, NULL, NULL);
    pthread_mutex_lock(&g_log.mu);
    if (g_log.count == 0 || level < g_log.min_level) g_log.min_level = level;
    if (level > g_log.max_level) g_log.max_level = level;
    g_log.count++;
    if (g_log.used + strlen(message) + 2 < sizeof g_log.lines) {
        g_log.used += (size_t)sprintf(g_log.lines + g_log.used, "%s\n", message);
    }
    if (g_log.try_nested) g_log.nested = nested;
    pthread_mutex_unlock(&g_log.mu);
}

static void log_reset(void)
{
    pthread_mutex_lock(&g_log.mu);
    g_log.count = g_log.min_level = g_log.max_level = 0;
    g_log.lines[0] = '\0';
    g_log.used = 0;
    g_log.try_nested = 0;
    g_log.nested = -1;
    pthread_mutex_unlock(&g_log.mu);
}

static void test_log_callback(void)
{
    struct user u;
    authing_mfa_client *c = client_for(g_base);
    char *out, *err = NULL, tok[2048] = "", mfa[2048] = "", params[2600] = "", wrong[16] = "";

    group_begin("log callback");
    CHECK(dev_create_user(&u));
    CHECK(dev_login(&u, tok, sizeof tok) == 200);
    CHECK_STATUS(authing_mfa_client_set_token(c, tok), AUTHING_MFA_OK, NULL);
    CHECK_STATUS(authing_mfa_set_log_callback(0, on_log, &g_log), AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);
    CHECK_STATUS(authing_mfa_set_log_callback(-1, on_log, &g_log), AUTHING_MFA_ERR_INVALID_ARGUMENT, NULL);

    /* DEBUG: the request and its outcome, with the token redacted */
    log_reset();
    CHECK_STATUS(authing_mfa_set_log_callback(AUTHING_MFA_LOG_DEBUG, on_log, &g_log), AUTHING_MFA_OK, NULL);
    out = RUN_OP(authing_mfa_get_authenticators, c, NULL, AUTHING_MFA_OK, NULL);
    sfree(&out);
    pthread_mutex_lock(&g_log.mu);
    CHECK(g_log.count >= 2);
    CHECK(g_log.min_level >= AUTHING_MFA_LOG_ERROR && g_log.max_level == AUTHING_MFA_LOG_DEBUG);
    CHECK(strstr(g_log.lines, "/api/v2/mfa/authenticator") != NULL);
    CHECK(strstr(g_log.lines, "<redacted>") != NULL);
    CHECK(strstr(g_log.lines, tok) == NULL);
    pthread_mutex_unlock(&g_log.mu);

    /* a failure: logged with its code, never with the mfaToken or the code sent */
    CHECK(dev_create_user(&u) && dev_enable_factor(&u, "totp", "{\"secret\":\"JBSWY3DPEHPK3PXP\"}")
          && dev_login(&u, mfa, sizeof mfa) == 1635);
    wrong_code("JBSWY3DPEHPK3PXP", dev_now(), wrong);
    log_reset();
    snprintf(params, sizeof params, "{\"totp\":\"%s\",\"mfaToken\":\"%s\"}", wrong, mfa);
    out = RUN_OP(authing_mfa_verify_totp, c, params, AUTHING_MFA_ERR_API, &err);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_API", 6001, 200);
    sfree(&err);
    pthread_mutex_lock(&g_log.mu);
    CHECK(g_log.count >= 1 && strstr(g_log.lines, "6001") != NULL);
    CHECK(strstr(g_log.lines, mfa) == NULL && strstr(g_log.lines, wrong) == NULL);
    pthread_mutex_unlock(&g_log.mu);

    /* levels filter: a success logs nothing at ERROR; above DEBUG means DEBUG */
    CHECK_STATUS(authing_mfa_set_log_callback(AUTHING_MFA_LOG_ERROR, on_log, &g_log), AUTHING_MFA_OK, NULL);
    log_reset();
    out = RUN_OP(authing_mfa_get_authenticators, c, NULL, AUTHING_MFA_OK, NULL);
    sfree(&out);
    CHECK(g_log.count == 0);
    CHECK_STATUS(authing_mfa_set_log_callback(99, on_log, &g_log), AUTHING_MFA_OK, NULL);
    log_reset();
    out = RUN_OP(authing_mfa_get_authenticators, c, NULL, AUTHING_MFA_OK, NULL);
    sfree(&out);
    CHECK(g_log.max_level == AUTHING_MFA_LOG_DEBUG);

    /* replacing the callback from inside it would wait on itself: refused */
    log_reset();
    g_log.try_nested = 1;
    out = RUN_OP(authing_mfa_get_authenticators, c, NULL, AUTHING_MFA_OK, NULL);
    sfree(&out);
    pthread_mutex_lock(&g_log.mu);
    CHECK(g_log.count >= 1);
    CHECK_STATUS(g_log.nested, AUTHING_MFA_ERR_WOULD_DEADLOCK, NULL);
    pthread_mutex_unlock(&g_log.mu);

    /* removed: nothing more arrives (a NULL callback needs no valid level) */
    CHECK_STATUS(authing_mfa_set_log_callback(0, NULL, NULL), AUTHING_MFA_OK, NULL);
    log_reset();
    out = RUN_OP(authing_mfa_get_authenticators, c, NULL, AUTHING_MFA_OK, NULL);
    sfree(&out);
    CHECK(g_log.count == 0);
    authing_mfa_client_free(c);
    group_end();
}

/* The last group: after authing_mfa_shutdown nothing needs the network. */
static void test_shutdown(void)
{
    struct outcome o;
    authing_mfa_client *silent, *c;
    authing_mfa_op *op = (authing_mfa_op *)SENTINEL;
    char opts[128], *out = NULL, *err = NULL, code[16] = "";
    int port, fd = silent_listener(&port);
    double t0;

    group_begin("shutdown (last)");
    snprintf(opts, sizeof opts, "{\"appHost\":\"http://127.0.0.1:%d\",\"timeout\":60000}", port);
    silent = new_client(opts);
    c = client_for(g_closed_url);
    outcome_init(&o);
    CHECK_STATUS(authing_mfa_call_async(silent, "getMfaAuthenticators", NULL, on_done, &o, NULL), AUTHING_MFA_OK, NULL);
    t0 = now_seconds();
    CHECK_STATUS(authing_mfa_shutdown(5000), AUTHING_MFA_OK, NULL);
    CHECK(now_seconds() - t0 < 10.0);
    CHECK(outcome_wait(&o, 10000) == 1); /* the pending operation ended with SHUTDOWN */
    CHECK_STATUS(o.status, AUTHING_MFA_ERR_SHUTDOWN, o.json);
    CHECK_ERROR(o.json, "AUTHING_MFA_ERR_SHUTDOWN", -1, -1);
    outcome_destroy(&o);

    /* afterwards: network calls say SHUTDOWN, async ones are refused */
    CHECK_STATUS(authing_mfa_get_authenticators(c, NULL, &out, &err), AUTHING_MFA_ERR_SHUTDOWN, err);
    CHECK(out == NULL);
    CHECK_ERROR(err, "AUTHING_MFA_ERR_SHUTDOWN", -1, -1);
    sfree(&err);
    outcome_init(&o);
    CHECK_STATUS(authing_mfa_call_async(c, "getMfaAuthenticators", NULL, on_done, &o, &op), AUTHING_MFA_ERR_SHUTDOWN,
                 NULL);
    CHECK(op == NULL);
    CHECK(outcome_wait(&o, 300) == 0);
    outcome_destroy(&o);
    expect_async_refused_ex(c, "getMfaAuthenticators", NULL, on_done, AUTHING_MFA_ERR_SHUTDOWN, "shut down",
                            __LINE__);
    CHECK_STATUS(authing_mfa_shutdown(0), AUTHING_MFA_OK, NULL); /* idempotent */
    /* what needs no network still works */
    CHECK(totp_at(RFC_SECRET, 59, code) && strcmp(code, "287082") == 0);
    authing_mfa_client_free(c);
    authing_mfa_client_free(silent);
    close(fd);
    group_end();
}

int main(int argc, char **argv)
{
    g_base = argc > 1 ? argv[1] : getenv("AUTHING_MFA_DEVSERVER_URL");
    if (g_base == NULL || strncmp(g_base, "http://127.0.0.1:", 17) != 0) {
        fprintf(stderr, "usage: %s http://127.0.0.1:PORT  (or set AUTHING_MFA_DEVSERVER_URL)\n"
                        "the dev server: target/debug/authing-mfa-devserver --port 0\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(g_closed_url, sizeof g_closed_url, "http://127.0.0.1:%d", closed_port());
    make_fixture_files();
    snprintf(g_files_params, sizeof g_files_params, "{\"baseFace\":\"%s\",\"compareFace\":\"%s\"}", g_face_a, g_face_b);

    printf("authing-mfa C ABI tests, library %s, dev server %s\n", authing_mfa_version(), g_base);
    test_version_and_status_names();
    test_client_new();
    test_null_arguments();
    test_android_init_elsewhere();
    test_invalid_utf8();
    test_invalid_json_and_arguments();
    test_token_state_local();
    test_totp_helpers();
    test_refused_connection();
    test_insecure_http_refused();
    test_login_offline();
    test_login_stub();
    test_factors_offline();
    test_factors_stub();
    if (dev_now() < 0) {
        /* counted as a failure, never as a pass */
        printf("FAIL the dev server does not answer at %s: the MFA story was not run\n", g_base);
        g_failed++;
        goto done;
    }
    story_bind_totp();
    story_verify_totp();
    story_token_state_remote();
    story_recovery_code();
    story_generic_call();
    story_sms_email();
    story_send_sms_code();
    story_face();
    story_face_files();
    story_unbind();
    story_v2_login();
    story_v3_factors();
    test_async();
    test_log_callback();

done:
    test_shutdown();
    remove_fixture_files();
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
