"""The engine's templates written in plain PyTorch, as people write them (nn.MultiheadAttention,
not the template's separate projections), for the benchmarks' PyTorch peer and the ONNX import
tests."""


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


def mobilenet_v2_cifar(torch, classes=10, width=1.0, dropout=0.2):
    """MobileNetV2, CIFAR form (3x3/1 stem, stride 1 in the 24-channel stage), as the template."""
    nn = torch.nn

    def divisible(v):  # torchvision's _make_divisible(v, 8)
        r = max(8, int(v + 4) // 8 * 8)
        return r + 8 if r < 0.9 * v else r

    def conv_bn(cin, cout, k, s, groups=1, relu6=True):
        layers = [nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
        return nn.Sequential(*(layers + [nn.ReLU6()] if relu6 else layers))

    class InvertedResidual(nn.Module):
        def __init__(self, cin, cout, stride, t):
            super().__init__()
            hidden = cin * t
            layers = [conv_bn(cin, hidden, 1, 1)] if t != 1 else []
            layers += [conv_bn(hidden, hidden, 3, stride, hidden), conv_bn(hidden, cout, 1, 1, 1, False)]
            self.branch = nn.Sequential(*layers)
            self.residual = stride == 1 and cin == cout

        def forward(self, x):
            return self.branch(x) + x if self.residual else self.branch(x)

    cin = divisible(32 * width)
    layers = [conv_bn(3, cin, 3, 1)]
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            layers.append(InvertedResidual(cin, divisible(c * width), s if i == 0 else 1, t))
            cin = divisible(c * width)
    head = divisible(1280 * max(1.0, width))
    layers += [conv_bn(cin, head, 1, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout),
               nn.Linear(head, classes)]
    return nn.Sequential(*layers)


def vit_tiny(torch, classes=10, image=(1, 28, 28), patch=7, dim=64, depth=4, heads=4, mlp_ratio=2):
    """The vit-tiny template: patch convolution, learned positions, pre-norm blocks of multi-head
    self-attention and a GELU MLP, LayerNorm, mean over tokens, Linear."""
    nn = torch.nn
    tokens = (image[1] // patch) * (image[2] // patch)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
            self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
            self.mlp = nn.Sequential(nn.Linear(dim, dim * mlp_ratio), nn.GELU(),
                                     nn.Linear(dim * mlp_ratio, dim))

        def forward(self, x):
            h = self.ln1(x)
            x = x + self.attn(h, h, h, need_weights=False)[0]
            return x + self.mlp(self.ln2(x))

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            self.patches = nn.Conv2d(image[0], dim, patch, patch)
            self.position = nn.Parameter(torch.zeros(tokens, dim))
            self.blocks = nn.Sequential(*[Block() for _ in range(depth)])
            self.norm, self.head = nn.LayerNorm(dim), nn.Linear(dim, classes)

        def forward(self, x):
            x = self.patches(x).flatten(2).transpose(1, 2) + self.position
            return self.head(self.norm(self.blocks(x)).mean(dim=1))

    return ViT()


def by_name(torch, name, classes):
    if name == "mobilenet-v2-cifar":
        return mobilenet_v2_cifar(torch, classes)
    if name == "vit-tiny":
        return vit_tiny(torch, classes)
    if name == "mlp":
        return mlp(torch, classes)
    if name == "lenet5":
        return lenet5(torch, classes)
    if name == "cnn-small":
        return cnn_small(torch, classes)
    depth = int(name[6:8])
    return resnet(torch, depth, name.endswith("-cifar"), classes)
