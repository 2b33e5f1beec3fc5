/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs as the command of a fresh "systemd-run --scope": measures how long after it started (that
 * is, after systemd-run's StartTransientUnit returned and it exec'd us) its own cgroup shows the
 * expected value in a cgroup file. Prints "<microseconds>" or "timeout"; with --attempts,
 * "<microseconds> <reads>" (1 read: the value was there at the program's first instruction).
 *
 * usage: scope-latency-probe [--attempts] FILE EXPECTED [TIMEOUT_MS] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int own_cgroup(char *buf, size_t n) {
        FILE *f = fopen("/proc/self/cgroup", "re");
        char line[2048];
        int r = -ENOENT;

        if (!f)
                return -errno;
        while (fgets(line, sizeof line, f))
                if (strncmp(line, "0::", 3) == 0) {
                        line[strcspn(line, "\n")] = '\0';
                        snprintf(buf, n, "/sys/fs/cgroup%s", line + 3);
                        r = 0;
                }
        fclose(f);
        return r;
}

int main(int argc, char *argv[]) {
        long long start = now_us(), timeout_us;
        char dir[4096], path[8192], value[256];
        long long reads = 0;
        int attempts = 0;

        if (argc > 1 && strcmp(argv[1], "--attempts") == 0) {
                attempts = 1;
                argv++;
                argc--;
        }
        if (argc < 3) {
                fprintf(stderr, "usage: scope-latency-probe [--attempts] FILE EXPECTED [TIMEOUT_MS]\n");
                return 2;
        }
        timeout_us = (argc > 3 ? atoll(argv[3]) : 10000) * 1000LL;
        if (own_cgroup(dir, sizeof dir) < 0) {
                fprintf(stderr, "cannot read /proc/self/cgroup\n");
                return 2;
        }
        snprintf(path, sizeof path, "%s/%s", dir, argv[1]);

        for (;;) {
                FILE *f = fopen(path, "re");
                long long t = now_us();

                reads++;
                if (f) {
                        if (fgets(value, sizeof value, f)) {
                                value[strcspn(value, "\n")] = '\0';
                                if (strcmp(value, argv[2]) == 0) {
                                        fclose(f);
                                        if (attempts)
                                                printf("%lld %lld\n", t - start, reads);
                                        else
                                                printf("%lld\n", t - start);
                                        return 0;
                                }
                        }
                        fclose(f);
                }
                if (t - start > timeout_us) {
                        printf("timeout\n");
                        return 1;
                }
                usleep(200);
        }
}
