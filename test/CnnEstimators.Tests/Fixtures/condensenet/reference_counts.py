# Reference numbers from the official CondenseNet code (ShichenLiu/CondenseNet @ 833a91d, 2019-06-04), PyTorch 1.13.
# usage: python3 reference_counts.py OFFICIAL_REPO_DIR condensenet86|condensenet74   (PyTorch 1.13, CPU)
# Prints the numbers CondenseNetTests asserts.
import sys, types, torch, torch.nn as nn
sys.path.insert(0, sys.argv[1])
from models.condensenet import CondenseNet
from models.condensenet_converted import CondenseNet as CondenseNetConverted
from layers import LearnedGroupConv
from utils import convert_model, measure_model

CONFIGS = {
    'condensenet86': ('cifar10', [14, 14, 14], [8, 16, 32], 10, 32),
    'condensenet74': ('imagenet', [4, 6, 8, 10, 8], [8, 16, 32, 64, 128], 1000, 224),
}

def params(m): return sum(p.numel() for p in m.parameters())

def macs(model, size):
    """conv: output elements x (Cin/groups) x kernel volume; linear: in x out. LearnedGroupConv calls
    F.conv2d itself (its .conv never runs), so it is counted as the full masked 1x1 conv."""
    total = [0]
    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            total[0] += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, nn.Linear):
            total[0] += m.in_features * m.out_features
        elif isinstance(m, LearnedGroupConv):
            total[0] += out.numel() * m.in_channels
    hs = [m.register_forward_hook(hook) for m in model.modules()
          if isinstance(m, (nn.Conv2d, nn.Linear, LearnedGroupConv))]
    model.eval()
    with torch.no_grad(): model(torch.zeros(1, 3, size, size))
    for h in hs: h.remove()
    return total[0]

name = sys.argv[2]
data, stages, growth, classes, size = CONFIGS[name]
a = types.SimpleNamespace(data=data, stages=stages, growth=growth, num_classes=classes,
    bottleneck=4, group_1x1=4, group_3x3=4, condense_factor=4, dropout_rate=0.0)
torch.manual_seed(0)
train = CondenseNet(a)
LearnedGroupConv.global_progress = 0.0
flops_train, _ = measure_model(train, size, size)
print(name, 'training form: params', params(train), 'MACs', macs(train, size), 'measure_model FLOPs', int(flops_train), flush=True)

official_converted = CondenseNetConverted(a)
for b in official_converted.buffers():
    if b.dtype == torch.long: b.zero_()   # index buffers are uninitialized until a state dict is loaded
flops_conv, _ = measure_model(official_converted, size, size)
print(name, 'condensenet_converted: params', params(official_converted), 'MACs', macs(official_converted, size),
      'measure_model FLOPs', int(flops_conv), flush=True)

# the same through convert_model after the last condensing stage
LearnedGroupConv.global_progress = 1.0
train.eval()
with torch.no_grad(): train(torch.zeros(1, 3, size, size))   # _check_drop runs in forward
convert_model(train, a)
print(name, 'convert_model(trained form): params', params(train), 'MACs', macs(train, size), flush=True)
