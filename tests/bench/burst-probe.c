/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tool call's burst at its very start: allocates and touches MB mebibytes as its first act,
 * then prints its own cgroup's memory.high as it found it before the first page, and the
 * "high" and "max" counters of its memory.events afterwards:
 *     high_at_start=<value> high_events=<n> max_events=<n> ms=<time to touch it all>
 * A scope that had its limits from the start shows the limit at start and throttling events;
 * one whose limits came later shows "max" at start and may show none.
 *
 * usage: burst-probe MB */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static char cgroup_dir[4096];

static long long now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void read_cgroup_dir(void) {
        FILE *f = fopen("/proc/self/cgroup", "re");
        char line[2048];

        while (f && fgets(line, sizeof line, f))
                if (strncmp(line, "0::", 3) == 0) {
                        line[strcspn(line, "\n")] = '\0';
                        snprintf(cgroup_dir, sizeof cgroup_dir, "/sys/fs/cgroup%s", line + 3);
                }
        if (f)
                fclose(f);
}

/* The first line of a cgroup file, or "?" */
static void read_value(const char *file, char *buf, size_t n) {
        char path[8192];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", cgroup_dir, file);
        f = fopen(path, "re");
        if (!f || !fgets(buf, (int) n, f))
                snprintf(buf, n, "?");
        buf[strcspn(buf, "\n")] = '\0';
        if (f)
                fclose(f);
}

static long long event_count(const char *key) {
        char path[8192], k[64];
        long long v, found = -1;
        FILE *f;

        snprintf(path, sizeof path, "%s/memory.events", cgroup_dir);
        f = fopen(path, "re");
        while (f && fscanf(f, "%63s %lld", k, &v) == 2)
                if (strcmp(k, key) == 0)
                        found = v;
        if (f)
                fclose(f);
        return found;
}

int main(int argc, char *argv[]) {
        long long start, mb;
        char high[64];
        char *p;

        if (argc != 2 || (mb = atoll(argv[1])) <= 0) {
                fprintf(stderr, "usage: burst-probe MB\n");
                return 2;
        }
        read_cgroup_dir();
        read_value("memory.high", high, sizeof high);
        start = now_us();
        p = mmap(NULL, (size_t) mb << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
                perror("mmap");
                return 1;
        }
        /* Random-ish bytes: zram must not compress it to nothing. */
        for (size_t off = 0; off < (size_t) mb << 20; off += 4096)
                for (size_t i = 0; i < 4096; i += 512)
                        p[off + i] = (char) (off * 2654435761u >> 13 ^ i);
        printf("high_at_start=%s high_events=%lld max_events=%lld ms=%lld\n", high, event_count("high"),
               event_count("max"), (now_us() - start) / 1000);
        return 0;
}
