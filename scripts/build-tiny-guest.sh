#!/usr/bin/env bash
# Builds the tiny test guest of the qemu hypervisor driver from Debian packages only: the Debian
# cloud kernel (linux-image-cloud-amd64) and a busybox initramfs whose /init
#   - loads the few modules it needs (virtio, isofs, ACPI button, evdev),
#   - finds the NoCloud seed (the block device labelled cidata) and reads its meta-data,
#   - prints on the serial console the host name, the SHA256 fingerprint of every SSH key in the
#     seed (computed in the guest), the addresses its network-config gives (`ADDRESS a.b.c.d/len`;
#     it has no network driver, so it does not apply them), the memory and CPUs it sees, then a ready line
#     `STRETTCH-GUEST READY hostname=<name>`,
#   - waits, powering off cleanly on an ACPI shutdown (busybox acpid → poweroff -f), and reads the
#     console for one test command: `strettch-ignore-acpi` stops acpid, so the guest ignores ACPI.
#
# No root-only step: `apt-get download` and `dpkg-deb -x` work as any user once the package lists
# exist (`apt-get update`). The result is cached, keyed by the package versions and this script:
#   ${STRETTCH_TINY_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strettch/tiny-guest}/<key>/{vmlinuz,initrd.img,manifest.txt}
# and `current` links to the last build. The last line printed is the folder of the build.
# The qemu driver boots it with -kernel/-initrd, so machines made from it have an empty disk.
set -euo pipefail
# Pipelines here never stop reading early: under pipefail a writer's SIGPIPE would fail the build.

cache_root=${STRETTCH_TINY_GUEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/strettch/tiny-guest}
kernel_meta=${TINY_GUEST_KERNEL_PACKAGE:-linux-image-cloud-amd64}
log() { printf 'build-tiny-guest: %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null || { log "$1 is missing (install: $2)"; exit 2; }; }
need apt-get apt
need apt-cache apt
need dpkg-deb dpkg
need cpio cpio
need gzip gzip

mkdir -p "$cache_root"
script_hash=$(sha256sum "$0" | cut -c1-12)

# The concrete kernel package behind the meta-package, and the versions that key the cache.
kernel_pkg=$(apt-cache depends "$kernel_meta" 2>/dev/null | awk '/Depends: linux-image-/ && !p {p=$2} END {print p}' || true)
version_of() { apt-cache show --no-all-versions "$1" 2>/dev/null | awk '/^Version:/ && !v {v=$2} END {print v}'; }
kernel_ver=${kernel_pkg:+$(version_of "$kernel_pkg")}
busybox_ver=$(version_of busybox-static || true)
if [[ -z "$kernel_pkg" || -z "$kernel_ver" || -z "$busybox_ver" ]]; then
  if [[ -e "$cache_root/current/initrd.img" ]]; then
    log "apt knows no $kernel_meta or busybox-static (run apt-get update); using the cached build"
    readlink -f "$cache_root/current"
    exit 0
  fi
  log "apt knows no $kernel_meta or busybox-static: run apt-get update first"
  exit 2
fi
key=$(printf '%s' "$kernel_pkg=$kernel_ver busybox-static=$busybox_ver script=$script_hash" | sha256sum | cut -c1-16)
out="$cache_root/$key"
if [[ -s "$out/vmlinuz" && -s "$out/initrd.img" ]]; then
  ln -sfn "$key" "$cache_root/current"
  log "cached: $kernel_pkg $kernel_ver, busybox-static $busybox_ver"
  echo "$out"
  exit 0
fi

work=$(mktemp -d "$cache_root/.build-XXXXXX")
trap 'rm -rf "$work"' EXIT
log "building: $kernel_pkg $kernel_ver, busybox-static $busybox_ver"
(cd "$work" && apt-get download -q "$kernel_pkg=$kernel_ver" "busybox-static=$busybox_ver" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2 || true)
ls "$work"/linux-image-*.deb "$work"/busybox-static_*.deb >/dev/null
dpkg-deb -x "$work"/linux-image-*.deb "$work/kernel"
dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
kver=$(ls "$work/kernel/lib/modules")
bb="$work/busybox/bin/busybox"

root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,seed,etc/acpi/PWRF,lib/modules}
cp "$bb" "$root/bin/busybox"

# Modules and their dependencies (read from each module's .modinfo), dependencies first.
moddir="$work/kernel/lib/modules/$kver/kernel"
declare -A seen=()
order=()
find_module() { find "$moddir" \( -name "$1.ko" -o -name "${1//_/-}.ko" \) -print -quit; }
add_module() {
  local name=${1//-/_} file deps dep
  [[ -n "${seen[$name]:-}" ]] && return 0
  seen[$name]=1
  file=$(find_module "$name")
  [[ -n "$file" ]] || { grep -qE "/${name}\.ko$" "$work/kernel/lib/modules/$kver/modules.builtin" 2>/dev/null && return 0; log "module $name not found"; exit 3; }
  deps=$("$bb" strings "$file" | sed -n 's/^depends=//p')
  for dep in ${deps//,/ }; do add_module "$dep"; done
  cp "$file" "$root/lib/modules/$name.ko"
  order+=("$name")
}
for m in virtio_pci virtio_blk isofs button evdev; do add_module "$m"; done
printf '%s\n' "${order[@]}" >"$root/etc/modules"

cat >"$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/busybox sh
echo "STRETTCH-GUEST ACPI power button: powering off" >/dev/console
sync
poweroff -f
EOF
chmod +x "$root/etc/acpi/PWRF/00000080"

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
say() { echo "STRETTCH-GUEST $*"; }
for m in $(cat /etc/modules); do insmod "/lib/modules/$m.ko" || say "MODULE $m failed"; done
say "BOOT kernel=$(uname -r)"

# The NoCloud seed: the block device labelled cidata (ISO 9660: the volume id at byte 32808).
seed=""
i=0
while [ -z "$seed" ] && [ $i -lt 50 ]; do
  for dev in /sys/class/block/*; do
    name=${dev##*/}
    [ -b "/dev/$name" ] || continue
    label=$(dd if="/dev/$name" bs=1 skip=32808 count=6 2>/dev/null)
    case "$label" in cidata|CIDATA) seed=/dev/$name; break ;; esac
  done
  [ -n "$seed" ] || sleep 0.1
  i=$((i + 1))
done
host=tiny-guest
if [ -n "$seed" ] && mount -t iso9660 -o ro "$seed" /seed; then
  say "SEED $seed"
  h=$(sed -n 's/^local-hostname: *//p' /seed/meta-data | tr -d '"\r' | head -n1)
  [ -n "$h" ] && host=$h
  # public-keys: a YAML list of JSON-quoted OpenSSH keys; fingerprint = base64(sha256(key blob)).
  sed -n '/^public-keys:/,/^[^ ]/s/^ *- *//p' /seed/meta-data | tr -d '"\r' | while read -r type blob rest; do
    [ -n "$blob" ] || continue
    hex=$(echo "$blob" | base64 -d 2>/dev/null | sha256sum | cut -d' ' -f1)
    fp=$(printf "$(echo "$hex" | sed 's/../\\x&/g')" | base64 | tr -d '=\n')
    say "SSH-KEY SHA256:$fp ($type)"
  done
  # network-config (netplan v2): the quoted entries of each interface's `addresses`.
  [ -f /seed/network-config ] && sed -n 's/^ *addresses: *\["\([0-9.\/]*\)"\]$/\1/p' /seed/network-config | while read -r a; do
    say "ADDRESS $a"
  done
else
  say "SEED not found (no block device labelled cidata)"
fi
hostname "$host"
say "HOSTNAME $host"
say "MEMORY total_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) cpus=$(nproc)"
acpid -f -d -c /etc/acpi 2>/dev/console &
say "READY hostname=$host"
echo "$host login: "

# Wait for ever; the console takes one test command.
while true; do
  if read -r line; then
    case "$line" in
      strettch-ignore-acpi) killall acpid 2>/dev/null; say "ACPI ignored" ;;
      *) [ -n "$line" ] && echo "$host: the tiny guest has no shell" ;;
    esac
  else
    sleep 1
  fi
done
EOF
chmod +x "$root/init"

mkdir -p "$out.tmp"
cp "$work/kernel/boot/vmlinuz-$kver" "$out.tmp/vmlinuz"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9n) >"$out.tmp/initrd.img"
printf 'kernel %s %s (%s)\nbusybox-static %s\nscript %s\nbuilt %s\n' "$kernel_pkg" "$kernel_ver" "$kver" "$busybox_ver" "$script_hash" "$(date -u +%FT%TZ)" >"$out.tmp/manifest.txt"
rm -rf "$out"
mv "$out.tmp" "$out"
ln -sfn "$key" "$cache_root/current"
log "built $(du -sh "$out" | cut -f1) in $out"
echo "$out"
