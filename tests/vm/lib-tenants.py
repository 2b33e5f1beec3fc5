# Reports of the tenants scenarios (tests/vm/lib-agentcgroup.sh's tenants_run): a RUN line's
# fields for one run directory, and the RESULT and RAW lines over all runs of all arms.
#   lib-tenants.py run DIR MODE ARM RUN WALL_S          (a "RUN ..." line, then "RUNJSON {...}", the run's raw data)
#   lib-tenants.py summary BASE "MODE..." "ARM..."      (runs in BASE/MODE/ARM/<i>)
# The tenants are the environment's TENANTS (default "high low1 low2"): "high" is the
# protected one, the others the background ones.
import json, os, re, statistics, sys

NAMES = os.environ.get("TENANTS", "high low1 low2").split()
LOWS = [n for n in NAMES if n != "high"]

def load(d):
    r = {"dir": d}
    for n in NAMES:
        p = os.path.join(d, n + ".json")
        r[n] = None
        if os.path.exists(p) and os.path.getsize(p) > 0:
            with open(p) as f:
                r[n] = json.loads(f.read())
        r[n + "_ran"] = os.path.exists(os.path.join(d, n + ".rc"))
    r["timeout"] = os.path.exists(os.path.join(d, "timeout"))
    r["actions"] = []
    with open(os.path.join(d, "actions.json")) as f:
        for line in f:
            if line.strip():
                r["actions"].append(json.loads(line))
    r["applied"] = []
    p = os.path.join(d, "applied.json")
    if os.path.exists(p):
        with open(p) as f:
            for line in f:
                if line.strip():
                    r["applied"].append(json.loads(line))
    with open(os.path.join(d, "oom.txt")) as f:
        r["oom"] = [l.split() for l in f if l.strip()]
    # The host's reclaim over the run: page counts from /proc/vmstat.
    r["vmstat"] = {}
    p = os.path.join(d, "vmstat.txt")
    if os.path.exists(p):
        for l in open(p):
            k, v = l.split()
            r["vmstat"][k] = int(v)
    # CPU time over the run (ms): PID 1, journald, the daemon, the tenants' slices, the machine.
    r["cpu_ms"] = {}
    p = os.path.join(d, "cpu.txt")
    if os.path.exists(p):
        for l in open(p):
            k, v = l.split()
            r["cpu_ms"][cpu_name(k)] = int(v) / 1000.0
    # The kernel's memory.high reports per tenant, and the daemon's evaluations and wake-ups.
    r["high_events"] = {}
    p = os.path.join(d, "high_events")
    if os.path.exists(p):
        for kv in open(p).read().split():
            k, _, v = kv.partition(":")
            if v.isdigit():
                r["high_events"][k] = int(v)
    r["daemon"] = {}
    p = os.path.join(d, "daemon_wakeups")
    if os.path.exists(p):
        t = open(p).read()
        m = re.search(r"(\d+) evaluation", t)
        if m:
            r["daemon"]["evaluations"] = int(m.group(1))
            for k, v in re.findall(r"(unit events|unit pressure|domain events|domain pressure) (\d+)", t):
                r["daemon"][k.replace(" ", "_")] = int(v)
    # The helper's memory.reclaim rounds: (realtime µs, unit, MiB asked, ms taken).
    r["reclaims"] = []
    p = os.path.join(d, "reclaims.txt")
    if os.path.exists(p):
        for l in open(p):
            v = l.split()
            if len(v) == 4:
                r["reclaims"].append((int(v[0]), v[1], int(v[2]), int(v[3])))
    p = os.path.join(d, "high_stall_us")
    r["high_stall_ms"] = int(open(p).read()) / 1000.0 if os.path.exists(p) else None
    vm = r["vmstat"]
    vm["allocstall"] = vm.get("allocstall_normal", 0) + vm.get("allocstall_movable", 0)
    # The most of HIGH's memory seen in swap (MiB), from the 0.2 s samples, lines
    # "<s> <agent.slice> <high> <low...> <high swapped>".
    r["high_swap_mib"] = 0
    p = os.path.join(d, "mem.tsv")
    if os.path.exists(p):
        for l in open(p):
            v = l.split()
            if len(v) >= 4 + len(LOWS):
                r["high_swap_mib"] = max(r["high_swap_mib"], int(v[-1]))
    return r

CPU_NAMES = {"init.scope": "pid1", "systemd-journald.service": "journald", "agentcgroupd.service": "daemon",
             "agentcgroupd-reclaim.scope": "reclaim"}

def cpu_name(cgroup):
    m = re.fullmatch(r"agent-(.*)\.slice", cgroup)
    return m.group(1) if m else CPU_NAMES.get(cgroup, cgroup)

# No "other" (busy minus the cgroups): /proc/stat is tick-sampled, and under TCG it went negative.
CPU_KEYS = tuple(NAMES) + ("pid1", "journald", "daemon", "reclaim", "idle")

def cpu_str(c):
    return " ".join("%s=%d" % (k, c.get(k, 0)) for k in CPU_KEYS)

RECLAIM_KEYS = ("pgscan_kswapd", "pgscan_direct", "allocstall", "pswpout", "pswpin")

def reclaim_str(r):
    # Pages in MiB (4 KiB pages), allocation stalls as a count.
    vm = r["vmstat"]
    return " ".join("%s=%s" % (k, vm.get(k, 0) if k == "allocstall" else fmt(vm.get(k, 0) / 256.0)) for k in RECLAIM_KEYS)

def end(r, n):
    if not r[n + "_ran"]:
        return None
    return r[n]["end"] if r[n] else "gone"

def fmt(v):
    if v is None:
        return "-"
    return ("%.3f" % v).rstrip("0").rstrip(".") if isinstance(v, float) else str(v)

def run_line(r):
    h = r["high"]
    s = ("TIMEOUT(ended by the benchmark) " if r["timeout"] else "") + "high=%s" % end(r, "high")
    if h:
        a = h["alloc"]
        s += " completion_s=%s p50=%s p95=%s p99=%s max=%s" % tuple(
            fmt(x) for x in (h["completion_s"], a["p50_ms"], a["p95_ms"], a["p99_ms"], a["max_ms"]))
    for n in LOWS:
        if r[n + "_ran"]:
            s += " %s=%s" % (n, end(r, n))
            if r[n] and r[n]["completion_s"] is not None:
                s += "/%ss" % fmt(r[n]["completion_s"])
    counts = {}
    for e in r["actions"]:
        k = "%s:%s" % (e.get("AGENTCGROUP_ACTION"), e.get("AGENTCGROUP_UNIT", "?").replace("tenant-", "").replace(".scope", ""))
        counts[k] = counts.get(k, 0) + 1
    s += " actions=%d[%s]" % (len(r["actions"]), ",".join("%s*%d" % kv for kv in sorted(counts.items())))
    p = os.path.join(r["dir"], "low_start_at")
    if os.path.exists(p):
        s += " low_start(s/high_mib)=%s" % open(p).read().strip().replace(" ", "/")
    p = os.path.join(r["dir"], "mem.tsv")
    if os.path.exists(p):
        peak, lows = 0, 0
        for l in open(p):
            v = l.split()
            if len(v) >= 4 + len(LOWS) and int(v[1]) > peak:
                peak, lows = int(v[1]), sum(int(x) for x in v[3:-1])
        s += " slice_peak_mib=%d lows_at_peak_mib=%d high_swap_mib=%d" % (peak, lows, r["high_swap_mib"])
    if r["vmstat"]:
        s += " reclaim_mib[%s]" % reclaim_str(r)
    if r["high_stall_ms"] is not None:
        s += " high_memory_stall_ms=%s" % fmt(r["high_stall_ms"])
    if r["cpu_ms"]:
        s += " cpu_ms[%s]" % cpu_str(r["cpu_ms"])
    if r["high_events"]:
        s += " memory_high_events[%s]" % ",".join("%s:%d" % kv for kv in sorted(r["high_events"].items()))
    if r["daemon"]:
        s += " daemon[%s]" % ",".join("%s=%d" % kv for kv in r["daemon"].items())
    if r["reclaims"]:
        s += " reclaim_rounds[%s]" % reclaim_rounds_str(r["reclaims"])
    p = os.path.join(r["dir"], "weights")
    if os.path.exists(p):
        s += " slice_cpu_weight[%s]" % open(p).read().strip().replace(" ", ",")
    s += " oom_kills=[%s]" % ",".join("%s(adj %s)" % (o[0].replace(".scope", ""), o[1] if len(o) > 1 else "?") for o in r["oom"])
    return s

def reclaim_rounds_str(rounds):
    # The helper's rounds: how many, MiB asked in all, and how long one took (ms).
    ms = sorted(x[3] for x in rounds)
    return "n=%d,asked_mib=%d,ms_p50=%d,ms_max=%d" % (len(rounds), sum(x[2] for x in rounds), ms[len(ms) // 2], ms[-1])

def mmm(xs):
    # Over runs: median/mean[min..max].
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n=0"
    return "%s/%s[%s..%s]" % (fmt(float(statistics.median(xs))), fmt(float(statistics.mean(xs))),
                              fmt(float(min(xs))), fmt(float(max(xs))))

def nearest_rank(xs, q):
    # The true q-th percentile (nearest rank) of the sorted values xs; None when there are none.
    if not xs:
        return None
    return xs[min(len(xs) - 1, max(0, int(-(-q * len(xs) // 100)) - 1))]

def pct(xs):
    # True percentiles over all values.
    if not xs:
        return "n=0"
    xs = sorted(xs)
    return "n=%d p50=%s p90=%s p99=%s max=%s" % (len(xs), *(fmt(float(nearest_rank(xs, q))) for q in (50, 90, 99, 100)))

def allocations(hs):
    # Every allocation of the runs hs, sorted: the arm's true percentiles, where a median of
    # per-run p99s weighs a run's 22 slowest alike in every run.
    return sorted(x for h in hs for x in h["alloc"].get("samples_ms") or [])

def med(xs):
    xs = [x for x in xs if x is not None]
    return float(statistics.median(xs)) if xs else None

def summary(base, modes, arms):
    for mode in modes:
        runs = {}
        for arm in arms:
            d = os.path.join(base, mode, arm)
            runs[arm] = [load(os.path.join(d, i)) for i in sorted(os.listdir(d), key=int)] if os.path.isdir(d) else []
        for arm in arms:
            rs = runs[arm]
            s = "RESULT survival mode=%s arm=%s runs=%d high=%d/%d" % (
                mode, arm, len(rs), sum(end(r, "high") == "finished" for r in rs), len(rs))
            if arm != "alone":
                for n in LOWS:
                    s += " %s=%d/%d" % (n, sum(end(r, n) == "finished" for r in rs), len(rs))
                s += " lows=%d/%d" % (sum(end(r, n) == "finished" for r in rs for n in LOWS), len(rs) * len(LOWS))
                s += " all%d=%d/%d" % (len(NAMES), sum(all(end(r, n) == "finished" for n in NAMES) for r in rs), len(rs))
            if any(r["timeout"] for r in rs):
                s += " timed_out=%d" % sum(r["timeout"] for r in rs)
            print(s)
        alone_fin = [r["high"] for r in runs.get("alone", []) if end(r, "high") == "finished"]
        alone_alloc = allocations(alone_fin)
        none_low = {n: [r[n]["completion_s"] for r in runs.get("none", []) if end(r, n) == "finished"] for n in LOWS}
        for arm in arms:
            fin = [r["high"] for r in runs[arm] if end(r, "high") == "finished"]
            alloc = allocations(fin)
            # Each run's percentiles are over that run's allocations: say how many, and when a
            # p99 rests on fewer than 100.
            counts = [h["alloc"]["count"] for h in fin]
            print("RESULT high_alloc_ms mode=%s arm=%s finished_runs=%d p50=%s p95=%s p99=%s max=%s samples_per_run=%s "
                  "runs_under_100_samples=%d (median/mean[min..max] over runs)" % (
                mode, arm, len(fin), *(mmm([h["alloc"][k] for h in fin]) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")),
                mmm(counts), sum(c < 100 for c in counts)))
            print("RESULT high_alloc_pooled_ms mode=%s arm=%s samples=%d p50=%s p95=%s p99=%s p99.9=%s max=%s "
                  "(over every allocation of the finished runs)" % (
                mode, arm, len(alloc), *(fmt(nearest_rank(alloc, q)) for q in (50, 95, 99, 99.9, 100))))
            print("RESULT high_completion_s mode=%s arm=%s finished_runs=%d completion_s=%s max_gap_ms=%s" % (
                mode, arm, len(fin), mmm([h["completion_s"] for h in fin]), mmm([h["stall"]["max_gap_ms"] for h in fin])))
            if arm != "alone":
                p99a, p99 = med([h["alloc"]["p99_ms"] for h in alone_fin]), med([h["alloc"]["p99_ms"] for h in fin])
                ca, c = med([h["completion_s"] for h in alone_fin]), med([h["completion_s"] for h in fin])
                pp99a, pp99 = nearest_rank(alone_alloc, 99), nearest_rank(alloc, 99)
                print("RESULT vs_alone mode=%s arm=%s high_p99_x=%s high_completion_x=%s (medians, runs where HIGH finished) "
                      "high_pooled_p99_x=%s (p99 over every allocation of those runs)" % (
                    mode, arm, fmt(p99 / p99a) if p99 and p99a else "-", fmt(c / ca) if c and ca else "-",
                    fmt(pp99 / pp99a) if pp99 and pp99a else "-"))
                if arm in ("agentcgroup", "scx") and "cpu" in runs:
                    # Against HIGH beside the LOW tenants' CPU load alone: what the memory policy
                    # leaves on top of CPU contention.
                    cpu_fin = [r["high"] for r in runs["cpu"] if end(r, "high") == "finished"]
                    p99c, cc = med([h["alloc"]["p99_ms"] for h in cpu_fin]), med([h["completion_s"] for h in cpu_fin])
                    print("RESULT vs_cpu mode=%s arm=%s high_p99_x=%s high_completion_x=%s (medians)" % (
                        mode, arm, fmt(p99 / p99c) if p99 and p99c else "-", fmt(c / cc) if c and cc else "-"))
                s = "RESULT low mode=%s arm=%s" % (mode, arm)
                xs = []
                for n in LOWS:
                    lc = [r[n]["completion_s"] for r in runs[arm] if end(r, n) == "finished"]
                    sl = [r[n]["slowdown"] for r in runs[arm] if end(r, n) == "finished"]
                    nl = med(none_low[n])
                    s += " %s_completion_s=%s %s_slowdown_vs_nominal=%s %s_x_vs_none=%s" % (
                        n, mmm(lc), n, mmm(sl), n, fmt(med(lc) / nl) if lc and nl else "-")
                    if lc and nl:
                        xs.append(med(lc) / nl)
                if len(LOWS) > 2:
                    s += " lows_x_vs_none=%s (over the LOW tenants)" % mmm(xs)
                print(s)
            if arm in ("agentcgroup", "scx"):
                # Reaction: kernel event (inotify on memory.events, PSI trigger) that woke the
                # evaluation -> systemd confirmed the action; decision -> confirmed (PID 1's part);
                # and event -> decision, the daemon's own part (the difference of the two).
                for op in sorted({e.get("AGENTCGROUP_OP") for r in runs[arm] for e in r["applied"]}) + ["all"]:
                    sel = [e for r in runs[arm] for e in r["applied"] if op == "all" or e.get("AGENTCGROUP_OP") == op]
                    evsel = [e for e in sel if "AGENTCGROUP_EVENT_TO_APPLIED_USEC" in e]
                    ev = [int(e["AGENTCGROUP_EVENT_TO_APPLIED_USEC"]) / 1000 for e in evsel]
                    de = [int(e["AGENTCGROUP_DECIDED_TO_APPLIED_USEC"]) / 1000 for e in sel]
                    ed = [(int(e["AGENTCGROUP_EVENT_TO_APPLIED_USEC"]) - int(e["AGENTCGROUP_DECIDED_TO_APPLIED_USEC"])) / 1000
                          for e in evsel]
                    print("RESULT reaction_ms mode=%s arm=%s op=%s event_to_applied: %s decided_to_applied: %s event_to_decided: %s" % (
                        mode, arm, op, pct(ev), pct(de), pct(ed)))
                kinds = sorted({e.get("AGENTCGROUP_ACTION") for r in runs[arm] for e in r["actions"]})
                print("RESULT actions mode=%s arm=%s per_run=%s %s" % (mode, arm, mmm([len(r["actions"]) for r in runs[arm]]),
                      " ".join("%s=%s" % (k, mmm([sum(e.get("AGENTCGROUP_ACTION") == k for e in r["actions"]) for r in runs[arm]])) for k in kinds)))
            if any(r["vmstat"] for r in runs[arm]):
                # Whose reclaim: kswapd (the host's, in the background), direct (in the allocating
                # task, HIGH's latency when HIGH allocates); MiB, allocstall a count.
                print("RESULT reclaim mode=%s arm=%s %s high_swap_peak_mib=%s high_memory_stall_ms=%s (median/mean[min..max] over runs)" % (
                    mode, arm, " ".join("%s=%s" % (k, mmm([r["vmstat"].get(k, 0) / (1 if k == "allocstall" else 256.0)
                                                            for r in runs[arm]])) for k in RECLAIM_KEYS),
                    mmm([r["high_swap_mib"] for r in runs[arm]]), mmm([r["high_stall_ms"] for r in runs[arm]])))
            if any(r["cpu_ms"] for r in runs[arm]):
                # Where the CPU went during the run (ms, both CPUs together; idle from /proc/stat).
                print("RESULT cpu_ms mode=%s arm=%s %s (median/mean[min..max] over runs)" % (
                    mode, arm, " ".join("%s=%s" % (k, mmm([r["cpu_ms"].get(k, 0) for r in runs[arm]])) for k in CPU_KEYS)))
            if any(r["high_events"] for r in runs[arm]):
                print("RESULT memory_high_events mode=%s arm=%s %s (median/mean[min..max] over runs)" % (
                    mode, arm, " ".join("%s=%s" % (n, mmm([r["high_events"].get(n, 0) for r in runs[arm]]))
                                        for n in NAMES)))
            if any(r["reclaims"] for r in runs[arm]):
                # The helper's memory.reclaim rounds: per run, and how long each took (all runs).
                print("RESULT reclaim_rounds mode=%s arm=%s per_run=%s asked_mib_per_run=%s round_ms: %s" % (
                    mode, arm, mmm([len(r["reclaims"]) for r in runs[arm]]),
                    mmm([sum(x[2] for x in r["reclaims"]) for r in runs[arm]]),
                    pct([x[3] for r in runs[arm] for x in r["reclaims"]])))
            if any(r["daemon"] for r in runs[arm]):
                keys = ("evaluations", "unit_events", "unit_pressure", "domain_events", "domain_pressure")
                print("RESULT daemon_wakeups mode=%s arm=%s %s (median/mean[min..max] over runs)" % (
                    mode, arm, " ".join("%s=%s" % (k, mmm([r["daemon"].get(k, 0) for r in runs[arm] if r["daemon"]]))
                                        for k in keys)))
            oom = {}
            for r in runs[arm]:
                for o in r["oom"]:
                    oom[o[0]] = oom.get(o[0], 0) + 1
            print("RESULT oom_kills mode=%s arm=%s total=%d %s" % (mode, arm, sum(oom.values()), " ".join("%s=%d" % kv for kv in sorted(oom.items()))))
        for arm in arms:
            if runs[arm]:
                timeline(runs[arm][0], "memory_%s_%s_run1" % (mode, arm))
            fin = [r["high"] for r in runs[arm] if end(r, "high") == "finished"]
            if fin:
                print("RAW high_alloc_ms_%s__%s %s" % (mode, arm, " ".join(fmt(float(x)) for h in fin for x in h["alloc"]["samples_ms"])))
                print("RAW high_p99_ms_%s__%s %s" % (mode, arm, " ".join(fmt(float(h["alloc"]["p99_ms"])) for h in fin)))
                print("RAW high_completion_s_%s__%s %s" % (mode, arm, " ".join(fmt(float(h["completion_s"])) for h in fin)))

def timeline(r, name):
    # One run's memory over time ("SERIES name header rows...", values comma-separated) and the
    # daemon's actions on it ("MARKS name t,action,tenant,MiB ..."), for tools/bench's plots.
    p = os.path.join(r["dir"], "mem.tsv")
    if not os.path.exists(p):
        return
    rows = [l.split() for l in open(p) if len(l.split()) == 4 + len(LOWS)]
    if not rows:
        return
    print("SERIES %s %s %s" % (name, ",".join(["time_s", "agent.slice", "high"] + LOWS + ["high_swapped"]),
                               " ".join(",".join(v) for v in rows)))
    p = os.path.join(r["dir"], "t0_realtime_us")
    if not (r["actions"] or r["reclaims"]) or not os.path.exists(p):
        return
    t0, cols, marks = int(open(p).read()), ["high"] + LOWS, []
    events = list(r["actions"]) + [{"__REALTIME_TIMESTAMP": x[0], "AGENTCGROUP_ACTION": "reclaimed",
                                    "AGENTCGROUP_UNIT": x[1]} for x in r["reclaims"]]
    for e in events:
        t = (int(e.get("__REALTIME_TIMESTAMP", t0)) - t0) / 1e6
        n = e.get("AGENTCGROUP_UNIT", "").replace("tenant-", "").replace(".scope", "")
        if n not in cols:
            continue
        # On the tenant's line: its memory in the sample nearest the action.
        row = min(rows, key=lambda v: abs(float(v[0]) - t))
        marks.append("%.2f,%s,%s,%s" % (t, e.get("AGENTCGROUP_ACTION", "?"), n, row[2 + cols.index(n)]))
    if marks:
        print("MARKS %s %s" % (name, " ".join(marks)))

def run_json(r, mode, arm, run):
    # The run's raw data for tools/bench's runs.jsonl: each tenant's replay report (every
    # allocation's latency in order), how it ended, the daemon's actions and their reaction
    # times, the kernel's counters, CPU time and the helper's reclaim rounds. Times of events in
    # seconds since the run started.
    t0 = None
    p = os.path.join(r["dir"], "t0_realtime_us")
    if os.path.exists(p):
        t0 = int(open(p).read())
    since = lambda us: round((int(us) - t0) / 1e6, 3) if t0 is not None and us is not None else None
    j = {"mode": mode, "arm": arm, "run": int(run), "timed_out": r["timeout"],
         "end": {n: end(r, n) for n in NAMES}, "tenants": {n: r[n] for n in NAMES},
         "actions": [[since(e.get("__REALTIME_TIMESTAMP")), e.get("AGENTCGROUP_UNIT"), e.get("AGENTCGROUP_ACTION")]
                     for e in r["actions"]],
         "applied": [[since(e.get("__REALTIME_TIMESTAMP")), e.get("AGENTCGROUP_UNIT"), e.get("AGENTCGROUP_OP"),
                      e.get("AGENTCGROUP_EVENT_TO_APPLIED_USEC"), e.get("AGENTCGROUP_DECIDED_TO_APPLIED_USEC")]
                     for e in r["applied"]],
         "oom_kills": r["oom"], "vmstat_pages": r["vmstat"], "cpu_ms": r["cpu_ms"],
         "memory_high_events": r["high_events"], "daemon_wakeups": r["daemon"],
         "reclaim_rounds": [[since(x[0]), x[1], x[2], x[3]] for x in r["reclaims"]],
         "high_memory_stall_ms": r["high_stall_ms"], "high_swap_peak_mib": r["high_swap_mib"]}
    return "RUNJSON " + json.dumps(j, separators=(",", ":"))

if sys.argv[1] == "run":
    r = load(sys.argv[2])
    mode, arm, run, wall = sys.argv[3:7]
    print("RUN mode=%s arm=%s run=%s wall_s=%s %s" % (mode, arm, run, wall, run_line(r)))
    print(run_json(r, mode, arm, run))
else:
    summary(sys.argv[2], sys.argv[3].split(), sys.argv[4].split())
