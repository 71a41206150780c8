#!/usr/bin/env bash
# The test suite: set-up (native prerequisite, MNIST, build, and for the tests Debian's PyTorch and the PyTorch
# fixtures it generates: scripts/setup.sh --for-tests), then every MSTest suite — unit tests on small data and the
# evaluation suites that train on real MNIST. Ends with one line per skipped test (with its reason), the line
# "N passed, N failed, N skipped", the ten slowest test classes, and a verdict line: "PASSED: ..." or "FAILED: ..."
# naming every failed and skipped test (scripts/trx-summary.sh). A skipped or inconclusive test fails the run.
#   scripts/test.sh [dotnet test options, e.g. --filter TestCategory!=Evaluation]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh" --for-tests
export CNNML_DATA="${CNNML_DATA:-$ROOT/data/mnist}"

RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"
status=0
started=$SECONDS
dotnet test "$ROOT/CnnMl.sln" -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" --results-directory "$RESULTS" "$@" || status=$?

trx=$(find "$RESULTS" -name '*.trx' 2>/dev/null | head -n1)
echo "[test.sh] test phase: $(( SECONDS - started )) s"
if [ -z "$trx" ]; then
  echo "no test results were written (dotnet test exit code $status)" >&2
  exit $(( status == 0 ? 1 : status ))
fi
echo
# Counted from each test's outcome: the TRX <Counters> element leaves skipped (inconclusive) tests out. A skipped
# test fails the run even when dotnet test itself exits 0.
bash "$ROOT/scripts/trx-summary.sh" "$trx" || status=$(( status == 0 ? 1 : status ))
exit "$status"
