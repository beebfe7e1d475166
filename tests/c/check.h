/*
 * check.h: the C test suite's tiny harness: pass/fail counters grouped by
 * topic, and just enough JSON reading to check the library's answers.
 *
 * The JSON helpers look a key up by text ("key" followed by ':'). That is
 * sound here because the library and the dev server write compact JSON in
 * which a quote inside a string value is always escaped, so `"key":` can only
 * match a real key; the first match wins, and the top-level keys the tests
 * read (status, message, code, httpStatus, ...) all come before any nested
 * object that could repeat them.
 */
#ifndef AUTHING_MFA_TEST_CHECK_H
#define AUTHING_MFA_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authing_mfa.h"

static int g_passed, g_failed;         /* totals, for the final line */
static int g_group_passed, g_group_failed;
static const char *g_group = "(none)";

static void group_begin(const char *name)
{
    g_group = name;
    g_group_passed = g_group_failed = 0;
}

static void group_end(void)
{
    if (g_group_failed == 0)
        printf("ok   %-50s %3d checks\n", g_group, g_group_passed);
    else
        printf("FAIL %-50s %3d of %d checks failed\n", g_group, g_group_failed,
               g_group_passed + g_group_failed);
    fflush(stdout);
}

/* Records one check; on failure prints where and what (never a secret: the
 * tests only print expressions, status names and error JSON, which the
 * library promises is secret-free). */
static int check_at(int ok, const char *file, int line, const char *what, const char *detail)
{
    if (ok) {
        g_passed++;
        g_group_passed++;
    } else {
        g_failed++;
        g_group_failed++;
        fprintf(stderr, "  FAILED %s:%d [%s] %s%s%s\n", file, line, g_group, what,
                detail ? "\n         " : "", detail ? detail : "");
    }
    return ok;
}

#define CHECK(cond) check_at((cond) != 0, __FILE__, __LINE__, #cond, NULL)
#define CHECK_MSG(cond, detail) check_at((cond) != 0, __FILE__, __LINE__, #cond, (detail))

static int check_status_at(authing_mfa_status got, authing_mfa_status want, const char *err,
                           const char *file, int line, const char *what)
{
    char detail[1024];
    snprintf(detail, sizeof detail, "got %s, want %s; error JSON: %.800s", authing_mfa_status_name(got),
             authing_mfa_status_name(want), err ? err : "(none)");
    return check_at(got == want, file, line, what, got == want ? NULL : detail);
}

/* CHECK_STATUS(call, AUTHING_MFA_ERR_X, err_json_or_NULL). The comma
 * operator makes the call happen before `err` is read (the order in which a
 * function's arguments are evaluated is unspecified), so the error JSON shown
 * on failure is the one that call wrote. */
static authing_mfa_status g_status_;
#define CHECK_STATUS(got, want, err) \
    (g_status_ = (got), check_status_at(g_status_, (want), (err), __FILE__, __LINE__, #got))

static int check_streq_at(const char *got, const char *want, const char *file, int line, const char *what)
{
    char detail[512];
    int ok = got != NULL && want != NULL && strcmp(got, want) == 0;
    snprintf(detail, sizeof detail, "got \"%.200s\", want \"%.200s\"", got ? got : "(NULL)", want ? want : "(NULL)");
    return check_at(ok, file, line, what, ok ? NULL : detail);
}

#define CHECK_STREQ(got, want) check_streq_at((got), (want), __FILE__, __LINE__, #got " == " #want)

/* ---- minimal JSON reading ------------------------------------------------ */

/* Where the value of "key" starts (after the colon and blanks), or NULL. */
static const char *json_value(const char *json, const char *key)
{
    size_t klen = strlen(key);
    const char *p = json;
    if (json == NULL) return NULL;
    while ((p = strchr(p, '"')) != NULL) {
        if (strncmp(p + 1, key, klen) == 0 && p[1 + klen] == '"') {
            const char *v = p + 2 + klen;
            while (*v == ' ' || *v == '\n' || *v == '\r' || *v == '\t') v++;
            if (*v == ':') {
                v++;
                while (*v == ' ' || *v == '\n' || *v == '\r' || *v == '\t') v++;
                return v;
            }
        }
        p++;
    }
    return NULL;
}

/* Copies the string value of "key" into out (escapes other than \" \\ \/
 * are copied as they are; the tests only read ASCII values). Returns 1 when
 * the key holds a string that fits. */
static int json_str(const char *json, const char *key, char *out, size_t out_size)
{
    const char *v = json_value(json, key);
    size_t n = 0;
    if (v == NULL || *v != '"' || out_size == 0) return 0;
    for (v++; *v && *v != '"'; v++) {
        if (*v == '\\' && (v[1] == '"' || v[1] == '\\' || v[1] == '/')) v++;
        if (n + 1 >= out_size) return 0;
        out[n++] = *v;
    }
    out[n] = '\0';
    return *v == '"';
}

/* 1 when "key" holds an integer (stored in *out). */
static int json_int(const char *json, const char *key, long long *out)
{
    const char *v = json_value(json, key);
    char *end;
    if (v == NULL || !(*v == '-' || (*v >= '0' && *v <= '9'))) return 0;
    *out = strtoll(v, &end, 10);
    return end != v;
}

/* 1 when "key" holds the literal null / true / false. */
static int json_lit(const char *json, const char *key, const char *lit)
{
    const char *v = json_value(json, key);
    return v != NULL && strncmp(v, lit, strlen(lit)) == 0;
}

/*
 * Checks an error JSON: every key of {"status","message","code","httpStatus",
 * "data"} present, status the wanted name, message a non-empty string, code
 * and httpStatus the wanted numbers (-1 = must be null).
 */
static int check_error_at(const char *err, const char *status_name, long long code, long long http,
                          const char *file, int line)
{
    char want_status[96];
    long long got;
    int ok = err != NULL;
    snprintf(want_status, sizeof want_status, "\"status\":\"%s\"", status_name);
    ok = ok && strncmp(err, "{\"status\":", 10) == 0 && strstr(err, want_status) != NULL;
    ok = ok && json_value(err, "message") != NULL && json_value(err, "data") != NULL;
    ok = ok && json_value(err, "message")[0] == '"' && json_value(err, "message")[1] != '"';
    if (code < 0)
        ok = ok && json_lit(err, "code", "null");
    else
        ok = ok && json_int(err, "code", &got) && got == code;
    if (http < 0)
        ok = ok && json_lit(err, "httpStatus", "null");
    else
        ok = ok && json_int(err, "httpStatus", &got) && got == http;
    {
        char detail[1200];
        snprintf(detail, sizeof detail, "want %s code=%lld httpStatus=%lld; got %.1000s", status_name, code, http,
                 err ? err : "(no error JSON)");
        return check_at(ok, file, line, "error JSON shape", ok ? NULL : detail);
    }
}

#define CHECK_ERROR(err, status_name, code, http) check_error_at((err), (status_name), (code), (http), __FILE__, __LINE__)

/* The library's strings are freed with its own function, and set to NULL so a
 * second free in a cleanup path is harmless. */
static void sfree(char **s)
{
    authing_mfa_string_free(*s);
    *s = NULL;
}

#endif /* AUTHING_MFA_TEST_CHECK_H */
