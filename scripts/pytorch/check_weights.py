"""Load weights written by CnnMl into the matching PyTorch module with load_state_dict(strict=True).

    cnnml train --arch mnist-cnn --epochs 3 --weights-out mnist-cnn.pt
    python3 scripts/pytorch/check_weights.py --arch mnist-cnn --weights mnist-cnn.pt --mnist data/mnist

Prints the tensors loaded and, with --mnist, the test accuracy PyTorch computes with them (compare with what
`cnnml train` printed for the same weights: the logits are the same up to float rounding).
"""
import argparse

import torch

import cnnml_models
from train_ddp import mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", required=True, choices=cnnml_models.ARCHITECTURES)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--input", default="1x28x28", help="C x H x W the weights were trained for")
    parser.add_argument("--mnist", help="folder with the MNIST idx files: evaluate on the 10,000 test images")
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
