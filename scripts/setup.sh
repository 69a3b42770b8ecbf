#!/usr/bin/env bash
# Installs what rstap and its tests need on a Debian 12 machine: Debian's kernel
# image and headers (the VM boots them; modules build against them), QEMU,
# busybox for the VM's initramfs, and the C toolchain Kbuild uses. Then builds rstap.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for p in linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static make gcc cpio kmod libc6-dev; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "setup: installing ${need[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The seed corpus workloads (user-space programs the scripts trace), built
# outside the read-only shared/ folder.
corpus=$(cd .. && pwd)/shared/corpus
if [ -d "$corpus/workloads" ]; then
	mkdir -p target/workloads
	make -s -C target/workloads -f "$corpus/workloads/Makefile" VPATH="$corpus/workloads" >/dev/null
fi

cargo build --release --workspace --bins -q
echo "setup: rstap and rstaprun built in target/release/" >&2
