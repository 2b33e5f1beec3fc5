import re, statistics, sys
runs = {}
for l in open(sys.argv[1]):
    if not l.startswith("RUN "): continue
    arm = re.search(r"arm=(\w+)", l).group(1)
    d = {"high": re.search(r" high=(\w+)", l).group(1)}
    for k in ("completion_s", "p50", "p95", "p99", "max"):
        m = re.search(r" %s=([0-9.]+)" % k, l)
        d[k] = float(m.group(1)) if m else None
    head = l.split(" actions=")[0]
    d["lows"] = re.findall(r" (low\d+)=(\w+)", head)
    d["lowt"] = [float(x) for x in re.findall(r" low\d+=finished/([0-9.]+)s", head)]
    m = re.search(r"actions=\d+\[([^]]*)\]", l)
    d["kills"] = sum(int(x) for x in re.findall(r"kill:\w+\*(\d+)", m.group(1))) if m else 0
    d["stall"] = float(re.search(r"high_memory_stall_ms=([0-9.]+)", l).group(1))
    m = re.search(r"pid1=(\d+) journald=(\d+) daemon=(\d+) reclaim=(\d+)", l)
    d["sys"] = tuple(int(x) for x in m.groups())
    m = re.search(r"reclaim_rounds\[n=(\d+),asked_mib=(\d+),ms_p50=(\d+),ms_max=(\d+)\]", l)
    d["rr"] = tuple(int(x) for x in m.groups()) if m else None
    runs.setdefault(arm, []).append(d)
def mmm(xs):
    xs = [x for x in xs if x is not None]
    return "%.4g[%.4g..%.4g]" % (statistics.median(xs), min(xs), max(xs)) if xs else "-"
med = lambda xs: statistics.median([x for x in xs if x is not None])
alone = runs.get("alone", [])
ap99, ac = med([r["p99"] for r in alone]), med([r["completion_s"] for r in alone])
none_low = med([t for r in runs.get("none", []) for t in r["lowt"]]) if "none" in runs else None
for arm, rs in runs.items():
    fin = [r for r in rs if r["high"] == "finished"]
    lows_fin = sum(1 for r in rs for n, e in r["lows"] if e == "finished")
    lows_all = sum(len(r["lows"]) for r in rs)
    p99 = med([r["p99"] for r in fin]) if fin else None
    c = med([r["completion_s"] for r in fin]) if fin else None
    print("%-12s runs=%d high_finished=%d/%d lows=%d/%d kills=%d p99=%s (%.2fx) max=%s completion=%s (%.2fx) stall_ms=%s pid1/journald/daemon/reclaim_ms=%s lowt_med=%s" % (
        arm, len(rs), len(fin), len(rs), lows_fin, lows_all, sum(r["kills"] for r in rs),
        mmm([r["p99"] for r in fin]), (p99 / ap99) if p99 else 0, mmm([r["max"] for r in fin]),
        mmm([r["completion_s"] for r in fin]), (c / ac) if c else 0, mmm([r["stall"] for r in rs]),
        "/".join("%d" % med([r["sys"][i] for r in rs]) for i in range(4)),
        "%.4g" % med([t for r in rs for t in r["lowt"]]) if any(r["lowt"] for r in rs) else "-"))
    if any(r["rr"] for r in rs):
        print("             reclaim rounds per run %s, asked MiB %s, round ms p50 %s, max %s" % tuple(mmm([r["rr"][i] for r in rs if r["rr"]]) for i in range(4)))
