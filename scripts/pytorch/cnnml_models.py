"""PyTorch definitions matching CnnMl's registry, so state dicts move both ways unchanged.

Every module here has exactly the parameter and buffer names and shapes of the CnnMl architecture of the same
name (the C# modules were written to PyTorch's names; CnnMl's tests compare them with state dicts saved by
PyTorch 1.13 / torchvision 0.14):

    mnist-cnn        the source document's CNN class (conv1, conv2, conv3 Sequentials, out Linear)
    lenet5           d2l's LeNet-5 nn.Sequential (sigmoid, average pooling)
    resnet18, resnet50, resnext50-32x4d, mobilenet-v2
                     torchvision.models builders (torchvision >= 0.13)

Pixels: CnnMl's MNIST loader gives values in [0, 1] (ToTensor's scale) and no normalization; torchvision's
ImageNet weights expect [0, 1] pixels normalized with mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225).
"""
import torch
from torch import nn

ARCHITECTURES = ("mnist-cnn", "lenet5", "resnet18", "resnet50", "resnext50-32x4d", "mobilenet-v2")

# The state-dict prefix of each architecture's classifier layer (CnnArchitecture.ClassifierName in CnnMl).
CLASSIFIER = {
    "mnist-cnn": "out",
    "lenet5": "11",
    "resnet18": "fc",
    "resnet50": "fc",
    "resnext50-32x4d": "fc",
    "mobilenet-v2": "classifier.1",
}


class CNN(nn.Module):
    """The source document's MNIST network: three conv 'sets' and one linear layer."""

    def __init__(self, in_channels=1, height=28, width=28, num_classes=10):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(in_channels, 16, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2))
        self.conv2 = nn.Sequential(nn.Conv2d(16, 32, 5, 1, 2), nn.ReLU(),
                                   nn.Conv2d(32, 32, 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2))
        self.conv3 = nn.Sequential(nn.Conv2d(32, 64, 5, 1, 2), nn.ReLU())
        self.out = nn.Linear(64 * (height // 4) * (width // 4), num_classes)

    def forward(self, x):
        x = self.conv3(self.conv2(self.conv1(x)))
        return self.out(x.flatten(1))


def lenet5(in_channels=1, height=28, width=28, num_classes=10):
    """d2l's LeNet-5: its indices (0, 3, 7, 9, 11) are the state-dict names."""
    h = (height // 2 - 4) // 2
    w = (width // 2 - 4) // 2
    return nn.Sequential(
        nn.Conv2d(in_channels, 6, kernel_size=5, padding=2), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * h * w, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, num_classes))


def build(name, num_classes, in_channels=3, height=224, width=224):
    """The PyTorch module for CnnMl architecture `name`, for an in_channels x height x width input."""
    if name == "mnist-cnn":
        return CNN(in_channels, height, width, num_classes)
    if name == "lenet5":
        return lenet5(in_channels, height, width, num_classes)
    import torchvision
    builders = {
        "resnet18": torchvision.models.resnet18,
        "resnet50": torchvision.models.resnet50,
        "resnext50-32x4d": torchvision.models.resnext50_32x4d,
        "mobilenet-v2": torchvision.models.mobilenet_v2,
    }
    if name not in builders:
        raise ValueError(f"unknown architecture {name!r}; known: {', '.join(ARCHITECTURES)}")
    model = builders[name](num_classes=num_classes)
    if in_channels != 3:
        # CnnMl builds the stem for the image's channels, with torchvision's layer otherwise unchanged.
        if name == "mobilenet-v2":
            model.features[0][0] = nn.Conv2d(in_channels, 32, 3, 2, 1, bias=False)
        else:
            model.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
    return model


def save_state_dict(model, path):
    """Writes model's weights where CnnMl reads them (CnnTrainerOptions.InitialWeights, cnnml train --weights).

    .pt/.pth: torch.save of the state_dict (not the module); .safetensors: needs the safetensors package.
    A DistributedDataParallel wrapper is unwrapped first (CnnMl would also drop a 'module.' prefix).
    """
    model = getattr(model, "module", model)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if str(path).endswith(".safetensors"):
        from safetensors.torch import save_file
        save_file(state, str(path))
    else:
        torch.save(state, path)


def load_state_dict(model, path):
    """Loads a file written by CnnMl (CnnTransformer.SaveWeights, cnnml train --weights-out) with strict=True."""
    if str(path).endswith(".safetensors"):
        from safetensors.torch import load_file
        state = load_file(str(path))
    else:
        state = torch.load(path, map_location="cpu")
    model.load_state_dict(state, strict=True)
    return model
