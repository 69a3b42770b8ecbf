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

# How the seed is run: its header's `# run:` line, with rstap, the script and the
# workloads given their paths here. `A &   then   rstap ... PID` starts A first (PID is
# its pid) and ends it after a few seconds; "^C" in the line means an interrupt after 8 s;
# "(after: CMD)" runs CMD first.
run=$(sed -n 's/^# run: *//p' "$script")
stop=""
case "$run" in *"^C"*) stop="timeout -s INT 8 " ;; esac
first=$(printf '%s' "$run" | sed -n 's/.*(after: *\([^)]*\)).*/\1; /p')
run=$(printf '%s' "$run" | sed -e 's/ *(.*$//' -e 's/,  and:.*$//')
pre=""
main=$run
if [[ $run == *"   then   "* ]]; then
	pre=${run%%   then   *}
	main=${run#*   then   }
fi
workloads=$PWD/target/workloads/
pre=${pre//workloads\//$workloads}
main=${main//workloads\//$workloads}
main=${main//$(basename "$script")/$script}
main="$stop$rstap ${main#rstap }"
main=${main//PID/\$P}
if [ -n "$pre" ]; then
	shcmd="$first$pre P=\$!; sleep 1; $main & R=\$!; sleep 5; kill -TERM \$P 2>/dev/null; wait \$R"
else
	shcmd="$first$main"
fi
echo "== sh -c '$shcmd'" >&2
cmd=(sh -c "$shcmd")
input=/dev/null

release=$(uname -r)
if [ -e /proc/modules ] && [ -d "/lib/modules/$release/build" ]; then
	exec "${cmd[@]}" <"$input"
fi
# Debian 12's default kernel: the one its linux-image-amd64 package pulls in.
kernel=$(dpkg-query -W -f='${Depends}' linux-image-amd64 | sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
echo "== this kernel ($release) cannot load modules: running in a VM on $kernel" >&2
exec "$rstap" vm --kernel "$kernel" -- "${cmd[@]}" <"$input"
