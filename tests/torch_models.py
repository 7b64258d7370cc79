"""The engine's templates written in plain PyTorch (torchvision is not packaged in Debian), for
the benchmarks' PyTorch peer and the ONNX import tests."""


def resnet(torch, depth, cifar, classes):
    """ResNet-18/34/50 as the engine's templates build them (torchvision v1.5 layout)."""
    assert depth in (18, 34, 50), f"ResNet depth {depth} is not 18, 34 or 50"
    nn = torch.nn

    def conv_bn(cin, cout, k, s, relu=True):
        layers = [nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout)]
        return nn.Sequential(*(layers + [nn.ReLU()] if relu else layers))

    class Block(nn.Module):
        def __init__(self, cin, width, stride, bottleneck):
            super().__init__()
            cout = width * 4 if bottleneck else width
            if bottleneck:
                self.branch = nn.Sequential(conv_bn(cin, width, 1, 1), conv_bn(width, width, 3, stride),
                                            conv_bn(width, cout, 1, 1, False))
            else:
                self.branch = nn.Sequential(conv_bn(cin, width, 3, stride), conv_bn(width, width, 3, 1, False))
            self.short = conv_bn(cin, cout, 1, stride, False) if stride != 1 or cin != cout else nn.Identity()

        def forward(self, x):
            return torch.relu(self.branch(x) + self.short(x))

    bottleneck = depth == 50
    blocks = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 6, 3]}[depth]
    layers = [conv_bn(3, 64, 3, 1)] if cifar else [conv_bn(3, 64, 7, 2), nn.MaxPool2d(3, 2, 1)]
    cin = 64
    for stage, (n, width) in enumerate(zip(blocks, [64, 128, 256, 512])):
        for i in range(n):
            layers.append(Block(cin, width, 2 if stage > 0 and i == 0 else 1, bottleneck))
            cin = width * 4 if bottleneck else width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, classes)]
    return nn.Sequential(*layers)


def mlp(torch, classes=10):
    nn = torch.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256),
                         nn.ReLU(), nn.Linear(256, classes))


def lenet5(torch, classes=10):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, classes))


def cnn_small(torch, classes=10):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, classes))


def by_name(torch, name, classes):
    if name == "mlp":
        return mlp(torch, classes)
    if name == "lenet5":
        return lenet5(torch, classes)
    if name == "cnn-small":
        return cnn_small(torch, classes)
    depth = int(name[6:8])
    return resnet(torch, depth, name.endswith("-cifar"), classes)
