/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse-util.h"
#include "profile-props.h"

static void add(UnitPropertySet *s, const char *name, uint64_t value) {
        if (s->n < UNIT_PROPERTIES_MAX)
                s->items[s->n++] = (UnitProperty) { .name = name, .value = value };
}

static void add_size(UnitPropertySet *s, const char *name, const SizeSpec *spec, uint64_t physical_memory) {
        if (spec->kind != SIZE_UNSET)
                add(s, name, size_spec_resolve(spec, physical_memory));
}

uint64_t profile_memory_low(const Profile *p, uint64_t physical_memory, bool slice) {
        if (p->memory_low.kind != SIZE_UNSET)
                return size_spec_resolve(&p->memory_low, physical_memory);
        return p->class == PROFILE_CLASS_INTERACTIVE && !slice ? UINT64_MAX : 0;
}

void profile_add_class_defaults(const Profile *p, uint64_t physical_memory, bool slice, UnitPropertySet *set) {
        uint64_t low = profile_memory_low(p, physical_memory, slice);

        if (p->memory_low.kind == SIZE_UNSET && low > 0)
                add(set, "MemoryLow", low);
}

void profile_to_properties(const Profile *p, uint64_t physical_memory, UnitPropertySet *ret) {
        UnitPropertySet s = {};

        if (p->cpu_weight > 0)
                add(&s, "CPUWeight", p->cpu_weight == CPU_WEIGHT_IDLE ? CPU_WEIGHT_BUS_IDLE : p->cpu_weight);
        add_size(&s, "MemoryMin", &p->memory_min, physical_memory);
        add_size(&s, "MemoryLow", &p->memory_low, physical_memory);
        add_size(&s, "MemoryHigh", &p->memory_high, physical_memory);
        add_size(&s, "MemoryMax", &p->memory_max, physical_memory);
        add_size(&s, "MemorySwapMax", &p->memory_swap_max, physical_memory);
        if (p->tasks_max > 0)
                add(&s, "TasksMax", p->tasks_max);
        *ret = s;
}

bool unit_property_set_equal(const UnitPropertySet *a, const UnitPropertySet *b) {
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (!streq(a->items[i].name, b->items[i].name) || a->items[i].value != b->items[i].value)
                        return false;
        return true;
}

char *unit_property_set_to_string(const UnitPropertySet *s) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        for (size_t i = 0; i < s->n; i++) {
                if (i > 0)
                        fputc(' ', f);
                if (s->items[i].value == UINT64_MAX)
                        fprintf(f, "%s=infinity", s->items[i].name);
                else if (streq(s->items[i].name, "CPUWeight") && s->items[i].value == CPU_WEIGHT_BUS_IDLE)
                        fprintf(f, "%s=idle", s->items[i].name); /* what systemctl shows for 0 */
                else
                        fprintf(f, "%s=%" PRIu64, s->items[i].name, s->items[i].value);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
