#!/usr/bin/env bash
# Summarizes a TRX results file, counted from the outcome of every test result (the TRX <Counters> element leaves
# inconclusive and skipped tests out: it says notExecuted="0" when dotnet test reports them skipped):
#
#   skipped: PyTorchConformanceTests.ReproducesPyTorchLogits ("lenet5") — <its message>   (one line per skipped test)
#   515 passed, 0 failed, 1 skipped
#   ten slowest test classes (first start to last end of their tests, class set-up included):
#     145.1 s  ZooEvaluationTests (4 tests)
#     ...
#   FAILED: 515 passed, 0 failed, 1 skipped — skipped: PyTorchConformanceTests.ReproducesPyTorchLogits ("lenet5")
#
# The last line is the verdict: "PASSED: N passed, 0 failed, 0 skipped", or "FAILED: ..." naming every failed and
# skipped (or inconclusive) test. Exits 0 only when tests ran and none failed or was skipped.
#   scripts/trx-summary.sh results.trx [more.trx ...]    (one file per test process; the counts are their sum)
set -euo pipefail
trx="$1"
# Standard library only; Debian's interpreter when there is one (as the rest of the test set-up).
PYTHON=$(command -v /usr/bin/python3 || command -v python3) || { echo "trx-summary: python3 is needed to read $trx" >&2; exit 2; }

"$PYTHON" - "$@" <<'EOF'
import re
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
PASSED = {"Passed"}
FAILED = {"Failed", "Error", "Timeout", "Aborted"}
SKIPPED = {"NotExecuted", "Inconclusive", "NotRunnable"}
SLOWEST = 10
NAMED = 10

from datetime import datetime

roots = [ET.parse(path).getroot() for path in sys.argv[1:]]
classes = {test.get("id"): test.find("t:TestMethod", NS).get("className").rsplit(".", 1)[-1]
           for root in roots for test in root.iterfind("t:TestDefinitions/t:UnitTest", NS)}


def moment(stamp):
    # 2026-12-07T20:06:35.4941460+00:00: Python before 3.11 reads at most six digits of a fraction.
    return datetime.fromisoformat(re.sub(r"(\.\d{6})\d*", r"\1", stamp))


passed, failed, skipped = [], [], []
span_by_class, tests_by_class = {}, {}
results = [(lane, result) for lane, root in enumerate(roots) for result in root.iterfind("t:Results/t:UnitTestResult", NS)]
for lane, result in results:
    name = f"{classes.get(result.get('testId'), '?')}.{result.get('testName')}"
    outcome = result.get("outcome")
    if outcome in PASSED:
        passed.append(name)
    elif outcome in SKIPPED:
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", "", NS).strip()
        print(f"skipped: {name}" + (f" — {message}" if message else ""))
        skipped.append(name)
    else:
        # Anything not known to be a pass or a skip counts as a failure.
        failed.append(name)
    cls = classes.get(result.get("testId"), "?")
    # A class's tests run one after another in one process, its initializer inside the first test's span; a class
    # whose tests are in two processes (a test of its own category) counts both spans.
    start, end = moment(result.get("startTime")), moment(result.get("endTime"))
    first, last = span_by_class.get((lane, cls), (start, end))
    span_by_class[(lane, cls)] = (min(first, start), max(last, end))
    tests_by_class[cls] = tests_by_class.get(cls, 0) + 1
time_by_class = {}
for (lane, cls), (first, last) in span_by_class.items():
    time_by_class[cls] = time_by_class.get(cls, 0.0) + (last - first).total_seconds()

counts = f"{len(passed)} passed, {len(failed)} failed, {len(skipped)} skipped"
print(counts)
print("ten slowest test classes (first start to last end of their tests, class set-up included):")
for cls, total in sorted(time_by_class.items(), key=lambda kv: -kv[1])[:SLOWEST]:
    print(f"  {total:7.1f} s  {cls} ({tests_by_class[cls]} test{'s' if tests_by_class[cls] != 1 else ''})")


def named(label, names):
    shown = ", ".join(names[:NAMED])
    return f"{label}: {shown}" + (f" and {len(names) - NAMED} more" if len(names) > NAMED else "")


problems = [named(label, names) for label, names in (("failed", failed), ("skipped", skipped)) if names]
if not passed and not problems:
    problems.append("no test ran")
print(f"FAILED: {counts} — {'; '.join(problems)}" if problems else f"PASSED: {counts}")
sys.exit(1 if problems else 0)
EOF
