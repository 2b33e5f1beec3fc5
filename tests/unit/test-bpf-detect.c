/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Feature detection of bpf-memcg.c on BTF made here with libbpf's BTF writer: the RFC's
 * struct memcg_bpf_ops in its two variants, the memcg kfuncs and the fentry target, none of
 * which the build host's kernel may have. Also the error paths of memcg_bpf_new() (unreadable BTF,
 * missing objects, objects that cannot load here) and, when the BPF objects were built, that the
 * libbpf the daemon links opens them. Loads nothing into the kernel on hosts without the RFC. */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>

#include "bpf-memcg.h"
#include "strv.h"
#include "tests.h"

enum {
        FAKE_OPS_V3 = 1 << 0,   /* struct memcg_bpf_ops as in RFC v3-v6 */
        FAKE_OPS_V7 = 1 << 1,   /* ... as in RFC v7 */
        FAKE_OVER_HIGH = 1 << 2,
        FAKE_KFUNCS = 1 << 3,
        FAKE_KFUNCS_BUT_ONE = 1 << 4,
        FAKE_OVER_HIGH_OLD = 1 << 5,    /* the handler before its rename */
};

static int add_func(struct btf *btf, const char *name, int proto) {
        return btf__add_func(btf, name, BTF_FUNC_GLOBAL, proto);
}

/* A function pointer type: ret (*)(struct mem_cgroup *memcg[, unsigned int/long ...]). */
static int add_hook_ptr(struct btf *btf, int ret, int memcg_ptr, int n_extra, int extra) {
        int proto = btf__add_func_proto(btf, ret);

        ASSERT_TRUE(proto > 0);
        ASSERT_OK(btf__add_func_param(btf, "memcg", memcg_ptr));
        for (int i = 0; i < n_extra; i++)
                ASSERT_OK(btf__add_func_param(btf, i == 0 ? "a" : "b", extra));
        return btf__add_ptr(btf, proto);
}

static struct btf *fake_btf(unsigned what) {
        struct btf *btf = btf__new_empty();
        int uint, ulong, boolean, memcg, memcg_ptr, proto;

        ASSERT_NOT_NULL(btf);
        uint = btf__add_int(btf, "unsigned int", 4, 0);
        ulong = btf__add_int(btf, "long unsigned int", 8, 0);
        boolean = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
        memcg = btf__add_struct(btf, "mem_cgroup", 0);
        memcg_ptr = btf__add_ptr(btf, memcg);
        ASSERT_TRUE(uint > 0 && ulong > 0 && boolean > 0 && memcg > 0 && memcg_ptr > 0);

        proto = btf__add_func_proto(btf, 0);
        ASSERT_OK(btf__add_func_param(btf, "gfp_mask", uint));
        if (what & FAKE_OVER_HIGH)
                ASSERT_TRUE(add_func(btf, "__mem_cgroup_handle_over_high", proto) > 0);
        if (what & FAKE_OVER_HIGH_OLD)
                ASSERT_TRUE(add_func(btf, "mem_cgroup_handle_over_high", proto) > 0);
        if (what & (FAKE_KFUNCS | FAKE_KFUNCS_BUT_ONE)) {
                ASSERT_TRUE(add_func(btf, "bpf_get_mem_cgroup", proto) > 0);
                ASSERT_TRUE(add_func(btf, "bpf_mem_cgroup_usage", proto) > 0);
        }
        if (what & FAKE_KFUNCS)
                ASSERT_TRUE(add_func(btf, "bpf_mem_cgroup_memory_events", proto) > 0);

        if (what & (FAKE_OPS_V3 | FAKE_OPS_V7)) {
                bool v7 = what & FAKE_OPS_V7;
                int online = add_hook_ptr(btf, 0, memcg_ptr, 0, 0);
                int below = add_hook_ptr(btf, boolean, memcg_ptr, v7 ? 2 : 0, ulong);
                int delay = add_hook_ptr(btf, uint, memcg_ptr, v7 ? 1 : 0, uint);
                const char *names[] = { "handle_cgroup_online", "handle_cgroup_offline", "below_low", "below_min",
                                        v7 ? "memcg_charged" : "get_high_delay_ms" };
                int types[] = { online, online, below, below, delay };

                ASSERT_TRUE(btf__add_struct(btf, "memcg_bpf_ops", 8 * ELEMENTSOF(names)) > 0);
                for (size_t i = 0; i < ELEMENTSOF(names); i++)
                        ASSERT_OK(btf__add_field(btf, names[i], types[i], 64 * i, 0));
        }
        return btf;
}

static void detect(unsigned what, unsigned expected) {
        struct btf *btf = fake_btf(what);
        unsigned got = memcg_bpf_detect_btf(btf);

        btf__free(btf);
        if (got != expected)
                TEST_FAIL("fake BTF 0x%x: detected 0x%x, expected 0x%x", what, got, expected);
}

TEST(detect_nothing) {
        ASSERT_EQ(memcg_bpf_detect_btf(NULL), 0);
        detect(0, 0);
}

TEST(detect_mainline) {
        /* What 7.x kernels have: the fentry target and the kfuncs, no struct_ops. */
        detect(FAKE_OVER_HIGH | FAKE_KFUNCS, MEMCG_BTF_OVER_HIGH_FUNC | MEMCG_BTF_KFUNCS);
        detect(FAKE_OVER_HIGH | FAKE_KFUNCS_BUT_ONE, MEMCG_BTF_OVER_HIGH_FUNC);
}

TEST(detect_handler_before_rename) {
        /* 6.16: mem_cgroup_handle_over_high() is the handler itself, and there are no kfuncs. */
        detect(FAKE_OVER_HIGH_OLD, MEMCG_BTF_OVER_HIGH_FUNC_OLD);
}

TEST(detect_rfc_variants) {
        const unsigned common = MEMCG_BTF_OPS | MEMCG_BTF_OPS_BELOW_LOW | MEMCG_BTF_OPS_BELOW_MIN;

        detect(FAKE_OPS_V3, common | MEMCG_BTF_OPS_HIGH_DELAY);
        detect(FAKE_OPS_V7 | FAKE_OVER_HIGH, common | MEMCG_BTF_OPS_CHARGED | MEMCG_BTF_OVER_HIGH_FUNC);
}

TEST(feature_names) {
        _cleanup_strv_free_ char **l = NULL;

        ASSERT_OK(memcg_features_to_strv(0, &l));
        ASSERT_NOT_NULL(l);
        ASSERT_EQ(strv_length(l), 0);
        l = strv_free(l);
        ASSERT_OK(memcg_features_to_strv(MEMCG_FEATURE_BIT(MEMCG_FEATURE_PSI) |
                                         MEMCG_FEATURE_BIT(MEMCG_FEATURE_OBSERVE), &l));
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_STREQ(l[0], "memcg-observe");
        ASSERT_STREQ(l[1], "psi");
        ASSERT_STREQ(memcg_feature_to_string(MEMCG_FEATURE_BPF_OPS), "memcg-bpf-ops");
        ASSERT_STREQ(memcg_feature_to_string(MEMCG_FEATURE_KFUNCS), "memcg-kfuncs");
        ASSERT_NULL(memcg_feature_to_string(_MEMCG_FEATURE_MAX));
}

/* Writes fake BTF to a temporary file for $AGENTCGROUP_VMLINUX_BTF; returns its path. */
static char *write_btf(unsigned what) {
        char *path = strdup("/tmp/test-bpf-detect-XXXXXX");
        struct btf *btf = fake_btf(what);
        const void *data;
        uint32_t size;
        int fd;

        ASSERT_NOT_NULL(path);
        data = btf__raw_data(btf, &size);
        ASSERT_NOT_NULL(data);
        fd = mkstemp(path);
        ASSERT_TRUE(fd >= 0);
        ASSERT_EQ(write(fd, data, size), (long long) size);
        close(fd);
        btf__free(btf);
        return path;
}

static void assert_reason(const MemcgBpf *m, MemcgFeature f, const char *needle) {
        const char *reason = memcg_bpf_absent_reason(m, f);

        if (!reason || !strstr(reason, needle))
                TEST_FAIL("%s: reason \"%s\" lacks \"%s\"", memcg_feature_to_string(f), strna(reason), needle);
}

TEST(new_from_btf_file_without_objects) {
        _cleanup_(memcg_bpf_freep) MemcgBpf *m = NULL;
        _cleanup_(freep) char *btf = write_btf(FAKE_OPS_V3 | FAKE_OVER_HIGH | FAKE_KFUNCS);
        char dir[] = "/tmp/test-bpf-detect-dir-XXXXXX";
        MemcgThrottleStats st;
        MemcgPolicy p = { .max_delay_ms = 100 };

        ASSERT_NOT_NULL(mkdtemp(dir));
        ASSERT_OK(setenv("AGENTCGROUP_VMLINUX_BTF", btf, 1));
        ASSERT_OK(setenv("AGENTCGROUP_BPF_DIR", dir, 1));
        ASSERT_OK(memcg_bpf_new(&m, NULL));
        unlink(btf);
        rmdir(dir);

        ASSERT_EQ(memcg_bpf_btf(m), MEMCG_BTF_OPS | MEMCG_BTF_OPS_HIGH_DELAY | MEMCG_BTF_OPS_BELOW_LOW |
                  MEMCG_BTF_OPS_BELOW_MIN | MEMCG_BTF_OVER_HIGH_FUNC | MEMCG_BTF_KFUNCS);
        ASSERT_TRUE(memcg_bpf_features(m) & MEMCG_FEATURE_BIT(MEMCG_FEATURE_KFUNCS));
        ASSERT_NULL(memcg_bpf_absent_reason(m, MEMCG_FEATURE_KFUNCS));
        assert_reason(m, MEMCG_FEATURE_OBSERVE, "memcg_observe.bpf.o cannot be read");
        assert_reason(m, MEMCG_FEATURE_OBSERVE, dir);
        assert_reason(m, MEMCG_FEATURE_BPF_OPS, "memcg_ops.bpf.o cannot be read");
        ASSERT_ERROR(memcg_bpf_read(m, 1, &st), EOPNOTSUPP);
        ASSERT_ERROR(memcg_bpf_set_policy(m, 1, &p), EOPNOTSUPP);
        ASSERT_ERROR(memcg_bpf_remove_policy(m, 1), EOPNOTSUPP);
        ASSERT_ERROR(memcg_bpf_set_policy(m, 1, NULL), EINVAL);
}

TEST(new_mainline_btf) {
        _cleanup_(memcg_bpf_freep) MemcgBpf *m = NULL;
        _cleanup_(freep) char *btf = write_btf(FAKE_KFUNCS_BUT_ONE);

        ASSERT_OK(setenv("AGENTCGROUP_VMLINUX_BTF", btf, 1));
        ASSERT_OK(setenv("AGENTCGROUP_BPF_DIR", "/nonexistent", 1));
        ASSERT_OK(memcg_bpf_new(&m, NULL));
        unlink(btf);

        ASSERT_EQ(memcg_bpf_features(m) & ~MEMCG_FEATURE_BIT(MEMCG_FEATURE_PSI), 0);
        assert_reason(m, MEMCG_FEATURE_OBSERVE, "no function __mem_cgroup_handle_over_high");
        assert_reason(m, MEMCG_FEATURE_BPF_OPS, "no struct memcg_bpf_ops");
        assert_reason(m, MEMCG_FEATURE_KFUNCS, "lacks bpf_get_mem_cgroup");
}

TEST(new_unreadable_btf) {
        _cleanup_(memcg_bpf_freep) MemcgBpf *m = NULL;

        ASSERT_OK(setenv("AGENTCGROUP_VMLINUX_BTF", "/nonexistent/vmlinux", 1));
        ASSERT_OK(memcg_bpf_new(&m, "/nonexistent"));
        ASSERT_EQ(memcg_bpf_btf(m), 0);
        for (MemcgFeature f = 0; f < _MEMCG_FEATURE_MAX; f++)
                if (f != MEMCG_FEATURE_PSI)
                        assert_reason(m, f, "cannot be read from /nonexistent/vmlinux");
        /* PSI does not depend on BTF: present or absent with its own reason. */
        if (!(memcg_bpf_features(m) & MEMCG_FEATURE_BIT(MEMCG_FEATURE_PSI)))
                assert_reason(m, MEMCG_FEATURE_PSI, "/proc/pressure/memory");
}

static const char *objects_dir(void) {
        const char *dir = getenv("AGENTCGROUP_TEST_BPF_DIR");

        if (!dir)
                printf("# no AGENTCGROUP_TEST_BPF_DIR (BPF objects not built): skipped\n");
        return dir;
}

TEST(objects_open_with_this_libbpf) {
        const char *dir = objects_dir();
        _cleanup_(freep) char *observe = NULL, *ops = NULL;
        struct bpf_object *obj;
        struct bpf_map *map;

        if (!dir)
                return;
        observe = asprintf_safe("%s/memcg_observe.bpf.o", dir);
        ops = asprintf_safe("%s/memcg_ops.bpf.o", dir);

        obj = bpf_object__open_file(observe, NULL);
        ASSERT_NOT_NULL(obj);
        map = bpf_object__find_map_by_name(obj, "throttle_events");
        ASSERT_NOT_NULL(map);
        ASSERT_EQ(bpf_map__value_size(map), sizeof(MemcgThrottleStats));
        bpf_object__close(obj);

        /* The struct_ops maps of both RFC variants parse (their ___v3/___v7 type flavors). */
        obj = bpf_object__open_file(ops, NULL);
        ASSERT_NOT_NULL(obj);
        ASSERT_NOT_NULL(map = bpf_object__find_map_by_name(obj, "memcg_ops_v3"));
        ASSERT_EQ(bpf_map__type(map), BPF_MAP_TYPE_STRUCT_OPS);
        ASSERT_NOT_NULL(map = bpf_object__find_map_by_name(obj, "memcg_ops_v7"));
        ASSERT_EQ(bpf_map__type(map), BPF_MAP_TYPE_STRUCT_OPS);
        ASSERT_NOT_NULL(map = bpf_object__find_map_by_name(obj, "memcg_policy"));
        ASSERT_EQ(bpf_map__key_size(map), 8);
        ASSERT_EQ(bpf_map__value_size(map), 32);
        bpf_object__close(obj);
}

/* With the objects present, the variant is chosen by the members the BTF names; loading then
 * fails on kernels without the RFC, and the daemon goes on without the hook. */
static void new_with_objects(unsigned what, const char *variant) {
        _cleanup_(memcg_bpf_freep) MemcgBpf *m = NULL;
        const char *dir = objects_dir();
        _cleanup_(freep) char *btf = NULL;
        const char *reason;

        if (!dir)
                return;
        btf = write_btf(what);
        ASSERT_OK(setenv("AGENTCGROUP_VMLINUX_BTF", btf, 1));
        ASSERT_OK(memcg_bpf_new(&m, dir));
        unlink(btf);
        reason = memcg_bpf_absent_reason(m, MEMCG_FEATURE_BPF_OPS);
        if (!reason) {
                printf("# this kernel has the memcg_bpf_ops RFC: the hook attached\n");
                return;
        }
        assert_reason(m, MEMCG_FEATURE_BPF_OPS, variant);
        assert_reason(m, MEMCG_FEATURE_BPF_OPS, "failed");
        /* No fentry target in this BTF: memcg_observe was not even tried. */
        assert_reason(m, MEMCG_FEATURE_OBSERVE, "no function __mem_cgroup_handle_over_high");
}

TEST(new_with_objects_v3) {
        new_with_objects(FAKE_OPS_V3, "memcg_ops_v3");
}

TEST(new_with_objects_v7) {
        new_with_objects(FAKE_OPS_V7, "memcg_ops_v7");
}
