"""Train a CnnMl architecture with PyTorch DistributedDataParallel, then bring the weights back to CnnMl.

TorchSharp has no distributed data-parallel training and ML.NET no distributed training; past one machine, train
the same network with PyTorch and serve it from ML.NET:

    # one machine, 4 processes (CPU: gloo; GPUs: nccl, one process per GPU)
    torchrun --standalone --nproc_per_node=4 scripts/pytorch/train_ddp.py \
        --arch mnist-cnn --mnist data/mnist --epochs 3 --out mnist-cnn.pt

    # one machine without torchrun (Debian 12's torchrun fails under Python 3.11: see --processes)
    python3 scripts/pytorch/train_ddp.py --processes 2 --arch mnist-cnn --mnist data/mnist --epochs 1 --out mnist-cnn.pt

    # several machines: the same command on each, with --nnodes, --node_rank and a rendezvous endpoint
    torchrun --nnodes=2 --node_rank=0 --nproc_per_node=8 --rdzv_backend=c10d --rdzv_endpoint=HOST:29400 \
        scripts/pytorch/train_ddp.py --arch resnet18 --image-folder /data/train --image-size 224 \
        --imagenet-weights resnet18.pth --epochs 10 --out resnet18-finetuned.pt

Then in C#: new CnnTrainerOptions { Architecture = "mnist-cnn", InitialWeights = "mnist-cnn.pt", Epochs = 0 } gives a
CnnTransformer that scores exactly as this network does (or keep training with Epochs > 0).

Data: --mnist reads the four idx files CnnMl uses (scripts/setup.sh puts them in data/mnist), pixels scaled to [0, 1]
as CnnMl's MNIST loader does; --image-folder reads torchvision's ImageFolder layout (one folder per class).
"""
import argparse
import gzip
import os
import socket
import struct

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

import cnnml_models

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        zero, dtype, dims = struct.unpack(">HBB", f.read(4))
        shape = struct.unpack(">" + "I" * dims, f.read(4 * dims))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(shape)


def mnist(folder, split, limit=None):
    """The split's images (pixels in [0, 1]) and labels; with limit, the first `limit` of them."""
    images = "train-images-idx3-ubyte" if split == "train" else "t10k-images-idx3-ubyte"
    labels = "train-labels-idx1-ubyte" if split == "train" else "t10k-labels-idx1-ubyte"
    find = lambda name: os.path.join(folder, name) if os.path.exists(os.path.join(folder, name)) else os.path.join(folder, name + ".gz")
    x = torch.from_numpy(read_idx(find(images))[:limit].astype(np.float32) / 255.0).unsqueeze(1)
    y = torch.from_numpy(read_idx(find(labels))[:limit].astype(np.int64))
    return TensorDataset(x, y), 10, (1, x.shape[2], x.shape[3])


def image_folder(folder, size, normalize):
    from torchvision import datasets, transforms
    steps = [transforms.Resize(size), transforms.CenterCrop(size), transforms.ToTensor()]
    if normalize:
        steps.append(transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD))
    data = datasets.ImageFolder(folder, transforms.Compose(steps))
    return data, len(data.classes), (3, size, size)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", required=True, choices=cnnml_models.ARCHITECTURES)
    parser.add_argument("--mnist", help="folder with the MNIST idx files")
    parser.add_argument("--image-folder", help="ImageFolder layout: one sub-folder per class")
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--imagenet-weights", help="torchvision ImageNet .pth to start from (its classifier is replaced)")
    parser.add_argument("--init-weights", help="a CnnMl-written .pt/.safetensors to continue from (same classes)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64, help="per process")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--train-limit", type=int, help="--mnist: train on the first N training images only")
    parser.add_argument("--test-images", type=int, default=0,
                        help="--mnist: after training, rank 0 prints the accuracy on the first N test images")
    parser.add_argument("--processes", type=int,
                        help="start this many CPU (gloo) processes on this machine itself, one thread each, instead of "
                             "being started by torchrun")
    parser.add_argument("--out", required=True, help="weights for CnnMl: .pt or .safetensors")
    args = parser.parse_args()
    if (args.mnist is None) == (args.image_folder is None):
        parser.error("give exactly one of --mnist and --image-folder")
    if (args.train_limit or args.test_images) and not args.mnist:
        parser.error("--train-limit and --test-images apply to --mnist")
    if args.processes and "RANK" not in os.environ:
        # What torchrun --standalone would set up: a rendezvous on this machine and one thread per process.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # fork: the children start from this process, torch already imported (nothing has run on its thread pool yet).
        torch.multiprocessing.start_processes(launched, args=(args, port), nprocs=args.processes, start_method="fork")
    else:
        train(args)


def launched(rank, args, port):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE=str(args.processes),
                      RANK=str(rank), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    train(args)


def train(args):
    use_cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if use_cuda else "gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device("cuda", local_rank) if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    torch.manual_seed(args.seed)

    if args.mnist:
        data, classes, (c, h, w) = mnist(args.mnist, "train", args.train_limit)
    else:
        data, classes, (c, h, w) = image_folder(args.image_folder, args.image_size, normalize=args.imagenet_weights is not None)
    model = cnnml_models.build(args.arch, classes, c, h, w)
    if args.imagenet_weights:
        state = torch.load(args.imagenet_weights, map_location="cpu")
        prefix = cnnml_models.CLASSIFIER[args.arch] + "."
        state = {k: v for k, v in state.items() if not k.startswith(prefix)}
        missing, unexpected = model.load_state_dict(state, strict=False)
        assert not unexpected and all(k.startswith(prefix) for k in missing), (missing, unexpected)
    if args.init_weights:
        cnnml_models.load_state_dict(model, args.init_weights)
    model.to(device)
    model = DistributedDataParallel(model, device_ids=[local_rank] if use_cuda else None)

    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True, seed=args.seed)
    loader = DataLoader(data, batch_size=args.batch_size, sampler=sampler, num_workers=2 if args.image_folder else 0)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        model.train()
        total, correct, loss_sum = 0, 0, 0.0
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            optimizer.zero_grad()
            logits = model(x)
            loss = loss_fn(logits, y)
            loss.backward()
            optimizer.step()
            total += y.numel()
            correct += (logits.argmax(1) == y).sum().item()
            loss_sum += loss.item() * y.numel()
        stats = torch.tensor([total, correct, loss_sum], dtype=torch.float64, device=device)
        dist.all_reduce(stats)
        if rank == 0:
            print(f"epoch {epoch + 1}/{args.epochs}: loss {stats[2] / stats[0]:.4f}, train acc {stats[1] / stats[0]:.2%} "
                  f"({int(stats[0])} images over {world} processes)")

    if rank == 0:
        # model.module: the network itself, without DDP's 'module.' prefix.
        cnnml_models.save_state_dict(model.module, args.out)
        print(f"wrote {args.out}: CnnTrainerOptions {{ Architecture = \"{args.arch}\", InitialWeights = \"{args.out}\", Epochs = 0 }}")
        if args.test_images:
            test, _, _ = mnist(args.mnist, "test", args.test_images)
            x, y = test.tensors
            model.module.eval()
            with torch.no_grad():
                correct = sum((model.module(x[i:i + 1000].to(device)).argmax(1).cpu() == y[i:i + 1000]).sum().item()
                              for i in range(0, len(x), 1000))
            print(f"test accuracy in PyTorch on the first {len(x)} test images: {correct / len(x):.2%} ({correct}/{len(x)})")
    # Every rank waits here until rank 0 has saved and scored: no rank tears the process group down under another.
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
