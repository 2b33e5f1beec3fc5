/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The configuration parser (conf.c) on the input as a whole file, and as a drop-in merged over
 * a fixed main file; then what the daemon computes from a parsed configuration. A configuration
 * that parsed without errors must dump to text that parses back to the same configuration. */

#include "conf.h"
#include "fuzz.h"
#include "match.h"
#include "mem-policy.h"
#include "profile-props.h"

static const char main_conf[] =
        "[Manager]\n"
        "ManagedSlices=agent.slice\n"
        "DefaultProfile=background\n"
        "\n"
        "[Profile:interactive]\n"
        "Class=interactive\n"
        "CPUWeight=1000\n"
        "MemoryLow=256M\n"
        "\n"
        "[Profile:background]\n"
        "Class=background\n"
        "MemoryHigh=25%\n"
        "TasksMax=512\n"
        "\n"
        "[Match:tools]\n"
        "Unit=tool*.scope\n"
        "Slice=agent-*.slice\n"
        "Profile=background\n";

static int parse_text(Config *c, const char *path, const uint8_t *data, size_t size) {
        _cleanup_(freep) char *buf = NULL;
        _cleanup_(fclosep) FILE *f = NULL;

        f = fuzz_fmemopen(data, size, &buf);
        if (!f)
                return -ENOMEM;
        return config_parse_file(c, path, f);
}

/* The dump without its "# file:line" comments, which name where things were read from. */
static char *dump_settings(const Config *c) {
        _cleanup_(freep) char *text = NULL;
        _cleanup_(fclosep) FILE *f = NULL;
        char *out, *p;
        size_t n = 0;

        f = open_memstream(&text, &n);
        if (!f)
                return NULL;
        FUZZ_ASSERT(config_dump(c, f) == 0);
        if (fclose(TAKE_PTR(f)) != 0 || !text)
                return NULL;

        out = p = malloc(n + 2); /* room for a '\n' the last line might lack */
        if (!out)
                return NULL;
        for (const char *l = text; *l; ) {
                size_t k = strcspn(l, "\n");

                if (!strneq(l, "# ", 2)) {
                        memcpy(p, l, k);
                        p += k;
                        *p++ = '\n';
                }
                l += k + (l[k] == '\n');
        }
        *p = '\0';
        return out;
}

/* What the daemon derives from a configuration, for the sanitizers to watch. */
static void use_config(const Config *c) {
        static const uint64_t physical_memory[] = { 0, 16ULL << 30, UINT64_MAX };
        MemSettings settings;

        mem_settings_from_config(c, &settings);
        (void) config_session_parent(c);

        for (size_t i = 0; i < c->n_profiles; i++)
                for (size_t k = 0; k < ELEMENTSOF(physical_memory); k++) {
                        UnitPropertySet set;
                        MemParams params;

                        profile_to_properties(c->profiles[i], physical_memory[k], &set);
                        profile_add_class_defaults(c->profiles[i], physical_memory[k], false, &set);
                        free(unit_property_set_to_string(&set));
                        (void) profile_memory_low(c->profiles[i], physical_memory[k], true);
                        mem_params_from_profile(c->profiles[i], physical_memory[k], &params);
                }
}

static void check_round_trip(const Config *c) {
        _cleanup_(config_freep) Config *again = NULL;
        _cleanup_(freep) char *text = NULL, *text_again = NULL;

        if (c->n_errors > 0)
                return;

        text = dump_settings(c);
        if (!text || config_new(&again) < 0)
                return;
        if (parse_text(again, "dump.conf", (const uint8_t *) text, strlen(text)) < 0 ||
            config_finalize(again) < 0)
                return;
        for (size_t i = 0; i < again->n_errors; i++)
                fprintf(stderr, "dump.conf:%u: %s\n", again->errors[i].line, again->errors[i].message);
        FUZZ_ASSERT(again->n_errors == 0);

        text_again = dump_settings(again);
        if (!text_again)
                return;
        if (!streq(text, text_again))
                fprintf(stderr, "dump:\n%s\ndump of the dump:\n%s", text, text_again);
        FUZZ_ASSERT(streq(text, text_again));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* The input alone, as the main file. */
        {
                _cleanup_(config_freep) Config *c = NULL;

                if (config_new(&c) < 0 ||
                    parse_text(c, "/etc/agentcgroup/agentcgroup.conf", data, size) < 0 ||
                    config_finalize(c) < 0)
                        return 0;
                use_config(c);
                check_round_trip(c);
        }

        /* The input as a drop-in amending a valid main file. */
        {
                _cleanup_(config_freep) Config *c = NULL;

                if (config_new(&c) < 0 ||
                    parse_text(c, "/usr/lib/agentcgroup/agentcgroup.conf",
                               (const uint8_t *) main_conf, strlen(main_conf)) < 0)
                        return 0;
                FUZZ_ASSERT(c->n_errors == 0);
                if (parse_text(c, "/etc/agentcgroup/agentcgroup.conf.d/50-fuzz.conf", data, size) < 0 ||
                    config_finalize(c) < 0)
                        return 0;
                use_config(c);
                check_round_trip(c);
        }
        return 0;
}
