/*
 * bench.c: authing-mfa's verifyTotpMfa from C, through include/authing_mfa.h
 * only, against the loopback responder of bench/run.sh.
 *
 * Usage: bench MODE --url URL --id ROW [--n N] [--calls C] [--secs S]
 *              [--warmup-calls W]
 * Modes:
 *   threads      blocking authing_mfa_verify_totp from N threads sharing one
 *                client (N = 1: the calling thread, sequential)
 *   async        authing_mfa_call_async with N operations in flight; each
 *                callback starts the next one
 *   rss-growth   VmRSS after W warm-up blocking calls, then after C more
 *   rss-clients  VmRSS before any library call, after creating N clients, and
 *                after one call on each
 *   first-call   time from authing_mfa_client_new to the first answer
 *
 * Every loop stops after C calls or S seconds, whichever comes first. Prints
 * one line `RESULT <row> key=value ...` on stdout and exits 0 when every call
 * succeeded (status OK and the expected user in the answer), 1 otherwise,
 * 2 on a usage or setup error.
 */
#define _GNU_SOURCE
#include "authing_mfa.h"

#include <pthread.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *PARAMS = "{\"totp\":\"123456\",\"mfaToken\":\"bench-mfa-token\"}";
/* Checked in every answer, so a wrong answer is an error, not a fast call. */
static const char *EXPECT = "\"id\":\"bench-user\"";

static const char *opt_url;
static const char *opt_id;
static long opt_n = 1;
static long opt_calls = 1000;
static double opt_secs = 10.0;
static long opt_warmup = 0;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "bench: %s\n", what);
    exit(2);
}

/* CPU seconds (user + system) this process has used so far, all threads. */
static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

/* VmRSS of this process in KiB, from /proc/self/status. */
static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) die("cannot read /proc/self/status");
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    if (kib < 0) die("no VmRSS in /proc/self/status");
    return kib;
}

static authing_mfa_client *new_client(void) {
    char options[512];
    snprintf(options, sizeof options,
             "{\"appHost\":\"%s\",\"userPoolId\":\"bench-pool\",\"appId\":\"bench-app\"}", opt_url);
    authing_mfa_client *client = NULL;
    char *err = NULL;
    if (authing_mfa_client_new(options, &client, &err) != AUTHING_MFA_OK) {
        fprintf(stderr, "bench: authing_mfa_client_new failed: %s\n", err ? err : "?");
        authing_mfa_string_free(err);
        exit(2);
    }
    return client;
}

/* One blocking call; 1 on success. The first failure is described on stderr. */
static int call_blocking(const authing_mfa_client *client) {
    char *result = NULL, *err = NULL;
    authing_mfa_status st = authing_mfa_verify_totp(client, PARAMS, &result, &err);
    int ok = st == AUTHING_MFA_OK && result && strstr(result, EXPECT);
    if (!ok) {
        static atomic_int reported;
        if (atomic_fetch_add(&reported, 1) == 0)
            fprintf(stderr, "bench: call failed: %s %s\n", authing_mfa_status_name(st),
                    err ? err : (result ? result : ""));
    }
    authing_mfa_string_free(result);
    authing_mfa_string_free(err);
    return ok;
}

/* ---- blocking, N threads, one client -------------------------------- */

struct phase {
    const authing_mfa_client *client;
    long calls;
    double deadline;
    atomic_long claimed, ok, errors;
};

static void *blocking_worker(void *arg) {
    struct phase *p = arg;
    while (now_s() < p->deadline && atomic_fetch_add(&p->claimed, 1) < p->calls) {
        if (call_blocking(p->client))
            atomic_fetch_add(&p->ok, 1);
        else
            atomic_fetch_add(&p->errors, 1);
    }
    return NULL;
}

/* Runs `calls` calls (or `secs` seconds) from opt_n threads; returns elapsed s. */
static double blocking_phase(struct phase *p, const authing_mfa_client *client, long calls, double secs) {
    p->client = client;
    p->calls = calls;
    atomic_init(&p->claimed, 0);
    atomic_init(&p->ok, 0);
    atomic_init(&p->errors, 0);
    double start = now_s();
    p->deadline = start + secs;
    if (opt_n == 1) {
        blocking_worker(p);
    } else {
        pthread_t *threads = calloc((size_t)opt_n, sizeof *threads);
        if (!threads) die("out of memory");
        for (long i = 0; i < opt_n; i++)
            if (pthread_create(&threads[i], NULL, blocking_worker, p) != 0) die("pthread_create failed");
        for (long i = 0; i < opt_n; i++) pthread_join(threads[i], NULL);
        free(threads);
    }
    return now_s() - start;
}

static int mode_threads(void) {
    authing_mfa_client *client = new_client();
    struct phase warm, run;
    blocking_phase(&warm, client, opt_warmup, opt_secs > 1 ? opt_secs : 1);
    double cpu0 = cpu_s();
    double secs = blocking_phase(&run, client, opt_calls, opt_secs);
    double cpu = cpu_s() - cpu0;
    long ok = atomic_load(&run.ok), errors = atomic_load(&run.errors) + atomic_load(&warm.errors);
    printf("RESULT %s calls=%ld errors=%ld secs=%.4f cpu_s=%.4f requested=%ld threads=%ld\n", opt_id, ok + errors,
           errors, secs, cpu, opt_calls, opt_n);
    authing_mfa_client_free(client);
    return errors == 0 && ok > 0 ? 0 : 1;
}

/* ---- async, N in flight ---------------------------------------------- */

struct async_phase {
    const authing_mfa_client *client;
    long calls;
    double deadline;
    atomic_long claimed, ok, errors;
    /* Operations in flight, plus one held by the starter until it has
     * started them all; whoever brings it to zero signals `done`. */
    atomic_long inflight;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
};

static void release(struct async_phase *p) {
    if (atomic_fetch_sub(&p->inflight, 1) == 1) {
        pthread_mutex_lock(&p->mu);
        p->done = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

static void on_answer(void *user_data, authing_mfa_status status, const char *json);

/* Claims and starts one call if the phase is not over; 1 if one started. */
static int start_one(struct async_phase *p) {
    if (now_s() >= p->deadline || atomic_fetch_add(&p->claimed, 1) >= p->calls) return 0;
    atomic_fetch_add(&p->inflight, 1);
    authing_mfa_status st = authing_mfa_call_async(p->client, "verifyTotpMfa", PARAMS, on_answer, p, NULL);
    if (st != AUTHING_MFA_OK) {
        fprintf(stderr, "bench: authing_mfa_call_async refused: %s\n", authing_mfa_status_name(st));
        atomic_fetch_add(&p->errors, 1);
        release(p);
        return 0;
    }
    return 1;
}

/* Runs on a library thread: count, start the next call, return promptly. */
static void on_answer(void *user_data, authing_mfa_status status, const char *json) {
    struct async_phase *p = user_data;
    if (status == AUTHING_MFA_OK && json && strstr(json, EXPECT)) {
        atomic_fetch_add(&p->ok, 1);
    } else {
        static atomic_int reported;
        if (atomic_fetch_add(&reported, 1) == 0)
            fprintf(stderr, "bench: async call failed: %s %s\n", authing_mfa_status_name(status),
                    json ? json : "");
        atomic_fetch_add(&p->errors, 1);
    }
    start_one(p);
    release(p);
}

static double async_phase_run(struct async_phase *p, const authing_mfa_client *client, long calls,
                              double secs) {
    p->client = client;
    p->calls = calls;
    atomic_init(&p->claimed, 0);
    atomic_init(&p->ok, 0);
    atomic_init(&p->errors, 0);
    atomic_init(&p->inflight, 1);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->done = 0;
    double start = now_s();
    p->deadline = start + secs;
    for (long i = 0; i < opt_n; i++)
        if (!start_one(p)) break;
    release(p);
    /* Calls end by the deadline plus at most the client's timeout (30 s):
     * wait that long and no longer. */
    struct timespec limit;
    clock_gettime(CLOCK_REALTIME, &limit);
    limit.tv_sec += (time_t)secs + 40;
    pthread_mutex_lock(&p->mu);
    while (!p->done)
        if (pthread_cond_timedwait(&p->cv, &p->mu, &limit) != 0) break;
    int done = p->done;
    pthread_mutex_unlock(&p->mu);
    if (!done) {
        fprintf(stderr, "bench: async calls did not all complete in time\n");
        printf("RESULT %s failed=1 reason=stuck\n", opt_id);
        fflush(stdout);
        _exit(1); /* callbacks may still reference *p: do not return */
    }
    return now_s() - start;
}

static int mode_async(void) {
    authing_mfa_client *client = new_client();
    /* static: callbacks reference them until their phase has drained */
    static struct async_phase warm, run;
    async_phase_run(&warm, client, opt_warmup, opt_secs > 1 ? opt_secs : 1);
    double cpu0 = cpu_s();
    double secs = async_phase_run(&run, client, opt_calls, opt_secs);
    double cpu = cpu_s() - cpu0;
    long ok = atomic_load(&run.ok), errors = atomic_load(&run.errors) + atomic_load(&warm.errors);
    printf("RESULT %s calls=%ld errors=%ld secs=%.4f cpu_s=%.4f requested=%ld inflight=%ld\n", opt_id, ok + errors,
           errors, secs, cpu, opt_calls, opt_n);
    authing_mfa_client_free(client);
    return errors == 0 && ok > 0 ? 0 : 1;
}

/* ---- memory and start-up --------------------------------------------- */

static int mode_rss_growth(void) {
    authing_mfa_client *client = new_client();
    opt_n = 1;
    struct phase warm, run;
    blocking_phase(&warm, client, opt_warmup, opt_secs);
    long before = rss_kib();
    double secs = blocking_phase(&run, client, opt_calls, opt_secs);
    long after = rss_kib();
    long ok = atomic_load(&run.ok), errors = atomic_load(&run.errors) + atomic_load(&warm.errors);
    printf("RESULT %s calls=%ld errors=%ld secs=%.4f requested=%ld before_kib=%ld after_kib=%ld growth_kib=%ld\n",
           opt_id, ok + errors, errors, secs, opt_calls, before, after, after - before);
    authing_mfa_client_free(client);
    return errors == 0 && ok > 0 ? 0 : 1;
}

static int mode_rss_clients(void) {
    long before = rss_kib(); /* before any library call: runtime start-up counts */
    authing_mfa_client **clients = calloc((size_t)opt_n, sizeof *clients);
    if (!clients) die("out of memory");
    double start = now_s();
    for (long i = 0; i < opt_n; i++) clients[i] = new_client();
    double secs = now_s() - start;
    long idle = rss_kib();
    /* A client builds its HTTP client and opens its connection at its first
     * call: one call on every client, so the figure is of clients in use
     * (each holding its HTTP client and a kept-alive connection). */
    int ok = 1;
    for (long i = 0; i < opt_n; i++) ok &= call_blocking(clients[i]);
    long after = rss_kib();
    for (long i = 0; i < opt_n; i++) authing_mfa_client_free(clients[i]);
    free(clients);
    printf("RESULT %s clients=%ld errors=%d secs=%.4f before_kib=%ld idle_kib=%ld after_kib=%ld growth_kib=%ld\n",
           opt_id, opt_n, !ok, secs, before, idle - before, after, after - before);
    return ok ? 0 : 1;
}

static int mode_first_call(void) {
    double start = now_s();
    authing_mfa_client *client = new_client();
    int ok = call_blocking(client);
    double ms = (now_s() - start) * 1000.0;
    printf("RESULT %s ms=%.3f errors=%d\n", opt_id, ms, !ok);
    authing_mfa_client_free(client);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 2) die("usage: bench MODE --url URL --id ROW [--n N] [--calls C] [--secs S] [--warmup-calls W]");
    const char *mode = argv[1];
    for (int i = 2; i < argc; i += 2) {
        if (i + 1 >= argc) die("every option needs a value");
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--url")) opt_url = v;
        else if (!strcmp(k, "--id")) opt_id = v;
        else if (!strcmp(k, "--n")) opt_n = atol(v);
        else if (!strcmp(k, "--calls")) opt_calls = atol(v);
        else if (!strcmp(k, "--secs")) opt_secs = atof(v);
        else if (!strcmp(k, "--warmup-calls")) opt_warmup = atol(v);
        else die("unknown option");
    }
    if (!opt_url || !opt_id) die("--url and --id are required");
    if (opt_n < 1 || opt_calls < 0 || opt_secs <= 0) die("bad --n, --calls or --secs");
    setvbuf(stdout, NULL, _IOLBF, 0);

    int rc;
    if (!strcmp(mode, "threads")) rc = mode_threads();
    else if (!strcmp(mode, "async")) rc = mode_async();
    else if (!strcmp(mode, "rss-growth")) rc = mode_rss_growth();
    else if (!strcmp(mode, "rss-clients")) rc = mode_rss_clients();
    else if (!strcmp(mode, "first-call")) rc = mode_first_call();
    else die("unknown mode");
    fflush(stdout);
    return rc;
}
