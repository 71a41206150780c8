#!/usr/bin/env bash
# The test suite: set-up (native prerequisite, MNIST, build), then every MSTest suite — unit tests on
# small data and the evaluation suites that train on real MNIST. Ends with one line per skipped test (with its
# reason) and "N passed, N failed, N skipped".
#   scripts/test.sh [dotnet test options, e.g. --filter TestCategory!=Evaluation]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
export CNNML_DATA="${CNNML_DATA:-$ROOT/data/mnist}"

RESULTS="$ROOT/TestResults"
rm -rf "$RESULTS"
status=0
dotnet test "$ROOT/CnnMl.sln" -c Release --no-build --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" --results-directory "$RESULTS" "$@" || status=$?

trx=$(find "$RESULTS" -name '*.trx' 2>/dev/null | head -n1)
if [ -z "$trx" ]; then
  echo "no test results were written (dotnet test exit code $status)" >&2
  exit $(( status == 0 ? 1 : status ))
fi
echo
# Counted from each test's outcome: the TRX <Counters> element leaves skipped (inconclusive) tests out.
bash "$ROOT/scripts/trx-summary.sh" "$trx"
exit "$status"
