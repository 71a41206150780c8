#!/usr/bin/env bash
# Prints the line "N passed, N failed, N skipped" for a TRX results file, counted from the outcome of every test
# result (the TRX <Counters> element leaves inconclusive and skipped tests out: it says notExecuted="0" when
# dotnet test reports them skipped), preceded by one line per skipped test with its message, e.g.
#   skipped: ReproducesPyTorchsLogitsFromItsStateDict ("resnet18") — Assert.Inconclusive. Large PyTorch fixture 'resnet18.pt' ...
#   scripts/trx-summary.sh results.trx
set -euo pipefail
trx="$1"

count() { grep -o '<UnitTestResult [^>]*>' "$trx" | grep -c " outcome=\"$1\"" || true; }
passed=$(count Passed)
failed=$(( $(count Failed) + $(count Error) + $(count Timeout) + $(count Aborted) ))
skipped=$(( $(count NotExecuted) + $(count Inconclusive) + $(count NotRunnable) ))

awk '
  function report() { if (skip) print "skipped: " name (msg == "" ? "" : " — " msg); skip = 0 }
  /<UnitTestResult / {
    report(); msg = ""; name = ""
    if (match($0, /testName="[^"]*"/)) name = substr($0, RSTART + 10, RLENGTH - 11)
    skip = ($0 ~ / outcome="(NotExecuted|Inconclusive|NotRunnable)"/)
  }
  skip && /<Message>/ && msg == "" { msg = $0; sub(/.*<Message>/, "", msg); sub(/<\/Message>.*/, "", msg) }
  /<\/UnitTestResult>|<UnitTestResult [^>]*\/>/ { report() }
  END { report() }
' "$trx" | sed 's/&quot;/"/g; s/&apos;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g'

echo "$passed passed, $failed failed, $skipped skipped"
