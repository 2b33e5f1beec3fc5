#!/usr/bin/env bash
# Build and cache the images the VM test bed boots:
#   - a Debian bookworm root with systemd, packed as an initramfs (rootfs-<hash>.cpio.zst);
#   - the newest Debian kernel with sched_ext (from trixie-backports or sid, resolved at run time;
#     or the one --kernel names)
#     and a small set of its modules as a second initramfs archive (kernel-<ver>/).
# Everything lives in the cache directory, outside the work tree, and is rebuilt only when its
# inputs change. Quiet when everything is cached.
#
# usage: image.sh [--print-paths] [--refresh-kernel] [--kernel VERSION]
#   --print-paths     print KERNEL=... KERNEL_VERSION=... ROOTFS=... MODULES_CPIO=... on stdout
#   --refresh-kernel  look for a newer kernel now instead of at most once a day
#   --kernel VERSION  this kernel instead of the newest: a release (6.16.3+deb13-amd64) or a
#                     version prefix (6.16: its newest release in the suites); a cached match
#                     is used without looking at the archive
# env:   AGENTCGROUP_CACHE           cache directory (default ${XDG_CACHE_HOME:-~/.cache}/agentcgroup)
#        AGENTCGROUP_KERNEL_SUITES   suites searched for the kernel (default "trixie-backports sid")
#        AGENTCGROUP_KERNEL          as --kernel
set -euo pipefail

cache=${AGENTCGROUP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentcgroup}
suite=bookworm
read -r -a kernel_suites <<< "${AGENTCGROUP_KERNEL_SUITES:-trixie-backports sid}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# Bookworm packages of the root: systemd as PID 1, what the test cases use, and the libraries the
# daemon links. debootstrap --include resolves their dependencies (without Recommends).
rootfs_pkgs=(systemd systemd-sysv dbus
             stress-ng rt-tests procps jq util-linux kmod iproute2 psmisc python3-minimal
             bsdextrautils man-db groff-base less tmux python3-prometheus-client
             libsystemd0 libinih1 libjson-c5)
# From bookworm-backports: libbpf 1.1 (bookworm) cannot load struct_ops schedulers, 1.4 can.
# bpftool lets cases inspect attached BPF programs and struct_ops.
backport_pkgs=(libbpf1 bpftool)
# Modules put into the VM (with their dependencies): zram for swap, and the compressors zram can
# pick beyond the built-in lz4/lzo.
want_modules=(zram zstd lz4hc)

say()  { echo "vm: $*" >&2; }
warn() { echo "vm: warning: $*" >&2; }
die()  { echo "vm: error: $*" >&2; exit 1; }

print_paths=0
refresh_kernel=0
kernel_pin=${AGENTCGROUP_KERNEL:-}
while (($#)); do
    case $1 in
        --print-paths) print_paths=1; shift ;;
        --refresh-kernel) refresh_kernel=1; shift ;;
        --kernel) kernel_pin=${2:?--kernel needs a version}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
# A release is digits and dots, optionally "+debN-amd64"; a prefix stops at a dot boundary.
[[ -z $kernel_pin || $kernel_pin =~ ^[0-9]+(\.[0-9]+)*(\+deb[0-9]+-amd64)?$ ]] \
    || die "--kernel $kernel_pin: want a release like 6.16.3+deb13-amd64 or a prefix like 6.16"

[[ $(id -u) == 0 ]] || die "must run as root (debootstrap, chroot, device nodes in the image)"
for tool in debootstrap zstd cpio apt-get dpkg-deb chroot flock sha256sum; do
    command -v "$tool" >/dev/null || die "$tool not found (run tools/setup-host)"
done
mkdir -p "$cache"

# One builder at a time: a second run waits instead of racing on the same temp names.
exec {lock_fd}>"$cache/.lock"
if ! flock -n "$lock_fd"; then
    say "waiting for another image.sh to finish ($cache/.lock)"
    flock "$lock_fd"
fi

tmpdirs=()
cleanup() {
    local d m
    for d in "${tmpdirs[@]}"; do
        # An interrupted debootstrap can leave /proc or /sys mounted inside its target.
        while read -r m; do umount -l "$m" 2>/dev/null || true; done \
            < <(awk -v d="$d/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r)
        rm -rf --one-file-system "$d"
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# new_tmp VAR: a temp dir under the cache (same file system, so results rename into place).
new_tmp() { local d; d=$(mktemp -d "$cache/.tmp.XXXXXX"); tmpdirs+=("$d"); printf -v "$1" %s "$d"; }
# Holding the lock, anything temporary left in the cache is from a killed run.
shopt -s nullglob
tmpdirs=("$cache"/.tmp.*); cleanup; tmpdirs=()
rm -f "$cache"/*.part "$cache"/kernel-*/*.part
shopt -u nullglob

# The Debian mirror this machine already uses (never written into the repository).
apt_mirror() {
    local uri
    uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null \
          | awk '{print $2}' | grep -vE 'security|nodesource|google' | head -n1 || true)
    if [[ -z $uri ]]; then
        uri=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null \
              | awk '{print $2}' | grep -vE 'security' | head -n1 || true)
    fi
    [[ -n $uri ]] || die "cannot find a Debian mirror in /etc/apt/sources.list{,.d}"
    echo "${uri%/}"
}

# pack_cpio DIR OUT [cpio options]: newc archive of DIR, zstd-compressed, renamed into place.
# The kernel unpacks concatenated compressed archives, so the pieces are packed separately.
# The "." entry sets the mode of / (the kernel's rootfs starts out 1777): DIR must be 0755.
pack_cpio() {
    local dir=$1 out=$2; shift 2
    (cd "$dir" && find . -print0 | LC_ALL=C sort -z \
        | cpio --null -o -H newc --quiet "$@") | zstd -q -T0 -9 -o "$out.part"
    mv -f "$out.part" "$out"
}

hash_of() { sha256sum | cut -c1-16; }

# ---------------------------------------------------------------------------------------------
# Root file system

build_rootfs() {
    local out=$1 tmp root mirror log v unit
    mirror=$(apt_mirror)
    new_tmp tmp
    root=$tmp/root
    log=$tmp/build.log
    say "building rootfs (about 2-3 minutes, log in $log)..."
    if ! debootstrap --variant=minbase --include="$(IFS=,; echo "${rootfs_pkgs[*]}")" \
            "$suite" "$root" "$mirror" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "debootstrap failed"
    fi

    # Nothing installed from here on brings docs, man pages or translations.
    cat > "$root/etc/dpkg/dpkg.cfg.d/01-agentcgroup-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-exclude=/usr/share/lintian/*
EOF
    cat > "$root/etc/apt/sources.list.d/backports.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite-backports
Components: main
EOF
    if ! { chroot "$root" apt-get update -q &&
           chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
               --no-install-recommends -t "$suite-backports" "${backport_pkgs[@]}"; } >>"$log" 2>&1; then
        tail -n 30 "$log" >&2
        die "installing ${backport_pkgs[*]} from $suite-backports failed"
    fi
    # shellcheck disable=SC2016  # ${Version} is a dpkg-query field
    v=$(chroot "$root" dpkg-query -W -f='${Version}' libbpf1)
    dpkg --compare-versions "${v#*:}" ge 1.4 || die "libbpf1 $v in the image is older than 1.4"

    # Boot straight into systemd from the initramfs.
    ln -sfn /usr/lib/systemd/systemd "$root/init"
    echo agentvm > "$root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tagentvm\n::1\tlocalhost\n' > "$root/etc/hosts"
    chroot "$root" passwd -qd root   # lets a debug shell or getty log in without a password
    ln -sfn /usr/lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
    # A machine id makes this an ordinary boot, not a "first boot" (systemd-firstboot prompts).
    [[ -s $root/etc/machine-id ]] || chroot "$root" systemd-machine-id-setup >>"$log" 2>&1
    ln -sfn /dev/null "$root/etc/systemd/system/systemd-firstboot.service"
    # Timers (apt-daily, man-db, fstrim, ...) would wake up in the middle of measurements.
    rm -f "$root"/etc/systemd/system/timers.target.wants/*
    # Boot work that cannot do anything here (no ext4, no such modules) costs seconds under TCG.
    for unit in e2scrub_reap.service modprobe@dm_mod.service modprobe@drm.service \
                modprobe@efi_pstore.service; do
        ln -sfn /dev/null "$root/etc/systemd/system/$unit"
    done

    # Shrink: package caches, lists, docs, logs. groff's fonts stay for man.
    chroot "$root" apt-get clean
    rm -f "$root/etc/apt/sources.list.d/backports.sources" "$root/etc/resolv.conf"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/man/* \
           "$root"/usr/share/doc/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
           "$root"/usr/share/lintian "$root"/usr/share/man/* "$root"/tmp/* \
           "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
    find "$root/var/log" -type f -delete
    find "$root/usr/lib" -name __pycache__ -prune -exec rm -rf {} +
    mkdir -p "$root"/usr/share/man/man{1,5,7,8}
    chmod 0755 "$root"

    say "packing rootfs ($(du -sh --apparent-size "$root" | cut -f1) unpacked)..."
    pack_cpio "$root" "$out"   # ownership as installed: the builder is root
}

rootfs_key=$({ declare -f build_rootfs pack_cpio; declare -p suite rootfs_pkgs backport_pkgs; } | hash_of)
rootfs=$cache/rootfs-$rootfs_key.cpio.zst
if [[ ! -f $rootfs ]]; then
    start=$SECONDS
    build_rootfs "$rootfs"
    say "rootfs ready: $rootfs ($(du -h "$rootfs" | cut -f1), $((SECONDS - start)) s)"
    # Older roots are never used again.
    find "$cache" -maxdepth 1 -name 'rootfs-*.cpio.zst' ! -name "${rootfs##*/}" -delete
fi

# ---------------------------------------------------------------------------------------------
# Kernel

kernel_stamp=$cache/kernel.resolved   # holds the version chosen; its age limits re-resolving
aptdir=$cache/apt
apt_opts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o "Dir::Etc::SourceParts=$aptdir/empty"
          -o "Dir::Etc::Preferences=$aptdir/empty/none" -o "Dir::Etc::PreferencesParts=$aptdir/empty"
          -o "Dir::State=$aptdir/state" -o "Dir::State::status=$aptdir/state/status"
          -o "Dir::Cache=$aptdir/cache" -o "Acquire::Languages=none"
          -o "APT::Architecture=amd64" -o "APT::Architectures=amd64" -o "APT::Sandbox::User=root")
papt_get()   { apt-get "${apt_opts[@]}" "$@"; }
papt_cache() { apt-cache "${apt_opts[@]}" "$@"; }
has_pkg()    { [[ -n $(papt_cache show --no-all-versions "$1" 2>/dev/null) ]]; }

kernel_apt_update() {
    local mirror s
    mirror=$(apt_mirror)
    mkdir -p "$aptdir"/{empty,state/lists/partial,cache/archives/partial}
    : > "$aptdir/state/status"
    for s in "${kernel_suites[@]}"; do
        echo "deb [signed-by=$keyring] $mirror $s main"
    done > "$aptdir/sources.list"
    papt_get update -qq >"$aptdir/update.log" 2>&1 || { cat "$aptdir/update.log" >&2; return 1; }
}

# Sets kpkgs (the packages holding the kernel $kver) and kpkgver (their version). Which
# packages differs between Debian releases (linux-image-<r>[-unsigned] before 7.x;
# linux-binary-<r>, linux-modules-<r> and linux-base-<r> since). Prefers unsigned images.
kernel_packages() {
    local p
    kpkgs=()
    for p in "linux-binary-unsigned-$kver" "linux-binary-$kver" "linux-image-$kver-unsigned" "linux-image-$kver"; do
        if has_pkg "$p"; then kpkgs+=("$p"); break; fi
    done
    [[ ${#kpkgs[@]} -gt 0 ]] || { warn "no kernel image package for $kver"; return 1; }
    for p in "linux-modules-$kver" "linux-base-$kver"; do
        if has_pkg "$p"; then kpkgs+=("$p"); fi
    done
    # A split kernel whose modules package left the archive cannot give zram or its config.
    if [[ ${kpkgs[0]} == linux-binary-* && ${#kpkgs[@]} == 1 ]]; then
        warn "${kpkgs[0]} has no linux-modules-$kver beside it in ${kernel_suites[*]}"; return 1
    fi
    kpkgver=$(papt_cache show --no-all-versions "${kpkgs[0]}" | sed -n 's/^Version: //p' | head -n1)
    [[ -n $kpkgver ]] || { warn "no version for ${kpkgs[0]}"; return 1; }
}

# Sets kver (the kernel release, e.g. 7.3.4+deb13-amd64), kpkgver, kpkgs (packages to fetch)
# and ksrc (version and suite, for messages): the newest linux-image-amd64 of all suites
# (backports suites have a lower pin priority, so apt's own candidate would not be the newest).
resolve_kernel() {
    local line v best="" src="" dep
    kernel_apt_update || return 1
    while read -r line; do
        v=$(awk -F' *[|] *' '{print $2}' <<< "$line")
        if [[ -z $best ]] || dpkg --compare-versions "$v" gt "$best"; then
            best=$v
            src=$(awk -F' *[|] *' '{print $3}' <<< "$line" | awk '{print $2}')
        fi
    done < <(papt_cache madison linux-image-amd64)
    [[ -n $best ]] || { warn "no linux-image-amd64 in ${kernel_suites[*]}"; return 1; }
    dep=$(papt_cache show "linux-image-amd64=$best" | sed -n 's/^Depends: //p' | tr ',' '\n' \
          | grep -oE 'linux-image-[0-9][^ ]*' | head -n1)
    [[ -n $dep ]] || { warn "cannot find the versioned kernel package of linux-image-amd64 $best"; return 1; }
    kver=${dep#linux-image-}
    kernel_packages || return 1
    kpkgver=$best
    ksrc="newest is $kver ($best from $src)"
}

# The same for --kernel: the newest plain amd64 release matching $kernel_pin whose packages
# are all in the archive.
resolve_pinned_kernel() {
    local releases=()
    kernel_apt_update || return 1
    mapfile -t releases < <(papt_cache pkgnames linux- \
           | sed -nE 's/^linux-(image|binary|binary-unsigned)-([0-9][0-9.]*\+deb[0-9]+-amd64)(-unsigned)?$/\2/p' \
           | pin_matches | sort -urV)
    [[ ${#releases[@]} -gt 0 ]] || { warn "no kernel $kernel_pin in ${kernel_suites[*]}"; return 1; }
    for kver in "${releases[@]}"; do
        if kernel_packages; then
            ksrc="$kver ($kpkgver) as asked by --kernel $kernel_pin"
            return 0
        fi
    done
    warn "no release of $kernel_pin has all its packages (tried ${releases[*]})"
    return 1
}

# Filters releases (one per line) down to those --kernel names: the release itself, or any
# release of the version prefix (6.1 matches 6.1.5+deb13-amd64, not 6.16.3+deb13-amd64).
pin_matches() {
    local r
    while read -r r; do
        if [[ $r == "$kernel_pin" || $r == "$kernel_pin".* || $r == "$kernel_pin"+* ]]; then echo "$r"; fi
    done
}

# Download and unpack the chosen kernel into kernel-<kver>/: vmlinuz, config, and the .debs
# (kept so the module subset can be rebuilt without the archive, where old versions vanish).
build_kernel() {
    local kdir=$1 tmp x vmlinuz config p
    new_tmp tmp
    say "kernel: $ksrc; downloading ${kpkgs[*]}..."
    mkdir -p "$tmp/debs"
    (cd "$tmp/debs" && papt_get download -q "${kpkgs[@]/%/=$kpkgver}") >"$tmp/download.log" 2>&1 \
        || { cat "$tmp/download.log" >&2; return 1; }
    x=$tmp/x
    for p in "$tmp"/debs/*.deb; do dpkg-deb -x "$p" "$x"; done
    vmlinuz=$(find "$x" \( -path "*/modules/$kver/vmlinuz*" -o -path "*/boot/vmlinuz-$kver*" \) -type f | sort | head -n1)
    config=$(find "$x" \( -path "*/modules/$kver/config" -o -path "*/boot/config-$kver" \) -type f | head -n1)
    [[ -n $vmlinuz ]] || { warn "no vmlinuz in ${kpkgs[*]}"; return 1; }
    [[ -n $config ]] || { warn "no kernel config in ${kpkgs[*]}"; return 1; }
    if ! grep -qx 'CONFIG_SCHED_CLASS_EXT=y' "$config"; then
        warn "kernel $kver has no sched_ext (CONFIG_SCHED_CLASS_EXT)"; return 1
    fi
    mkdir -p "$tmp/out"
    cp "$vmlinuz" "$tmp/out/vmlinuz"
    cp "$config" "$tmp/out/config"
    mv "$tmp/debs" "$tmp/out/debs"
    printf '%s\n' "$kver $kpkgver ${kpkgs[*]}" > "$tmp/out/version"
    mv "$tmp/out" "$kdir"
}

# Module subset as an initramfs archive under usr/lib/modules/<kver>/ (not lib/...: an archive
# directory entry "lib" would replace the image's /lib -> usr/lib symlink). Dependencies and
# the modules.* indexes come from the image's own depmod/modprobe, run in a chroot of it.
build_modules() {
    local kdir=$1 out=$2 tmp root x mdir sub m f
    new_tmp tmp
    root=$tmp/root
    x=$tmp/x
    mkdir -p "$root" "$x"
    zstd -dc "$rootfs" | (cd "$root" && cpio -idm --quiet)
    for f in "$kdir"/debs/*.deb; do dpkg-deb -x "$f" "$x"; done
    mdir=$(find "$x" -maxdepth 4 -type d -path "*/modules/$kver" | head -n1)
    [[ -d $mdir/kernel ]] || die "no modules for $kver in $kdir/debs"
    rm -rf "$root/usr/lib/modules/$kver"
    mkdir -p "$root/usr/lib/modules"
    cp -a "$mdir" "$root/usr/lib/modules/$kver"
    chroot "$root" depmod -a "$kver"

    sub=$tmp/sub/usr/lib/modules/$kver
    mkdir -p "$sub"
    for f in modules.order modules.builtin modules.builtin.modinfo; do
        [[ -f $mdir/$f ]] && cp "$mdir/$f" "$sub/"
    done
    for m in "${want_modules[@]}"; do
        chroot "$root" modprobe -S "$kver" --show-depends "$m" > "$tmp/deps" \
            || die "module $m not found in kernel $kver"
        while read -r kind f _; do
            [[ $kind == insmod ]] || continue       # "builtin NAME" needs nothing
            f=${f#/lib/modules/"$kver"/}
            f=${f#/usr/lib/modules/"$kver"/}
            mkdir -p "$sub/$(dirname "$f")"
            cp "$root/usr/lib/modules/$kver/$f" "$sub/$f"
        done < "$tmp/deps"
    done
    rm -rf "$root/usr/lib/modules/$kver"
    cp -a "$sub" "$root/usr/lib/modules/$kver"
    chroot "$root" depmod -a "$kver"
    cp "$root/usr/lib/modules/$kver"/modules.* "$sub/"
    find "$tmp/sub" -type d -exec chmod 0755 {} +
    pack_cpio "$tmp/sub" "$out" -R 0:0
}

newest_cached_kernel() {
    local d
    d=$(find "$cache" -maxdepth 1 -type d -name 'kernel-*' -printf '%f\n' | sort -V | tail -n1)
    [[ -n $d ]] && echo "${d#kernel-}"
}

kver=""
if [[ -n $kernel_pin ]]; then
    # A pinned kernel is kept (marked) when the default one's resolution prunes the cache.
    if [[ $refresh_kernel == 0 ]]; then
        kver=$(find "$cache" -maxdepth 2 -path "$cache/kernel-*/vmlinuz" -printf '%h\n' \
               | sed 's|.*/kernel-||' | pin_matches | sort -V | tail -n1)
    fi
    if [[ -z $kver ]]; then
        resolve_pinned_kernel || die "cannot resolve kernel $kernel_pin (see above)"
        if [[ ! -f $cache/kernel-$kver/vmlinuz ]]; then
            build_kernel "$cache/kernel-$kver" || die "kernel $kver cannot serve the VM (see above)"
            say "kernel $kver ready (sched_ext on)"
        fi
    fi
    touch "$cache/kernel-$kver/pinned"
elif [[ $refresh_kernel == 0 && -n $(find "$kernel_stamp" -mmin -1440 2>/dev/null) ]]; then
    kver=$(<"$kernel_stamp")
    [[ -f $cache/kernel-$kver/vmlinuz ]] || kver=""
fi
if [[ -z $kver ]]; then
    if resolve_kernel; then
        if [[ ! -f $cache/kernel-$kver/vmlinuz ]]; then
            build_kernel "$cache/kernel-$kver" || kver=""
            [[ -n $kver ]] && say "kernel $kver ready (sched_ext on)"
        fi
    else
        kver=""
    fi
    if [[ -n $kver ]]; then
        echo "$kver" > "$kernel_stamp"
        # Keep the chosen kernel, the newest other one (offline fallback) and the pinned ones.
        find "$cache" -maxdepth 1 -type d -name 'kernel-*' ! -name "kernel-$kver" -printf '%f\n' \
            | sort -V | head -n -1 | while read -r d; do
                [[ -e $cache/$d/pinned ]] || rm -rf "${cache:?}/$d"
            done
    else
        kver=$(newest_cached_kernel) || true
        [[ -n $kver ]] || die "cannot resolve a kernel with sched_ext and none is cached"
        warn "could not resolve a new kernel; using the cached $kver"
    fi
fi
kdir=$cache/kernel-$kver

modules_key=$({ declare -f build_modules pack_cpio; declare -p want_modules; } | hash_of)
modules_cpio=$kdir/modules-$modules_key.cpio.zst
if [[ ! -f $modules_cpio ]]; then
    say "building module archive for $kver (${want_modules[*]} and dependencies)..."
    build_modules "$kdir" "$modules_cpio"
    find "$kdir" -maxdepth 1 -name 'modules-*.cpio.zst' ! -name "${modules_cpio##*/}" -delete
fi

if [[ $print_paths == 1 ]]; then
    printf 'KERNEL=%q\nKERNEL_VERSION=%q\nKERNEL_CONFIG=%q\nROOTFS=%q\nMODULES_CPIO=%q\n' \
        "$kdir/vmlinuz" "$kver" "$kdir/config" "$rootfs" "$modules_cpio"
fi
