#!/bin/sh
# Runs inside a PID namespace of its own (unshare --pid --fork --mount-proc),
# so that `--all` means the processes started here and nobody else's:
# starts N copies of PROGRAM on the library in LIBDIR, lets them run,
# `suture apply --consistency MODEL --all PATCH` (MODEL: stop unless
# given), lets them run, `suture status`, `suture revert --all NAME`, lets
# them run, stops them.
#
# Writes into OUTDIR: outI.txt (what process I printed), phases.txt (the
# line count of each output at each step), apply.txt, status.txt,
# revert.txt (what suture said, SUTURE_TIMING lines included) and rc.txt
# (the exit status of apply and revert, and their wall time in ms).
#
# usage: rollout.sh SUTURE PATCH LIBDIR PROGRAM OUTDIR N SETTLE_SECONDS [MODEL]
set -u
suture=$1 patch=$2 libdir=$3 program=$4 outdir=$5 n=$6 settle=$7 model=${8:-stop}
cd "$outdir" || exit 1
pids=""
i=1
while [ "$i" -le "$n" ]; do
	LD_LIBRARY_PATH=$libdir "$program" > "out$i.txt" &
	pids="$pids $!"
	i=$((i + 1))
done

mark() {
	line=$1
	i=1
	while [ "$i" -le "$n" ]; do
		line="$line $(wc -l < "out$i.txt")"
		i=$((i + 1))
	done
	echo "$line" >> phases.txt
}
ms() { date +%s%3N; }

sleep "$settle"
mark start
t0=$(ms)
"$suture" apply --consistency "$model" --timeout 60 --target "$libdir/libexpat.so.1" --all "$patch" > apply.txt 2>&1
echo "apply $? $(($(ms) - t0))" >> rc.txt
mark applied
sleep "$settle"
"$suture" status > status.txt 2>&1
mark reverting
t0=$(ms)
"$suture" revert --timeout 60 --all "$(basename "$patch" .o)" > revert.txt 2>&1
echo "revert $? $(($(ms) - t0))" >> rc.txt
mark reverted
sleep "$settle"
mark end
kill $pids
wait
