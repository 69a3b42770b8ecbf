#!/usr/bin/env bash
# The main job: set up, then run one seed script end to end — natively when
# this kernel can load modules, otherwise inside `rstap vm` on Debian's
# default kernel. Usage: scripts/run-seed.sh [SEED]   (default 10_config_hz)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
seed=${1:-10_config_hz}
corpus=$(cd .. && pwd)/shared/corpus/seed
script=$(ls "$corpus/$seed"*.stp | head -n 1)
rstap=$PWD/target/release/rstap
echo "== $script" >&2
sed -n 's/^# \(run\|expect\): */  \1: /p' "$script" >&2

# How the seed is run: 10 reads the script from stdin; 09 runs until ^C.
case "$(basename "$script")" in
10_*) cmd=("$rstap" - ) ; input=$script ;;
09_*) cmd=(timeout -s INT 7 "$rstap" "$script") ; input=/dev/null ;;
*) cmd=("$rstap" "$script") ; input=/dev/null ;;
esac

release=$(uname -r)
if [ -e /proc/modules ] && [ -d "/lib/modules/$release/build" ]; then
	exec "${cmd[@]}" <"$input"
fi
# Debian 12's default kernel: the one its linux-image-amd64 package pulls in.
kernel=$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
echo "== this kernel ($release) cannot load modules: running in a VM on $kernel" >&2
exec "$rstap" vm --kernel "$kernel" -- "${cmd[@]}" <"$input"
