#!/usr/bin/env bash
# Replays one full run of cnnml's guided mode (`cnnml` with no arguments) in a real terminal, as a new user walks
# it: tmux starts cnnml in a 120x40 terminal, keys are sent once the screen shows each question, and the whole
# screen history is saved. The run: image classification on 2,000 MNIST training and 1,000 test images,
# Escape at the network question (back to the data step, whose earlier answers Enter keeps), mnist-cnn, 1 epoch,
# the default training controls, one random test image tried, the model saved as model.zip (Enter everywhere else).
#
#   scripts/wizard-replay.sh [SCREEN_FILE]     # default: screen.txt in the run's temporary folder
#
# Needs tmux, a built console (dotnet build CnnMl.sln -c Release) and MNIST ($CNNML_DATA, else data/mnist; both as
# scripts/setup.sh leaves them). Exits 0 when cnnml exited 0 and wrote model.zip and model.consume.cs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CNNML="${CNNML:-$ROOT/src/Demo/bin/Release/net10.0/cnnml}"
DATA="${CNNML_DATA:-$ROOT/data/mnist}"

fail() { echo "wizard-replay: $*" >&2; exit 1; }
command -v tmux >/dev/null 2>&1 || fail "tmux is not installed: it is the terminal this replay types into. Install it (apt-get install tmux) and rerun."
[ -x "$CNNML" ] || fail "the console is not built at $CNNML: run 'dotnet build CnnMl.sln -c Release' (or scripts/setup.sh) first."
[ -f "$DATA/train-images-idx3-ubyte" ] || [ -f "$DATA/train-images-idx3-ubyte.gz" ] \
  || fail "no MNIST in $DATA: run scripts/setup.sh, or set CNNML_DATA to the folder with the idx files."

WORK="$(mktemp -d "${TMPDIR:-/tmp}/cnnml-wizard-replay.XXXXXX")"
SCREEN="${1:-$WORK/screen.txt}"
SOCKET="cnnml-wizard-replay-$$"   # a tmux server of its own: nobody else's sessions are touched
SESSION="wiz"
tmx() { tmux -L "$SOCKET" -f /dev/null "$@"; }
trap 'tmx kill-server 2>/dev/null || true' EXIT

# The whole history is kept (the run prints a few hundred lines); the shell line after cnnml records its exit code.
tmx start-server \; set-option -g history-limit 50000 \; \
  new-session -d -s "$SESSION" -x 120 -y 40 -c "$WORK" \
  "env CNNML_DATA='$DATA' '$CNNML'; echo \"cnnml exited with \$?\"; sleep 3600"

screen() { tmx capture-pane -p -J -t "$SESSION" -S -; }

# Waits until the screen history shows TEXT (fixed string), for up to SECONDS.
wait_for() {
  local text="$1" seconds="${2:-60}" waited=0
  until screen | grep -qF -- "$text"; do
    if [ "$waited" -ge $((seconds * 2)) ]; then
      screen > "$SCREEN"
      fail "waited ${seconds}s for '$text'; the screen so far is in $SCREEN"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}
keys() { tmx send-keys -t "$SESSION" "$@"; }
# Waits until the screen history shows TEXT on COUNT lines (a text prompt's line stays after it is answered).
wait_for_count() {
  local count="$1" text="$2" waited=0
  until [ "$(screen | grep -cF -- "$text")" -ge "$count" ]; do
    if [ "$waited" -ge 120 ]; then
      screen > "$SCREEN"
      fail "waited 60s for '$text' $count times; the screen so far is in $SCREEN"
    fi
    sleep 0.5
    waited=$((waited + 1))
  done
}

echo "wizard-replay: cnnml in tmux (120x40) in $WORK"
wait_for "What do you want to train?";            keys Enter            # 1 scenario: image classification
wait_for "Which images?";                          keys Enter            # 2 data: MNIST handwritten digits
wait_for "MNIST folder?";                         keys Enter            #   the folder $CNNML_DATA names
wait_for "Training images?";                      keys 2000 Enter
wait_for "Test images?";                          keys 1000 Enter
wait_for "Which network?" 300;                    keys Escape           # 3 architecture: Escape, back to step 2
# A list is erased once answered, so "Which images?" is on the screen again only when step 2 is asked again.
wait_for "Which images?";                          keys Enter            # 2 data again: MNIST, the earlier answer
wait_for_count 2 "MNIST folder?";                  keys Enter            #   the folder given before
wait_for "Training images? (fewer: a quicker, weaker model) (2000):"; keys Enter   # the earlier answers as defaults
wait_for "Test images? (1000):";                  keys Enter
wait_for "Which network?" 300;                    keys Enter            # 3 architecture: mnist-cnn
wait_for "Train for a number of epochs";          keys Enter            # 5 budget: epochs
wait_for "Epochs? (3):";                          keys 1 Enter
wait_for "Training controls?";                     keys Enter            #   the defaults
wait_for "Try the model on:" 1800;                keys Enter            # 8 try it: a random test image
wait_for "Try another?" 300;                      keys Enter            #   no more
wait_for "Save the model";                        keys Enter            # 9 save: yes
wait_for "Model file?";                           keys Enter            #   model.zip
wait_for "cnnml exited with" 600
screen > "$SCREEN"

grep -qF "cnnml exited with 0" "$SCREEN" || fail "cnnml did not exit 0; see $SCREEN"
[ -f "$WORK/model.zip" ] || fail "no model.zip in $WORK; see $SCREEN"
[ -f "$WORK/model.consume.cs" ] || fail "no model.consume.cs in $WORK; see $SCREEN"
echo "wizard-replay: done; screen history in $SCREEN, model in $WORK/model.zip"
grep -E "^Architecture: |Micro-accuracy|^Predicted |^  cnnml train " "$SCREEN" || true
