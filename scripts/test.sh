#!/usr/bin/env bash
# The test suite: set-up (native prerequisite, MNIST, build), then every MSTest suite — unit tests on
# small data and the evaluation suites that train on real MNIST. Ends with "N passed, N failed, N skipped".
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
counters=$(grep -o '<Counters [^>]*>' "$trx")
count() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
passed=$(count passed); failed=$(( $(count failed) + $(count error) + $(count timeout) + $(count aborted) ))
skipped=$(( $(count notExecuted) + $(count inconclusive) ))
echo
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
