#!/usr/bin/env bash
# The test suite: set-up (native prerequisite, MNIST, build, and for the tests Debian's PyTorch and the PyTorch
# fixtures it generates: scripts/setup.sh --for-tests), then every MSTest suite — unit tests on small data and the
# evaluation suites that train on real MNIST. Ends with one line per skipped test (with its reason), the line
# "N passed, N failed, N skipped", the ten slowest test classes, and a verdict line: "PASSED: ..." or "FAILED: ..."
# naming every failed and skipped test (scripts/trx-summary.sh). A skipped or inconclusive test fails the run.
#
# Two lanes, two test processes at once (a 2-core machine has no more to give), balanced by measurement:
#   evaluation  the MNIST evaluation suites (TestCategory=Evaluation outside the Interop tests): long trainings at one
#               libtorch thread, so that each run repeats bit for bit; one core.
#   other       everything else, the Interop comparisons that train at one thread (transfer learning, LightGbm on
#               features) included, with libtorch's default thread count at 1 (OMP_NUM_THREADS=1, also for the
#               processes the tests start): the other core. Tests that need another count set it.
# libtorch's thread count, random generator and oneDNN state and the console's streams are per process, so neither lane
# sees the other's settings. Each line of a lane's output starts with its name. Both lanes run with
# OMP_WAIT_POLICY=PASSIVE: libtorch's OpenMP threads (libgomp) otherwise spin for milliseconds at every barrier. Neither
# setting changes a result. Measured on 2 cores ("[test.sh] test phase"): 797 s in one process, 514 s in two lanes at
# the default thread count, 485 s with the other lane at one thread, 410 s with the Interop comparisons moved to it.
#   scripts/test.sh                     both lanes
#   scripts/test.sh [dotnet test options, e.g. --filter FullyQualifiedName~DocumentationTests]   one process, as given
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" --for-tests
export CNNML_DATA="${CNNML_DATA:-$ROOT/data/mnist}"

RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# One dotnet test process: lane name, then dotnet test options. Exit code in $RESULTS/<lane>.exit.
lane() {
  local name="$1"; shift
  local code=0
  dotnet test "$ROOT/CnnMl.sln" -c Release --no-build --nologo \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS" "$@" \
    > >(sed -u "s/^/[$name] /") 2>&1 || code=$?
  echo "$code" > "$RESULTS/$name.exit"
}

# SIGTERM to a process and everything under it, the deepest first, so that no child is orphaned before it is reached.
stop_tree() {
  local child
  for child in $(pgrep -P "$1" || true); do stop_tree "$child"; done
  kill -TERM "$1" 2>/dev/null || true
}

started=$SECONDS
if [ $# -gt 0 ]; then
  lane tests "$@"
else
  export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
  # Background jobs of a script ignore Ctrl+C, so the lanes would run on after the script stopped: an interrupt or
  # SIGTERM stops each lane's processes, the test hosts and every process the tests started, children first.
  lanes=()
  trap 'for lane_pid in "${lanes[@]}"; do stop_tree "$lane_pid"; done; wait; echo "[test.sh] stopped" >&2; exit 130' INT TERM
  lane evaluation --filter "TestCategory=Evaluation&FullyQualifiedName!~CnnMl.Tests.Interop." &
  lanes+=("$!")
  OMP_NUM_THREADS=1 lane other --filter "TestCategory!=Evaluation|FullyQualifiedName~CnnMl.Tests.Interop." &
  lanes+=("$!")
  wait
fi
echo "[test.sh] test phase: $(( SECONDS - started )) s"

status=0
for exit_file in "$RESULTS"/*.exit; do
  code=$(cat "$exit_file")
  [ "$code" = 0 ] || status=$code
done
mapfile -t trx < <(find "$RESULTS" -name '*.trx' | sort)
if [ ${#trx[@]} -eq 0 ]; then
  echo "no test results were written (dotnet test exit code $status)" >&2
  exit $(( status == 0 ? 1 : status ))
fi
echo
# Counted from each test's outcome: the TRX <Counters> element leaves skipped (inconclusive) tests out. A skipped
# test fails the run even when dotnet test itself exits 0.
bash "$ROOT/scripts/trx-summary.sh" "${trx[@]}" || status=$(( status == 0 ? 1 : status ))
exit "$status"
