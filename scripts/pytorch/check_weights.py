"""Load weights written by CnnMl into the matching PyTorch module with load_state_dict(strict=True).

    cnnml train --arch mnist-cnn --epochs 3 --weights-out mnist-cnn.pt
    python3 scripts/pytorch/check_weights.py --arch mnist-cnn --weights mnist-cnn.pt --mnist data/mnist

Prints the tensors loaded and, with --mnist, the test accuracy PyTorch computes with them (compare with what
`cnnml train` printed for the same weights: the logits are the same up to float rounding).

Many files in one process (CnnMl's tests do this):

    python3 scripts/pytorch/check_weights.py --cases cases.json
    ... | python3 scripts/pytorch/check_weights.py --cases -     # one case per line on standard input, each run as it comes

cases.json is a list of {"arch", "weights", "classes", "input_shape": [N, C, H, W], "input", "logits"}: each weights
file is loaded with strict=True and PyTorch's logits for the input (little-endian float32) are written to "logits".
Prints a JSON list with, per case, "tensors" (how many were loaded) or "error" (why loading failed).
"""
import argparse
import json
import sys

import numpy as np
import torch

import cnnml_models
from train_ddp import mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=cnnml_models.ARCHITECTURES)
    parser.add_argument("--weights")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--input", default="1x28x28", help="C x H x W the weights were trained for")
    parser.add_argument("--mnist", help="folder with the MNIST idx files: evaluate on the 10,000 test images")
    parser.add_argument("--cases", help="JSON list of files to load and inputs to score, or - for JSON lines on stdin (see above)")
    args = parser.parse_args()
    if args.cases == "-":
        print(json.dumps([check_case(json.loads(line)) for line in sys.stdin if line.strip()]))
        return
    if args.cases:
        with open(args.cases) as f:
            print(json.dumps([check_case(case) for case in json.load(f)]))
        return
    if not (args.arch and args.weights):
        parser.error("give --arch and --weights, or --cases")

    c, h, w = (int(d) for d in args.input.split("x"))
    model = cnnml_models.load_state_dict(cnnml_models.build(args.arch, args.classes, c, h, w), args.weights)
    model.eval()
    count = sum(t.numel() for t in model.state_dict().values())
    print(f"{args.weights}: {len(model.state_dict())} tensors ({count:,} values) loaded into {args.arch} with strict=True")
    if args.mnist:
        data, _, _ = mnist(args.mnist, "test")
        x, y = data.tensors
        with torch.no_grad():
            predicted = torch.cat([model(x[i:i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
        print(f"test accuracy in PyTorch: {(predicted == y).float().mean().item():.2%}")


def check_case(case):
    n, c, h, w = case["input_shape"]
    model = cnnml_models.build(case["arch"], case["classes"], c, h, w)
    try:
        cnnml_models.load_state_dict(model, case["weights"])
    except RuntimeError as e:  # load_state_dict(strict=True): missing, unexpected or mis-shaped tensors
        return {"weights": case["weights"], "error": str(e)}
    model.eval()
    x = torch.from_numpy(np.fromfile(case["input"], dtype="<f4").reshape(n, c, h, w))
    with torch.no_grad():
        model(x).numpy().astype("<f4").tofile(case["logits"])
    return {"weights": case["weights"], "tensors": len(model.state_dict())}


if __name__ == "__main__":
    main()
