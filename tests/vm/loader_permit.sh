#!/bin/sh
# loader_permit.stp's guest part: rstaprun installed setuid root (a copy on a tmpfs),
# groups stapdev (5001) and stapusr (5002) in an /etc/group bound over the read-only one,
# /lib/modules/RELEASE/ a tmpfs holding systemtap/loader_permit.ko, and user 1000 trying
# each case. Every mount is undone at the end.
# Usage: loader_permit.sh RSTAPRUN MODULE.ko SCRATCH_DIR
set -u
rstaprun=$1 ko=$2 T=$3/permit K=/lib/modules/$(uname -r)
mkdir -p "$T" && mount -t tmpfs -o mode=755 tmpfs "$T" || exit 1
trap 'umount /etc/group; umount "$K"; umount "$T"' EXIT
cp "$rstaprun" "$T/rstaprun" && chmod 4755 "$T/rstaprun"
cp "$ko" "$T/m.ko" && chmod 644 "$T/m.ko"
mkdir "$T/user" && chown 1000:1000 "$T/user"
{ grep -v '^stap' /etc/group; echo stapdev:x:5001:; echo stapusr:x:5002:; } >"$T/group"
mount --bind "$T/group" /etc/group || exit 1
mount -t tmpfs -o mode=755 tmpfs "$K" || exit 1
mkdir "$K/systemtap" && cp "$ko" "$K/systemtap/" && ln -s "$T/m.ko" "$K/systemtap/link.ko"
r=$T/rstaprun
dev() { setpriv --reuid=1000 --regid=1000 --groups=5001 "$@"; }
usr() { setpriv --reuid=1000 --regid=1000 --groups=5002 "$@"; }
none() { setpriv --reuid=1000 --regid=1000 --clear-groups "$@"; }

dev $r "$T/m.ko"; echo "stapdev, any module: $?"
usr $r "$T/m.ko"; echo "stapusr, a module elsewhere: $?"
usr $r loader_permit; echo "stapusr, a module in systemtap/: $?"
usr $r "$K/systemtap/link.ko"; echo "stapusr, a link in systemtap/ to elsewhere: $?"
chmod 777 "$K/systemtap"; usr $r loader_permit; echo "stapusr, systemtap/ writable by all: $?"; chmod 755 "$K/systemtap"
none $r "$T/m.ko"; echo "no group: $?"
dev $r -o "$T/root-only.txt" "$T/m.ko"; echo "-o into a directory only root may write: $?"
dev $r -o "$T/user/out.txt" "$T/m.ko"; echo "-o file owner: $(stat -c %u "$T/user/out.txt")"; cat "$T/user/out.txt"
dev $r -c 'grep ^Uid: /proc/self/status' "$T/m.ko" stay=1 | tr '\t' ' '
$rstaprun -L "$T/m.ko" stay=1 >/dev/null 2>&1
none $r -d loader_permit; echo "no group, -d: $?"
dev $r -d no_such_module; echo "stapdev, -d of a module not rstap's: $?"
usr $r -d loader_permit; echo "stapusr, -d: $?"
echo "still loaded: $(grep -c '^loader_permit ' /proc/modules)"
