"""Makes the PyTorch fixtures that CnnMl's conformance tests compare with, with real PyTorch (Debian 12's 1.13).

    python3 scripts/pytorch/make_fixtures.py --set generated --out artifacts/fixtures/pytorch --if-stale
    python3 scripts/pytorch/make_fixtures.py --set committed --out /tmp/check   # what the repository holds

The recipe, for each network: torch.manual_seed(0), build it, give every BatchNorm random running statistics and
affine terms and every Linear layer unit-scale weights (so that every tensor affects the output), then
torch.manual_seed(1) and the input batch from torch.randn, and the logits in eval() mode. It writes, in the format
of test/CnnEstimators.Tests/Fixtures/pytorch/README.md:

    NAME.pt          the state_dict(), torch.save
    NAME.input.f32   the input batch, little-endian float32
    NAME.output.f32  the logits, little-endian float32
    NAME.json        shapes and the ordered [name, shape] listing of the state dict

Sets (--set):
    committed  the files kept in the repository: mnist-cnn and lenet5 in full; the listings of resnet18,
               mobilenet-v2, resnet50 and resnext50-32x4d. A test regenerates them and requires the same tensors.
    generated  what scripts/setup.sh --for-tests makes into artifacts/fixtures/pytorch (git-ignored, ~62 MB):
               resnet18 and mobilenet-v2 in full, and conv3d-16-33 (the source document's nn.Conv3d(16, 33, (3, 3, 3),
               padding=1) on a small 2x16x5x7x9 batch; its state-dict names are CnnMl's Conv3dBlock's, conv.*).

--if-stale: do nothing when every file of the set is there and the stamp written with them (generator.sha256: the
SHA-256 of this script and of cnnml_models.py, and the PyTorch versions) says the same generator made them.
"""
import argparse
import contextlib
import hashlib
import json
import math
import os
import shutil
import sys
from pathlib import Path

# oneDNN picks its convolution kernels by CPU; capped at AVX2, an AVX-512 machine computes the logits bit for bit as
# the machine that made the committed fixtures did (measured: uncapped, resnet18's logits differ by 7.6e-6). Set
# before torch is imported: oneDNN reads it once.
os.environ["ONEDNN_MAX_CPU_ISA"] = "AVX2"
os.environ["DNNL_MAX_CPU_ISA"] = "AVX2"

import torch  # noqa: E402
from torch import nn  # noqa: E402

import cnnml_models  # noqa: E402

HERE = Path(__file__).resolve().parent
STAMP = "generator.sha256"
WEIGHT_FILES = (".pt", ".input.f32", ".output.f32", ".json")
IMAGENET_INPUT = (1, 3, 224, 224)
MNIST_INPUT = (2, 1, 28, 28)
CONV3D_INPUT = (2, 16, 5, 7, 9)


class Conv3dOfTheDocument(nn.Module):
    """The source document's nn.Conv3d(16, 33, (3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1)), under CnnMl's name conv."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv3d(16, 33, (3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1))

    def forward(self, x):
        return self.conv(x)


def torchvision_network(name):
    import torchvision
    return {
        "resnet18": torchvision.models.resnet18,
        "mobilenet-v2": torchvision.models.mobilenet_v2,
        "resnet50": torchvision.models.resnet50,
        "resnext50-32x4d": torchvision.models.resnext50_32x4d,
    }[name]()


# name -> (builder, input shape)
FIXTURES = {
    "mnist-cnn": (cnnml_models.CNN, MNIST_INPUT),
    "lenet5": (cnnml_models.lenet5, MNIST_INPUT),
    "resnet18": (lambda: torchvision_network("resnet18"), IMAGENET_INPUT),
    "mobilenet-v2": (lambda: torchvision_network("mobilenet-v2"), IMAGENET_INPUT),
    "resnet50": (lambda: torchvision_network("resnet50"), IMAGENET_INPUT),
    "resnext50-32x4d": (lambda: torchvision_network("resnext50-32x4d"), IMAGENET_INPUT),
    "conv3d-16-33": (Conv3dOfTheDocument, CONV3D_INPUT),
}

SETS = {
    "committed": {"mnist-cnn": WEIGHT_FILES, "lenet5": WEIGHT_FILES, "resnet18": (".json",),
                  "mobilenet-v2": (".json",), "resnet50": (".json",), "resnext50-32x4d": (".json",)},
    "generated": {"resnet18": WEIGHT_FILES, "mobilenet-v2": WEIGHT_FILES, "conv3d-16-33": WEIGHT_FILES},
}


def randomize(model):
    """Every BatchNorm: running statistics and affine terms away from their defaults; every Linear: unit-scale."""
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.normal_(0, 0.1)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.normal_(0, 0.1)
            elif isinstance(module, nn.Linear):
                module.weight.normal_(0, 1 / math.sqrt(module.in_features))
                module.bias.normal_(0, 0.1)


def make(name, files, folder):
    build, input_shape = FIXTURES[name]
    if tuple(files) == (".json",):
        # Names and shapes only: no value is written, so the (slow) initialization is skipped; seconds for resnet50.
        with initialization_skipped():
            model = build()
        classes = [m for m in model.modules() if isinstance(m, nn.Linear)][-1].out_features
        write_listing(folder / (name + ".json"), name, model.state_dict(), input_shape, (input_shape[0], classes))
        return
    torch.manual_seed(0)
    model = build()
    randomize(model)
    model.eval()
    torch.manual_seed(1)
    x = torch.randn(*input_shape)
    with torch.no_grad():
        y = model(x)
    state = model.state_dict()
    written = {
        ".pt": lambda path: torch.save(state, path),
        ".input.f32": lambda path: x.numpy().astype("<f4").tofile(path),
        ".output.f32": lambda path: y.numpy().astype("<f4").tofile(path),
        ".json": lambda path: write_listing(path, name, state, x.shape, y.shape),
    }
    for suffix in files:
        written[suffix](folder / (name + suffix))


def write_listing(path, name, state, input_shape, output_shape):
    listing = {
        "name": name,
        "input_shape": list(input_shape),
        "output_shape": list(output_shape),
        "torch": torch.__version__,
        "state_dict": [[key, list(tensor.shape)] for key, tensor in state.items()],
    }
    path.write_text(json.dumps(listing, indent=1))


@contextlib.contextmanager
def initialization_skipped():
    """torch.nn.init's functions leave their tensor as it is while a network is built."""
    names = [n for n in dir(nn.init) if n.endswith("_") and not n.startswith("_")]
    saved = {n: getattr(nn.init, n) for n in names}
    for n in names:
        setattr(nn.init, n, lambda tensor, *args, **kwargs: tensor)
    try:
        yield
    finally:
        for n, f in saved.items():
            setattr(nn.init, n, f)


def stamp():
    """What makes a set current: this script, the models it builds, and the PyTorch that ran them."""
    import torchvision
    lines = [f"{hashlib.sha256((HERE / f).read_bytes()).hexdigest()}  {f}" for f in ("make_fixtures.py", "cnnml_models.py")]
    lines.append(f"torch {torch.__version__}, torchvision {torchvision.__version__}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", required=True, choices=sorted(SETS))
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--if-stale", action="store_true", help="skip when the files are there and made by this generator")
    args = parser.parse_args()

    chosen = SETS[args.set]
    files = [name + suffix for name, suffixes in chosen.items() for suffix in suffixes]
    out = args.out
    current = stamp()
    stamp_path = out / STAMP
    if args.if_stale and stamp_path.exists() and stamp_path.read_text() == current and all((out / f).exists() for f in files):
        print(f"fixtures: {len(files)} files in {out} made by this generator ({STAMP}) — nothing to do")
        return
    # Written into a scratch folder and moved in, the stamp last: an interrupted run leaves no stamp, so it reruns.
    out.mkdir(parents=True, exist_ok=True)
    stamp_path.unlink(missing_ok=True)
    scratch = out / ".partial"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    for name, suffixes in chosen.items():
        make(name, suffixes, scratch)
    for f in files:
        os.replace(scratch / f, out / f)
    scratch.rmdir()
    stamp_path.write_text(current)
    size = sum((out / f).stat().st_size for f in files)
    print(f"fixtures: wrote {len(files)} files ({size / 1e6:.1f} MB) to {out} with torch {torch.__version__}: {', '.join(chosen)}")


if __name__ == "__main__":
    sys.exit(main())
