#!/usr/bin/env bash
# Boot the agentcgroup VM test bed once and run test cases in it.
#
# usage: run.sh [--destdir DIR] [--tests DIR_OR_FILE...] [--mem MB] [--timeout SECONDS]
#               [--filter GLOB] [--log-dir DIR] [--traces DIR | --no-traces] [--kernel VERSION] [-v]
#   --destdir DIR   install tree (meson install --destdir DIR) copied over / of the VM
#   --traces DIR    .trace files copied to /usr/lib/agentcgroup-tests/traces/ in the VM
#                   (default: ../shared/traces beside the checkout, if it exists)
#   --no-traces     copy no traces
#   --tests ...     case directories (their *.sh) and/or case files; default tests/vm/cases
#   --mem MB        VM memory (default 2048)
#   --timeout S     limit for the whole VM run (default: the cases' timeouts + 120 s, >= 900)
#   --filter GLOB   run only cases whose name matches (e.g. '0*' or '*sched*')
#   --log-dir DIR   where logs go (default build/vm-logs/<timestamp> under the current dir)
#   --kernel VER    boot this kernel instead of the newest (image.sh --kernel: a release such
#                   as 6.16.3+deb13-amd64 or a version prefix such as 6.16)
#   -v              also stream the cases' output
# env: AGENTCGROUP_CACHE (image cache, see image.sh), AGENTCGROUP_VM_APPEND (extra kernel
#      arguments), AGENTCGROUP_VM_BOOT_TIMEOUT (seconds until the runner must have started, 300),
#      AGENTCGROUP_VM_TCG_THREAD (single, the default, or multi: one host thread per vCPU, for
#      benchmarks where vCPUs must not take turns on one host thread)
# Prints one line per finished case and ends with "vm: N passed, N failed, N skipped"; exits
# non-zero if a case failed or the run broke.
set -euo pipefail
umask 022

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say()  { echo "vm: $*"; }
die()  { echo "vm: error: $*" >&2; exit 2; }

destdir="" mem=2048 total_timeout="" filter='*' log_dir="" verbose=0 traces=default kernel=""
tests=()
while (($#)); do
    case $1 in
        --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
        --tests) shift
                 while (($#)) && [[ $1 != -* ]]; do tests+=("$1"); shift; done ;;
        --mem) mem=${2:?--mem needs MB}; shift 2 ;;
        --timeout) total_timeout=${2:?--timeout needs seconds}; shift 2 ;;
        --filter) filter=${2:?--filter needs a glob}; shift 2 ;;
        --log-dir) log_dir=${2:?--log-dir needs a directory}; shift 2 ;;
        --traces) traces=${2:?--traces needs a directory}; shift 2 ;;
        --no-traces) traces=""; shift ;;
        --kernel) kernel=${2:?--kernel needs a version}; shift 2 ;;
        -v|--verbose) verbose=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
[[ $mem =~ ^[0-9]+$ ]] || die "--mem wants a number of MB"
[[ -z $total_timeout || $total_timeout =~ ^[0-9]+$ ]] || die "--timeout wants seconds"
((${#tests[@]})) || tests=("$here/cases")
[[ -z $destdir || -d $destdir ]] || die "--destdir $destdir is not a directory"
if [[ $traces == default ]]; then
    # CI and the development machines have shared/ beside the checkout.
    traces=$(cd "$here/../../.." && pwd)/shared/traces
    [[ -d $traces ]] || traces=""
elif [[ -n $traces ]]; then
    [[ -d $traces ]] || die "--traces $traces is not a directory"
    compgen -G "$traces/*.trace" >/dev/null || die "--traces $traces has no .trace files"
fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (run tools/setup-host)"

# ---- the cases, in the order the guest runs them (lexical, C locale) ----
case_timeout() {
    local t
    t=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9]\+\).*/\1/p' "$1" | head -n1)
    echo "${t:-300}"
}
declare -A case_file=()
for t in "${tests[@]}"; do
    if [[ -d $t ]]; then
        for f in "$t"/*.sh; do
            if [[ -f $f ]]; then case_file[$(basename "$f" .sh)]=$f; fi
        done
    elif [[ -f $t ]]; then
        case_file[$(basename "$t" .sh)]=$t
    else
        die "no such test directory or file: $t"
    fi
done
cases=()
while read -r name; do
    # shellcheck disable=SC2053  # filter is a glob on purpose
    if [[ -n $name && ( $name == $filter || $name.sh == $filter ) ]]; then cases+=("$name"); fi
done < <(printf '%s\n' "${!case_file[@]}" | LC_ALL=C sort)
((${#cases[@]})) || die "no test cases (tests: ${tests[*]}, filter: $filter)"
if [[ -z $total_timeout ]]; then
    total_timeout=120
    for name in "${cases[@]}"; do total_timeout=$((total_timeout + $(case_timeout "${case_file[$name]}"))); done
    ((total_timeout >= 900)) || total_timeout=900
fi
boot_timeout=${AGENTCGROUP_VM_BOOT_TIMEOUT:-300}

# ---- logs ----
if [[ -z $log_dir ]]; then
    log_dir=build/vm-logs/$(date +%Y%m%d-%H%M%S)
    mkdir -p "$log_dir"
    ln -sfn "${log_dir##*/}" build/vm-logs/latest
else
    mkdir -p "$log_dir"
fi
log_dir=$(cd "$log_dir" && pwd)

# ---- images ----
image_args=(--print-paths)
[[ -z $kernel ]] || image_args+=(--kernel "$kernel")
paths=$("$here/image.sh" "${image_args[@]}") || die "image.sh failed"
eval "$paths"   # KERNEL KERNEL_VERSION ROOTFS MODULES_CPIO

tmp=$(mktemp -d "${TMPDIR:-/tmp}/agentcgroup-vm.XXXXXX")
qpid=""
cleanup() {
    if [[ -n $qpid ]]; then kill "$qpid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- overlay: install tree, test bed, the unit that runs it ----
stage=$tmp/overlay
mkdir -p "$stage"
if [[ -n $destdir ]]; then
    cp -a "$destdir/." "$stage/"
    # The image has merged /usr: an archive directory "lib" (or bin, sbin, lib64) would replace
    # the /lib -> usr/lib symlink and break the system, so fold them into usr/.
    for d in bin sbin lib lib64; do
        if [[ -d $stage/$d && ! -L $stage/$d ]]; then
            mkdir -p "$stage/usr/$d"
            cp -a "$stage/$d/." "$stage/usr/$d/"
            rm -rf "${stage:?}/$d"
        fi
    done
fi
tb=$stage/usr/lib/agentcgroup-tests
mkdir -p "$tb/cases" "$stage/etc/systemd/system/multi-user.target.wants"
for lib in "$here"/lib*.sh "$here"/lib*.py; do install -m 0644 "$lib" "$tb/$(basename "$lib")"; done
install -m 0755 "$here/guest-runner.sh" "$tb/guest-runner.sh"
for name in "${cases[@]}"; do install -m 0755 "${case_file[$name]}" "$tb/cases/$name.sh"; done
if [[ -n $traces ]]; then
    mkdir -p "$tb/traces"
    for f in "$traces"/*.trace; do
        if [[ -f $f ]]; then install -m 0644 "$f" "$tb/traces/"; fi
    done
fi
printf 'FILTER=%q\nDEFAULT_TIMEOUT=300\n' "$filter" > "$tb/runner.conf"
cat > "$stage/etc/systemd/system/agentcgroup-vmtest.service" <<'EOF'
[Unit]
Description=agentcgroup VM test runner
After=multi-user.target
# Power off however the runner ends, so the host never waits for a timeout.
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
# exec, not oneshot: the boot transaction completes, so cases see a finished boot ("running").
Type=exec
ExecStart=/usr/lib/agentcgroup-tests/guest-runner.sh
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
EOF
ln -s ../agentcgroup-vmtest.service "$stage/etc/systemd/system/multi-user.target.wants/"
(cd "$stage" && find . -mindepth 1 -print0 | LC_ALL=C sort -z \
    | cpio --null -o -H newc --quiet -R 0:0) | zstd -q -1 -o "$tmp/overlay.cpio.zst"
# The kernel unpacks concatenated compressed cpio archives in order; later files win.
cat "$ROOTFS" "$MODULES_CPIO" "$tmp/overlay.cpio.zst" > "$tmp/initrd"

# ---- boot ----
append="console=ttyS0 rdinit=/init panic=-1 quiet systemd.show_status=0"
# minbase has no udev: without these masks boot waits 90 s for a serial device unit.
append+=" systemd.mask=serial-getty@ttyS0.service systemd.mask=getty.target"
append+=" ${AGENTCGROUP_VM_APPEND:-}"
if [[ -w /dev/kvm ]]; then
    accel=(-accel kvm -cpu host)
else
    # Multi-threaded TCG panicked in early boot (text patching) about 1 boot in 10 (a boot
    # that never reaches the runner is retried once). Single-threaded TCG runs every vCPU on
    # one host thread, in turns: work on one vCPU slows the other whatever the guest's
    # priorities, which benchmarks of isolation must not have.
    tcg_thread=${AGENTCGROUP_VM_TCG_THREAD:-single}
    [[ $tcg_thread == single || $tcg_thread == multi ]] || die "AGENTCGROUP_VM_TCG_THREAD=$tcg_thread: single or multi"
    accel=(-accel "tcg,thread=$tcg_thread" -cpu max)
fi

declare -A result=() reason=() took=()
now_us() { echo "${EPOCHREALTIME/./}"; }
fmt_s() { printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000)); }

# Stop qemu: TERM, then KILL if it is still there after 2 s.
stop_vm() {
    kill "$qpid" 2>/dev/null || true
    for _ in {1..10}; do kill -0 "$qpid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$qpid" 2>/dev/null || true
    wait "$qpid" 2>/dev/null || true
    qpid=""
}

# boot_once CONSOLE RESULTS: boot, follow the results channel until the VM is gone.
# Sets reached (runner started), done (RUNNER-DONE seen), why (how the VM ended).
boot_once() {
    local console=$1 results=$2 rfd line partial="" current="" t0 case_t0=0 name st rest qrc
    local done_t="" since limit
    : > "$console"; : > "$results"
    reached=0 done=0 why=""
    qemu-system-x86_64 -machine q35 "${accel[@]}" -smp 2 -m "$mem" \
        -nodefaults -display none -no-reboot \
        -kernel "$KERNEL" -initrd "$tmp/initrd" -append "$append" \
        -serial "file:$console" -serial "file:$results" \
        </dev/null >>"$log_dir/qemu.log" 2>&1 &
    qpid=$!
    t0=$(now_us)
    exec {rfd}<"$results"
    while :; do
        if IFS= read -r line <&"$rfd"; then
            line=$partial$line; partial=""
            line=${line%$'\r'}
            case $line in
                "RUNNER-START "*) reached=1 ;;
                "BEGIN "*)
                    reached=1 current=${line#BEGIN }; case_t0=$(now_us)
                    : > "$log_dir/$current.log" ;;
                "| "*|"|")
                    [[ -n $current ]] && printf '%s\n' "${line#| }" >> "$log_dir/$current.log"
                    ((verbose)) && printf '    %s| %s\n' "$current" "${line#| }" ;;
                "RESULT "*)
                    read -r _ name st rest <<< "$line"
                    result[$name]=$st reason[$name]=$rest
                    took[$name]=$(fmt_s $(( $(now_us) - case_t0 )))
                    report "$name"
                    current="" ;;
                RUNNER-DONE) done=1 ;;
            esac
            continue
        fi
        partial+=$line   # an incomplete last line: keep it for the next read
        if ! kill -0 "$qpid" 2>/dev/null; then
            # Drain what the VM wrote just before it went away, then stop.
            while IFS= read -r line <&"$rfd"; do partial+=$line; done
            break
        fi
        if ((done)); then
            [[ -n $done_t ]] || done_t=$(now_us)
            since=$done_t limit=60 why="the VM did not power off within 60s after the runner finished"
        elif ((reached)); then
            since=$t0 limit=$total_timeout why="timeout: the VM run took more than ${total_timeout}s"
        else
            since=$t0 limit=$boot_timeout why="the runner did not start within ${boot_timeout}s"
        fi
        if (( $(now_us) - since > limit * 1000000 )); then
            stop_vm
            exec {rfd}<&-
            return
        fi
        sleep 0.2
    done
    exec {rfd}<&-
    qrc=0; wait "$qpid" || qrc=$?
    qpid=""
    why="qemu exited with status $qrc"
    if grep -q 'Kernel panic' "$console"; then
        why="kernel panic: $(grep -m1 'Kernel panic' "$console" | tr -d '\r')"
    fi
}

report() {
    local name=$1
    case ${result[$name]} in
        PASS) echo "PASS $name (${took[$name]}s)" ;;
        SKIP) echo "SKIP $name (${took[$name]}s): ${reason[$name]}" ;;
        *)    echo "FAIL $name (${took[$name]}s): ${reason[$name]}"
              if ((!verbose)) && [[ -s $log_dir/$name.log ]]; then
                  sed '/^---- journal since the case started/,$d' "$log_dir/$name.log" \
                      | tail -n 15 | sed 's/^/    | /'
              fi ;;
    esac
}

say "booting $KERNEL_VERSION: ${#cases[@]} case(s), ${mem} MB, limit ${total_timeout}s, logs in $log_dir"
start=$SECONDS
boot_once "$log_dir/console.log" "$tmp/results"
if ((!reached)); then
    # A boot that never reached the runner (early panic, hang) gets one more try.
    mv "$log_dir/console.log" "$log_dir/console-boot1.log"
    say "boot did not reach the test runner ($why); console kept in console-boot1.log; retrying once"
    boot_once "$log_dir/console.log" "$tmp/results"
fi

failed=0 passed=0 skipped=0 broken=0
if ((!done)); then
    broken=1
    if ((reached)); then
        say "the VM ended before the runner finished: $why"
    else
        say "the VM never reached the test runner: $why"
    fi
    say "last lines of the console ($log_dir/console.log):"
    tail -n 25 "$log_dir/console.log" | tr -d '\r' | awk '{ print "    " $0 }'   # awk: ends the last line
fi
: > "$log_dir/results.txt"
for name in "${cases[@]}"; do
    if [[ -z ${result[$name]:-} ]]; then
        result[$name]=FAIL
        if ((!reached)); then reason[$name]="vm never reached the runner"
        elif [[ $why == timeout* ]]; then reason[$name]="vm timeout after ${total_timeout}s"
        else reason[$name]="vm died"; fi
        echo "FAIL $name: ${reason[$name]}"
    fi
    case ${result[$name]} in
        PASS) passed=$((passed + 1)) ;;
        SKIP) skipped=$((skipped + 1)) ;;
        *)    failed=$((failed + 1)) ;;
    esac
    echo "${result[$name]} $name ${reason[$name]}" | sed 's/ *$//' >> "$log_dir/results.txt"
done
say "run took $((SECONDS - start))s; logs in $log_dir"
echo "vm: $passed passed, $failed failed, $skipped skipped"
((failed == 0 && broken == 0))
