#!/usr/bin/env bash
# Installs what rstap and its tests need on a Debian 12 machine: Debian's kernel
# image and headers (the VM boots them; modules build against them), QEMU,
# llvm (llvm-dwarfdump: the build tier checks line tables against it),
# busybox for the VM's initramfs, and the C toolchain Kbuild uses; <sys/sdt.h>
# (systemtap-sdt-dev), g++ and python3 (its SDT markers) for the user-space
# probe tests. Then builds rstap.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for p in linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static make gcc g++ cpio kmod libc6-dev llvm systemtap-sdt-dev python3; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "setup: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Debian's second supported kernel line, 6.12 from bookworm-backports: rstap
# builds for it and the VM tier runs on it too. RSTAP_SETUP_NO_BACKPORTS=1 skips.
if [ -z "${RSTAP_SETUP_NO_BACKPORTS:-}" ] && ! ls /boot/vmlinuz-6.12.* >/dev/null 2>&1; then
	if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
		cat >/etc/apt/sources.list.d/backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	fi
	echo "setup: installing Debian's 6.12 kernel and headers from bookworm-backports" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# The versioned packages, not the metapackages: 6.1 stays the default.
	k612=$(apt-cache -t bookworm-backports search --names-only '^linux-image-6\.12\.[0-9.]*\+deb12-amd64$' |
		awk '{print $1}' | sort -V | tail -n 1)
	if [ -n "$k612" ]; then
		apt-get install -y -qq --no-install-recommends -t bookworm-backports \
			"$k612" "${k612/linux-image/linux-headers}" >/dev/null
	else
		echo "setup: no 6.12 kernel found in bookworm-backports; the tests run on 6.1 only" >&2
	fi
fi

# Debian 12's other 6.1 flavours: cloud (no 9p: the VM tier runs it sealed, with
# the loader alone) and rt (PREEMPT_RT). Production hosts run them too; modules
# are built for each on this host. RSTAP_SETUP_NO_FLAVOURS=1 skips.
if [ -z "${RSTAP_SETUP_NO_FLAVOURS:-}" ]; then
	need=()
	for f in cloud rt; do
		ls /boot/vmlinuz-6.1.*-"$f"-amd64 >/dev/null 2>&1 || need+=("linux-image-$f-amd64" "linux-headers-$f-amd64")
	done
	if [ ${#need[@]} -gt 0 ]; then
		echo "setup: installing Debian's ${need[*]}" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	fi
fi

# The seed corpus workloads (user-space programs the scripts trace), built
# outside the read-only shared/ folder.
corpus=$(cd .. && pwd)/shared/corpus
if [ -d "$corpus/workloads" ]; then
	mkdir -p target/workloads
	make -s -C target/workloads -f "$corpus/workloads/Makefile" VPATH="$corpus/workloads" >/dev/null
fi

# ---- kernel debuginfo (issue 4): kernel.function probes and -l/-L read each
# installed kernel's vmlinux DWARF, module("NAME") probes the module's. Only the
# vmlinux and the modules the tests probe (usbcore; kvm and mac80211 for their
# tracepoints) are extracted from Debian's -dbg package (~900 MB download, ~30 s),
# as `rstap --prep -r KVER --module usbcore` does. RSTAP_SETUP_NO_DEBUGINFO=1 skips (the kernel_* VM cases then fail to build).
if [ -z "${RSTAP_SETUP_NO_DEBUGINFO:-}" ]; then
	for img in /boot/vmlinuz-*; do
		kver=${img#/boot/vmlinuz-}
		[ -e "/lib/modules/$kver/build/Makefile" ] || continue
		members=()
		[ -e "/usr/lib/debug/boot/vmlinux-$kver" ] || members+=("./usr/lib/debug/boot/vmlinux-$kver")
		for m in usbcore kvm mac80211; do
			# A flavour without the module (cloud has no usbcore) has no debuginfo of it.
			find "/lib/modules/$kver/kernel" -name "$m.ko*" 2>/dev/null | grep -q . || continue
			find "/usr/lib/debug/lib/modules/$kver" -name "$m.ko" 2>/dev/null | grep -q . ||
				members+=("./usr/lib/debug/lib/modules/$kver/*/$m.ko")
		done
		[ ${#members[@]} -gt 0 ] || continue
		echo "setup: extracting ${members[*]} from linux-image-$kver-dbg" >&2
		tmp=$(mktemp -d)
		if (cd "$tmp" && apt-get download -qq "linux-image-$kver-dbg" 2>/dev/null); then
			dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C / --wildcards "${members[@]}"
		else
			echo "setup: no linux-image-$kver-dbg package; kernel.function tests cannot run on $kver" >&2
		fi
		rm -rf "$tmp"
	done
fi
# ---- end of kernel debuginfo

cargo build --release --workspace --bins -q
cargo build --profile loader -p rstaprun --bin rstaprun -q
echo "setup: rstap built in target/release/, rstaprun as shipped in target/loader/" >&2
