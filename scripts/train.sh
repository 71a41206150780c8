#!/usr/bin/env bash
# The main job: set-up (native prerequisite, MNIST, build), then train the source document's MNIST CNN
# through the ML.NET pipeline and print ML.NET's evaluation.
#   scripts/train.sh                      # = cnnml train --arch mnist-cnn --epochs 3
#   scripts/train.sh --arch lenet5 --epochs 2 --metrics-json lenet.json
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
export CNNML_DATA="${CNNML_DATA:-$ROOT/data/mnist}"
if [ $# -eq 0 ]; then set -- --arch mnist-cnn --epochs 3; fi
exec "$ROOT/src/Demo/bin/Release/net10.0/cnnml" train "$@"
