#!/usr/bin/env python3
# The benchmarks' reports on made-up runs (TAP): tools/bench-table's tables from RUN lines, and
# tests/vm/lib-tenants.py's RUN, RUNJSON and RESULT lines from run directories as tenants_run
# leaves them. Paths from the environment: BENCH_TABLE, LIB_TENANTS.
import json
import os
import subprocess
import sys
import tempfile

BENCH_TABLE = os.environ["BENCH_TABLE"]
LIB_TENANTS = os.environ["LIB_TENANTS"]
results = []


def check(name, cond, detail=""):
    results.append((name, bool(cond), detail))


def run(*args, env=None):
    p = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def row(out, arm):
    for l in out.splitlines():
        if l.startswith("| %s |" % arm):
            return [c.strip() for c in l.strip("|").split("|")]
    return None


# ---- tools/bench-table ----
RUNS = [
    "RUN mode=zram arm=alone run=1 wall_s=40 high=finished completion_s=30 p50=9 p95=20 p99=30 max=50 actions=0[] high_memory_stall_ms=0 oom_kills=[]",
    "RUN mode=zram arm=alone run=2 wall_s=40 high=finished completion_s=34 p50=9 p95=20 p99=40 max=50 actions=0[] high_memory_stall_ms=0 oom_kills=[]",
    "RUN mode=zram arm=none run=1 wall_s=80 high=finished completion_s=60 p50=9 p95=20 p99=300 max=500 low1=finished/20s low2=finished/30s actions=0[] high_memory_stall_ms=4000 oom_kills=[]",
    "RUN mode=zram arm=none run=2 wall_s=80 high=killed completion_s=- p50=9 p95=20 p99=100 max=500 low1=finished/20s low2=finished/30s actions=0[] high_memory_stall_ms=6000 oom_kills=[tenant-high(adj 0)]",
    "RUN mode=zram arm=agentcgroup run=1 wall_s=70 high=finished completion_s=40 p50=9 p95=20 p99=50 max=90 low1=finished/50s low2=gone actions=3[freeze:low1*1,kill:low2*1,thaw:low1*1] high_memory_stall_ms=0 oom_kills=[]",
    "RUN mode=zram arm=agentcgroup run=2 wall_s=70 high=finished completion_s=44 p50=9 p95=20 p99=70 max=90 low1=finished/60s low2=finished/40s actions=0[] high_memory_stall_ms=1000 oom_kills=[]",
]
with tempfile.TemporaryDirectory() as tmp:
    log = os.path.join(tmp, "raw.log")
    with open(log, "w") as f:
        f.write("RESULT vm kernel=x\n" + "\n".join(RUNS) + "\n")
    rc, out, err = run(BENCH_TABLE, log)
    check("bench-table exits 0 on a raw.log", rc == 0, err)
    check("bench-table names mode and runs", "zram, 6 runs:" in out, out)
    alone, none, acg = row(out, "alone"), row(out, "none"), row(out, "agentcgroup")
    check("arms in the harness's order", out.find("| alone |") < out.find("| none |") < out.find("| agentcgroup |"), out)
    # alone: p99 median of 30 and 40 is 35, mean 35 [30..40]; completion 32.0, 32.0 [30.0..34.0]
    check("alone p99 median", alone and alone[4] == "35.0", alone)
    check("alone p99 mean and spread", alone and alone[5] == "35.0 [30.0..40.0]", alone)
    check("alone completion", alone and alone[6] == "32.0" and alone[7] == "32.0 [30.0..34.0]", alone)
    # none: HIGH killed in one run: its p99 only from the run where it finished; 300/35 = 8.57x
    check("none: HIGH finished 1/2", none and none[2] == "1/2", none)
    check("none: p99 of the finished run against alone", none and none[4] == "300.0 (8.57x)", none)
    check("none: all sessions finished 1/2", none and none[3] == "1/2", none)
    check("none: memory stall mean", none and none[8] == "5.0", none)
    check("none: one OOM kill", none and none[11] == "1", none)
    check("none: no daemon kills", none and none[10] == "-", none)
    # agentcgroup: p99 60 (1.71x), LOW time median of 50, 60, 40 = 50 against none's 25: 2.00x
    check("agentcgroup p99 against alone", acg and acg[4] == "60.0 (1.71x)", acg)
    check("agentcgroup LOW time against none", acg and acg[9] == "50.0 (2.00x)", acg)
    check("agentcgroup: the daemon's kill counted", acg and acg[10] == "1", acg)
    check("agentcgroup: all sessions finished 1/2 (low2 gone in run 1)", acg and acg[3] == "1/2", acg)

    rc, out, err = run(BENCH_TABLE, os.path.join(tmp, "missing.log"))
    check("bench-table: a missing file is an error naming it", rc == 1 and "missing.log" in err, err)
    empty = os.path.join(tmp, "empty.log")
    open(empty, "w").write("RESULT x\n")
    rc, out, err = run(BENCH_TABLE, empty)
    check("bench-table: no RUN lines is an error", rc == 1 and "no RUN lines" in err, err)
    bad = os.path.join(tmp, "bad.log")
    open(bad, "w").write(RUNS[0] + "\nRUN mode=zram arm=none run=1 high=finished p99=x1\n")
    rc, out, err = run(BENCH_TABLE, bad)
    check("bench-table: a bad number is an error naming the line and the field",
          rc == 1 and "RUN line 2: p99=x1: not a number" in err, (rc, out, err))
    open(bad, "w").write("RUN mode=zram run=1 high=finished p99=1\n")
    rc, out, err = run(BENCH_TABLE, bad)
    check("bench-table: a RUN line without its arm is an error naming the field",
          rc == 1 and "RUN line 1: no arm= field" in err, (rc, out, err))

# ---- lib-tenants.py ----
REPLAY = {"end": "finished", "completion_s": 3.5, "slowdown": 1.2, "stall": {"max_gap_ms": 5},
          "alloc": {"count": 3, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0, "max_ms": 3.0, "samples_ms": [1.0, 3.0, 2.0]}}
with tempfile.TemporaryDirectory() as tmp:
    for arm in ("alone", "agentcgroup"):
        for i in (1, 2):
            d = os.path.join(tmp, "zram", arm, str(i))
            os.makedirs(d)
            for n in (["high"] if arm == "alone" else ["high", "low1"]):
                rep = dict(REPLAY, completion_s=3.0 + i)
                if arm == "agentcgroup" and n == "high" and i == 2:
                    # One slow allocation in one run: the pooled tail has it, each run's p99 is its own.
                    rep["alloc"] = dict(REPLAY["alloc"], samples_ms=[1.0, 3.0, 6.0])
                json.dump(rep, open(os.path.join(d, n + ".json"), "w"))
                open(os.path.join(d, n + ".rc"), "w").write("0\n")
            actions = [{"__REALTIME_TIMESTAMP": "1000500000", "AGENTCGROUP_UNIT": "tenant-low1.scope",
                        "AGENTCGROUP_ACTION": "freeze", "MESSAGE": "frozen"}] if arm == "agentcgroup" else []
            open(os.path.join(d, "actions.json"), "w").write("".join(json.dumps(a) + "\n" for a in actions))
            open(os.path.join(d, "oom.txt"), "w").write("")
            open(os.path.join(d, "t0_realtime_us"), "w").write("1000000000\n")
            if arm == "agentcgroup":
                open(os.path.join(d, "reclaims.txt"), "w").write("1000600000 tenant-low1.scope 64 1200\n")
    env = dict(os.environ, TENANTS="high low1")
    d = os.path.join(tmp, "zram", "agentcgroup", "1")
    rc, out, err = run(LIB_TENANTS, "run", d, "zram", "agentcgroup", "1", "70", env=env)
    lines = out.splitlines()
    check("lib-tenants run: exits 0 with a RUN and a RUNJSON line", rc == 0 and len(lines) == 2, (out, err))
    run_out = lines[0] if lines else ""
    check("lib-tenants run: the run named", run_out.startswith("RUN mode=zram arm=agentcgroup run=1 wall_s=70 "), run_out)
    check("lib-tenants run: HIGH's end and percentiles", "high=finished completion_s=4 p50=1 p95=2 p99=3 max=3" in run_out, run_out)
    check("lib-tenants run: the action counted", "actions=1[freeze:low1*1]" in run_out, run_out)
    json_out = lines[1] if len(lines) > 1 else ""
    check("lib-tenants run: a RUNJSON line", json_out.startswith("RUNJSON "), json_out)
    try:
        j = json.loads(json_out[len("RUNJSON "):])
    except ValueError as e:
        j = {}
        check("lib-tenants json: valid JSON", False, e)
    check("lib-tenants json: mode, arm, run", (j.get("mode"), j.get("arm"), j.get("run")) == ("zram", "agentcgroup", 1), j)
    check("lib-tenants json: every allocation, in order", j.get("tenants", {}).get("high", {}).get("alloc", {}).get("samples_ms") == [1.0, 3.0, 2.0], j)
    check("lib-tenants json: action time since the run started", j.get("actions") == [[0.5, "tenant-low1.scope", "freeze"]], j)
    check("lib-tenants json: reclaim rounds", j.get("reclaim_rounds") == [[0.6, "tenant-low1.scope", 64, 1200]], j)
    check("lib-tenants json: how each tenant ended", j.get("end") == {"high": "finished", "low1": "finished"}, j)
    rc, out, err = run(LIB_TENANTS, "summary", tmp, "zram", "alone agentcgroup", env=env)
    check("lib-tenants summary: exits 0", rc == 0, err)
    line = next((l for l in out.splitlines() if l.startswith("RESULT high_completion_s mode=zram arm=alone")), "")
    # completion 4 and 5: median 4.5, mean 4.5 [4..5]
    check("lib-tenants summary: median/mean[min..max]", "completion_s=4.5/4.5[4..5]" in line, line)
    line = next((l for l in out.splitlines() if l.startswith("RESULT high_alloc_ms mode=zram arm=agentcgroup")), "")
    check("lib-tenants summary: allocations per run and runs under 100", "samples_per_run=3/3[3..3] runs_under_100_samples=2" in line, line)
    line = next((l for l in out.splitlines() if l.startswith("RESULT high_alloc_pooled_ms mode=zram arm=agentcgroup")), "")
    # 1 1 2 3 3 6: nearest rank
    check("lib-tenants summary: pooled percentiles", "samples=6 p50=2 p95=6 p99=6 p99.9=6 max=6" in line, line)
    line = next((l for l in out.splitlines() if l.startswith("RESULT vs_alone mode=zram arm=agentcgroup")), "")
    check("lib-tenants summary: pooled p99 against alone", "high_p99_x=1 " in line and "high_pooled_p99_x=2 " in line, line)
    check("lib-tenants summary: survival", "RESULT survival mode=zram arm=agentcgroup runs=2 high=2/2 low1=2/2 lows=2/2 all2=2/2" in out, out)

print("1..%d" % len(results))
for i, (name, ok, detail) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok:
        for l in repr(detail).splitlines():
            print("# " + l)
sys.exit(0)
