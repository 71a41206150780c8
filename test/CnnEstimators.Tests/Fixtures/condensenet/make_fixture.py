"""Conformance fixture for CnnMl's CondenseNet, made with the official code (github.com/ShichenLiu/CondenseNet @ 833a91d).

usage: python3 make_fixture.py OFFICIAL_REPO_DIR OUT_DIR   (PyTorch 1.13, CPU)

A small CIFAR-style CondenseNet (stages 2-2-2, growth 4-8-8, G = C = 4, bottleneck 4, 3x32x32, 10 classes) with
random weights and batch-norm statistics is condensed by the official LearnedGroupConv._check_drop (progress 0.2,
0.4, 0.6 -> stages 1, 2, 3, with the weights perturbed between stages), then converted by utils.convert_model.
Writes condensenet-small.pt (training-form state_dict, masks included), condensenet-small-converted.pt
(converted state_dict), the input batch and both forms' eval-mode logits as little-endian float32, and a json
with shapes and state-dict names.
"""
import json, sys, types
import torch

sys.path.insert(0, sys.argv[1])
from models.condensenet import CondenseNet
from layers import LearnedGroupConv
from utils import convert_model

out = sys.argv[2]
torch.manual_seed(2018)
args = types.SimpleNamespace(data='cifar10', stages=[2, 2, 2], growth=[4, 8, 8], num_classes=10, bottleneck=4,
                             group_1x1=4, group_3x3=4, condense_factor=4, dropout_rate=0.0)
model = CondenseNet(args)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5); m.bias.normal_(0, 0.2)
            m.running_mean.normal_(0, 0.2); m.running_var.uniform_(0.5, 1.5)
    model.classifier.weight.normal_(0, 1); model.classifier.bias.normal_(0, 1)
model.eval()
x = torch.randn(2, 3, 32, 32)
with torch.no_grad():
    for progress in (0.2, 0.4, 0.6):
        for m in model.modules():
            if isinstance(m, LearnedGroupConv):
                m.conv.weight.add_(0.5 * torch.randn_like(m.conv.weight))
        model(x, progress)  # forward runs _check_drop at LearnedGroupConv.global_progress
    assert all(m.stage == 3 for m in model.modules() if isinstance(m, LearnedGroupConv))
    y = model(x)
torch.save(model.state_dict(), f'{out}/condensenet-small.pt')
names = [[k, list(v.shape)] for k, v in model.state_dict().items()]

convert_model(model, args)
model.eval()
with torch.no_grad():
    yc = model(x)
torch.save(model.state_dict(), f'{out}/condensenet-small-converted.pt')
names_c = [[k, list(v.shape)] for k, v in model.state_dict().items()]

x.numpy().astype('<f4').tofile(f'{out}/condensenet-small.input.f32')
y.numpy().astype('<f4').tofile(f'{out}/condensenet-small.output.f32')
yc.numpy().astype('<f4').tofile(f'{out}/condensenet-small-converted.output.f32')
json.dump({'stages': args.stages, 'growth': args.growth, 'input_shape': list(x.shape), 'output_shape': list(y.shape),
           'state_dict': names, 'converted_state_dict': names_c}, open(f'{out}/condensenet-small.json', 'w'))
print('max|y|', y.abs().max().item(), 'max|yc|', yc.abs().max().item(), 'max|y-yc|', (y - yc).abs().max().item())
