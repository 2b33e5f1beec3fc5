/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "pager.h"

static pid_t pager_pid = 0;
static bool pager_has_stderr = false;

/* Runs in the child, with the pipe on stdin. Never returns. */
static _noreturn_ void pager_exec(const char *pager) {
        char buf[4096];
        ssize_t n;

        /* less: quit if one screen, raw colours, chop long lines, keep the screen, and quit on ^C. */
        (void) setenv("LESS", "FRSXMK", 0);
        if (pager)
                execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
        else {
                execlp("less", "less", (char *) NULL);
                execlp("more", "more", (char *) NULL);
        }
        /* No pager to be had: pass the text through rather than lose it. */
        while ((n = read(STDIN_FILENO, buf, sizeof buf)) > 0)
                if (write(STDOUT_FILENO, buf, (size_t) n) != n)
                        break;
        _exit(EXIT_SUCCESS);
}

int pager_open(bool disabled) {
        const char *pager;
        int fd[2];
        pid_t pid;

        if (disabled || pager_pid > 0 || isatty(STDOUT_FILENO) <= 0)
                return 0;
        pager = getenv("PAGER");
        if (pager && (isempty(pager) || streq(pager, "cat")))
                return 0;

        fflush(stdout);
        if (pipe2(fd, O_CLOEXEC) < 0)
                return log_error_errno(negative_errno(), "Failed to create a pipe for the pager: %m");
        pid = fork();
        if (pid < 0) {
                int r = negative_errno();

                close(fd[0]);
                close(fd[1]);
                return log_error_errno(r, "Failed to start the pager: %m");
        }
        if (pid == 0) {
                if (dup2(fd[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                pager_exec(pager);
        }

        close(fd[0]);
        if (dup2(fd[1], STDOUT_FILENO) < 0) {
                int r = negative_errno();

                close(fd[1]);
                (void) waitpid(pid, NULL, 0);
                return log_error_errno(r, "Failed to connect to the pager: %m");
        }
        /* Errors go to the pager too when they would land on the same terminal, so that they
         * are not painted over. */
        if (isatty(STDERR_FILENO) > 0 && dup2(fd[1], STDERR_FILENO) >= 0)
                pager_has_stderr = true;
        close(fd[1]);
        /* Quitting the pager early ends us by SIGPIPE, as for any other pipeline, instead of a
         * stream of write errors if SIGPIPE was inherited ignored. */
        (void) signal(SIGPIPE, SIG_DFL);
        pager_pid = pid;
        return 1;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        fflush(stdout);
        fflush(stderr);
        /* The pager sees end of input only when every copy of the write end is closed. */
        close(STDOUT_FILENO);
        if (pager_has_stderr)
                close(STDERR_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}
