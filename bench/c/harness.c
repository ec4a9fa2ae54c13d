/*
 * harness: the C side of `make bench`. It runs one scenario with libvirt's
 * own client library (libvirt.so, the reference client) and prints the
 * results as Go benchmark lines, as bench/cmd/goharness does for the Go
 * clients, so that benchstat and bench/cmd/benchreport read both alike.
 *
 *   harness -scenario latency -uri 'test+unix:///default?socket=/path/libvirt-sock'
 *
 * Flags (the Go harness's names): -scenario latency|concurrency|list|stats|
 * xml|stream|scale, -uri, -transport, -n, -callers, -d (seconds, "2s"),
 * -domain, -devices, -pool, -vol, -size, -conns, -openers.
 *
 * Built by scripts/bench.sh: gcc -O2 harness.c $(pkg-config --cflags --libs libvirt) -lpthread
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static const char *scenario = "";
static const char *uri = "";
static const char *transport = "unix";
static long calls = 10000;
static const char *callers = "1,4,16,64";
static double duration = 2.0;
static const char *domain_name = "test";
static long devices = 100;
static const char *pool_name = "bench";
static const char *vol_name = "bench.img";
static long long size = 1LL << 30;
static long conns = 1000;
static long openers = 16;

/* The largest stream packet payload libvirt sends (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX). */
#define CHUNK 262120

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "harness: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    const char *msg = virGetLastErrorMessage();
    fprintf(stderr, ": %s\n", msg ? msg : "no libvirt error");
    exit(1);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* round as the Go harness does: whole numbers from 100, two decimals below. */
static double rnd(double v)
{
    if (v >= 100 || v <= -100)
        return (double)(int64_t)(v + 0.5);
    return (double)(int64_t)(v * 100 + 0.5) / 100;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* latency metrics: mean, median and 99th percentile of n durations (sorts d). */
static void print_latencies(int64_t *d, long n, int with_p99)
{
    double sum = 0;
    for (long i = 0; i < n; i++)
        sum += (double)d[i];
    qsort(d, (size_t)n, sizeof d[0], cmp_i64);
    printf(" %.0f ns/op %" PRId64 " p50-ns/op", rnd(sum / (double)n), d[(long)(0.50 * (double)(n - 1))]);
    if (with_p99)
        printf(" %" PRId64 " p99-ns/op", d[(long)(0.99 * (double)(n - 1))]);
}

static virConnectPtr connect_or_fail(void)
{
    virConnectPtr c = virConnectOpen(uri);
    if (!c)
        fail("connecting to %s", uri);
    return c;
}

static void call_lib_version(virConnectPtr c)
{
    unsigned long v;
    if (virConnectGetLibVersion(c, &v) < 0)
        fail("virConnectGetLibVersion");
}

static void call_lookup(virConnectPtr c)
{
    virDomainPtr d = virDomainLookupByName(c, domain_name);
    if (!d)
        fail("virDomainLookupByName(%s)", domain_name);
    virDomainFree(d);
}

/* latency (S1, S9): sequential calls, each timed. */
static void latency(virConnectPtr c)
{
    struct {
        const char *name;
        void (*call)(virConnectPtr);
    } procs[] = {{"ConnectGetLibVersion", call_lib_version}, {"DomainLookupByName", call_lookup}};
    int64_t *d = malloc(sizeof(int64_t) * (size_t)calls);
    for (size_t p = 0; p < 2; p++) {
        for (long i = 0; i < calls / 10; i++)
            procs[p].call(c);
        int64_t cpu0 = cpu_ns();
        for (long i = 0; i < calls; i++) {
            int64_t t = now_ns();
            procs[p].call(c);
            d[i] = now_ns() - t;
        }
        double cpu = (double)(cpu_ns() - cpu0) / (double)calls;
        printf("BenchmarkS1Latency/call=%s/transport=%s/client=c %ld", procs[p].name, transport, calls);
        print_latencies(d, calls, 1);
        printf(" %.0f cpu-ns/op\n", rnd(cpu));
        fflush(stdout);
    }
    free(d);
}

struct worker {
    virConnectPtr c;
    atomic_int *stop;
    long n;
    char pad[64];
};

static void *call_loop(void *arg)
{
    struct worker *w = arg;
    while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
        call_lib_version(w->c);
        w->n++;
    }
    return NULL;
}

/* run k threads on one connection for secs; returns calls and elapsed ns. */
static long run_callers(virConnectPtr c, int k, double secs, int64_t *elapsed)
{
    atomic_int stop = 0;
    struct worker *ws = calloc((size_t)k, sizeof *ws);
    pthread_t *ts = calloc((size_t)k, sizeof *ts);
    int64_t start = now_ns();
    for (int i = 0; i < k; i++) {
        ws[i].c = c;
        ws[i].stop = &stop;
        if (pthread_create(&ts[i], NULL, call_loop, &ws[i]) != 0)
            fail("pthread_create");
    }
    struct timespec ts_sleep = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&ts_sleep, NULL);
    atomic_store(&stop, 1);
    long total = 0;
    for (int i = 0; i < k; i++) {
        pthread_join(ts[i], NULL);
        total += ws[i].n;
    }
    *elapsed = now_ns() - start;
    free(ws);
    free(ts);
    return total;
}

/* concurrency (S2): k threads share the connection, each calling
 * virConnectGetLibVersion in a loop for the measuring time. */
static void concurrency(virConnectPtr c)
{
    char *list = strdup(callers), *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int k = atoi(tok);
        if (k < 1)
            fail("bad -callers %s", callers);
        int64_t elapsed;
        run_callers(c, k, duration / 8, &elapsed);
        int64_t cpu0 = cpu_ns();
        long n = run_callers(c, k, duration, &elapsed);
        double cpu = (double)(cpu_ns() - cpu0) / (double)n;
        printf("BenchmarkS2Concurrency/callers=%d/client=c %ld %.0f ns/op %.0f calls/s %.0f cpu-ns/op\n", k, n,
               rnd((double)elapsed / (double)n), rnd((double)n / ((double)elapsed / 1e9)), rnd(cpu));
        fflush(stdout);
    }
    free(list);
}

static int list_all(virConnectPtr c, void *unused)
{
    (void)unused;
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(c, &doms, 0);
    if (n < 0)
        fail("virConnectListAllDomains");
    for (int i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
    return n;
}

static int all_stats(virConnectPtr c, void *unused)
{
    (void)unused;
    virDomainStatsRecordPtr *recs = NULL;
    int n = virConnectGetAllDomainStats(c, 0, &recs, VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);
    if (n < 0)
        fail("virConnectGetAllDomainStats");
    virDomainStatsRecordListFree(recs);
    return n;
}

static int xml_desc(virConnectPtr c, void *dom)
{
    (void)c;
    char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml)
        fail("virDomainGetXMLDesc");
    free(xml);
    return (int)devices;
}

/* bulk (S3, S4, S5): one call at a time for the measuring time (at least
 * 5 calls), each timed, with the process's CPU time per call. */
static void bulk(virConnectPtr c, const char *base, const char *key, int (*call)(virConnectPtr, void *), void *arg)
{
    int count = call(c, arg);
    call(c, arg);
    call(c, arg);
    size_t cap = 1024, n = 0;
    int64_t *d = malloc(cap * sizeof *d);
    int64_t cpu0 = cpu_ns(), start = now_ns();
    while (n < 5 || (double)(now_ns() - start) < duration * 1e9) {
        int64_t t = now_ns();
        int got = call(c, arg);
        if (n == cap)
            d = realloc(d, (cap *= 2) * sizeof *d);
        d[n++] = now_ns() - t;
        if (got != count)
            fail("%s: %d results, then %d", base, count, got);
    }
    double cpu = (double)(cpu_ns() - cpu0) / (double)n;
    printf("Benchmark%s/%s=%d/client=c %zu", base, key, count, n);
    print_latencies(d, (long)n, 0);
    printf(" %.0f cpu-ns/op\n", rnd(cpu));
    fflush(stdout);
    free(d);
}

static void print_stream(const char *dir, int64_t elapsed, int64_t cpu)
{
    printf("BenchmarkS6Stream/dir=%s/transport=%s/client=c 1 %" PRId64 " ns/op %.2f MB/s %" PRId64 " cpu-ns/op\n", dir,
           transport, elapsed, rnd((double)size / 1e6 / ((double)elapsed / 1e9)), cpu);
    fflush(stdout);
}

/* stream (S6, S9): download the volume, then upload as many bytes. */
static void stream(virConnectPtr c)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(c, pool_name);
    if (!pool)
        fail("pool %s", pool_name);
    virStorageVolPtr vol = virStorageVolLookupByName(pool, vol_name);
    if (!vol)
        fail("volume %s", vol_name);
    char *buf = malloc(CHUNK);

    int64_t cpu0 = cpu_ns(), start = now_ns();
    virStreamPtr st = virStreamNew(c, 0);
    if (!st || virStorageVolDownload(vol, st, 0, 0, 0) < 0)
        fail("virStorageVolDownload");
    long long got = 0;
    for (;;) {
        int n = virStreamRecv(st, buf, CHUNK);
        if (n < 0)
            fail("virStreamRecv");
        if (n == 0)
            break;
        got += n;
    }
    if (virStreamFinish(st) < 0)
        fail("virStreamFinish (download)");
    virStreamFree(st);
    print_stream("download", now_ns() - start, cpu_ns() - cpu0);
    if (got != size)
        fail("download: %lld bytes, want %lld", got, size);

    for (int i = 0; i < CHUNK; i++)
        buf[i] = (char)(i * 7 + 1);
    cpu0 = cpu_ns();
    start = now_ns();
    st = virStreamNew(c, 0);
    if (!st || virStorageVolUpload(vol, st, 0, (unsigned long long)size, 0) < 0)
        fail("virStorageVolUpload");
    for (long long left = size; left > 0;) {
        int n = virStreamSend(st, buf, (size_t)(left < CHUNK ? left : CHUNK));
        if (n < 0)
            fail("virStreamSend");
        left -= n;
    }
    if (virStreamFinish(st) < 0)
        fail("virStreamFinish (upload)");
    virStreamFree(st);
    print_stream("upload", now_ns() - start, cpu_ns() - cpu0);

    free(buf);
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
}

static long status_value(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, kl) == 0 && line[kl] == ':')
            v = atol(line + kl + 1);
    if (f)
        fclose(f);
    return v;
}

struct opener {
    virConnectPtr *cs;
    atomic_long *next;
};

static void *open_loop(void *arg)
{
    struct opener *o = arg;
    for (;;) {
        long i = atomic_fetch_add(o->next, 1);
        if (i >= conns)
            return NULL;
        o->cs[i] = connect_or_fail();
    }
}

/* scale (S7): open -conns connections from -openers threads at once, then
 * measure what the idle connections hold: heap in use (malloc), threads
 * and resident memory, each per connection. */
static void scale(void)
{
    virConnectPtr *cs = calloc((size_t)conns, sizeof *cs);
    pthread_t *ts = calloc((size_t)openers, sizeof *ts);
    atomic_long next = 0;
    struct opener o = {cs, &next};
    struct mallinfo2 m0 = mallinfo2();
    long threads0 = status_value("Threads"), rss0 = status_value("VmRSS");
    int64_t start = now_ns();
    for (long i = 0; i < openers; i++)
        if (pthread_create(&ts[i], NULL, open_loop, &o) != 0)
            fail("pthread_create");
    for (long i = 0; i < openers; i++)
        pthread_join(ts[i], NULL);
    int64_t open = now_ns() - start;
    usleep(200000);
    struct mallinfo2 m1 = mallinfo2();
    double n = (double)conns;
    double heap = ((double)m1.uordblks - (double)m0.uordblks) / n;
    double threads = (double)(status_value("Threads") - threads0) / n;
    double res = (double)(status_value("VmRSS") - rss0) * 1024 / n;
    for (long i = 0; i < conns; i++)
        call_lib_version(cs[i]);
    start = now_ns();
    for (long i = 0; i < conns; i++)
        if (virConnectClose(cs[i]) < 0)
            fail("virConnectClose");
    int64_t closing = now_ns() - start;
    printf("BenchmarkS7Scale/conns=%ld/client=c %ld %.2f open-ms %.0f heap-B/conn %.2f threads/conn %.0f rss-B/conn %.2f close-ms\n",
           conns, conns, rnd((double)open / 1e6), rnd(heap), rnd(threads), rnd(res), rnd((double)closing / 1e6));
    free(cs);
    free(ts);
}

static double parse_duration(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (strcmp(end, "s") == 0 || *end == 0)
        return v;
    if (strcmp(end, "ms") == 0)
        return v / 1000;
    fprintf(stderr, "harness: bad duration %s\n", s);
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (i + 1 >= argc) {
            fprintf(stderr, "harness: flag %s needs a value\n", f);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(f, "-scenario"))
            scenario = v;
        else if (!strcmp(f, "-uri"))
            uri = v;
        else if (!strcmp(f, "-transport"))
            transport = v;
        else if (!strcmp(f, "-n"))
            calls = atol(v);
        else if (!strcmp(f, "-callers"))
            callers = v;
        else if (!strcmp(f, "-d"))
            duration = parse_duration(v);
        else if (!strcmp(f, "-domain"))
            domain_name = v;
        else if (!strcmp(f, "-devices"))
            devices = atol(v);
        else if (!strcmp(f, "-pool"))
            pool_name = v;
        else if (!strcmp(f, "-vol"))
            vol_name = v;
        else if (!strcmp(f, "-size"))
            size = atoll(v);
        else if (!strcmp(f, "-conns"))
            conns = atol(v);
        else if (!strcmp(f, "-openers"))
            openers = atol(v);
        else if (!strcmp(f, "-client"))
            ; /* always c */
        else {
            fprintf(stderr, "harness: unknown flag %s\n", f);
            return 2;
        }
    }
    if (virInitialize() < 0)
        fail("virInitialize");
    if (!strcmp(scenario, "scale")) {
        scale();
        return 0;
    }
    virConnectPtr c = connect_or_fail();
    if (!strcmp(scenario, "latency"))
        latency(c);
    else if (!strcmp(scenario, "concurrency"))
        concurrency(c);
    else if (!strcmp(scenario, "list"))
        bulk(c, "S3ListAll", "domains", list_all, NULL);
    else if (!strcmp(scenario, "stats"))
        bulk(c, "S4AllStats", "domains", all_stats, NULL);
    else if (!strcmp(scenario, "xml")) {
        virDomainPtr d = virDomainLookupByName(c, domain_name);
        if (!d)
            fail("virDomainLookupByName(%s)", domain_name);
        bulk(c, "S5XMLDesc", "devices", xml_desc, d);
        virDomainFree(d);
    } else if (!strcmp(scenario, "stream"))
        stream(c);
    else {
        fprintf(stderr, "harness: unknown -scenario %s\n", scenario);
        return 2;
    }
    if (virConnectClose(c) < 0)
        fail("virConnectClose");
    return 0;
}
