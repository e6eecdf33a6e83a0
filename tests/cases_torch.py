"""The PyTorch front end: every rule in the ways PyTorch models are written (`nn.Sequential`,
`nn.Module` subclasses with `forward`, criteria and functional losses applied to a model's output),
and the legitimate designs that must stay silent."""

from __future__ import annotations

from tests.conftest import Case

INVALID = [
    # ---- KA101 / KA103: affine modules that collapse
    Case(
        "sequential-of-two-linears",
        """
        import torch.nn as nn

        model = nn.Sequential(
            nn.Linear(20, 100),
            nn.Linear(100, 1),
        )
        """,
        ((3, 8, "KA103"), (4, 4, "KA101")),
    ),
    Case(
        "collapse-through-dropout-and-batchnorm",
        """
        import torch.nn as nn

        model = nn.Sequential(
            nn.Linear(20, 64),
            nn.Dropout(0.5),
            nn.BatchNorm1d(64),
            nn.Linear(64, 64),
            nn.ReLU(),
            nn.Linear(64, 1),
        )
        """,
        ((4, 4, "KA101"),),
    ),
    Case(
        "forward-with-one-activation-missing",
        """
        import torch
        from torch import nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 100)
                self.fc2 = nn.Linear(100, 10)
                self.fc3 = nn.Linear(10, 1)

            def forward(self, x):
                x = F.relu(self.fc1(x))
                x = self.fc2(x)
                return self.fc3(x)
        """,
        ((10, 19, "KA101"),),
    ),
    Case(
        "forward-nesting-old-style-super",
        """
        import torch.nn as nn


        class Regressor(nn.Module):
            def __init__(self):
                super(Regressor, self).__init__()
                self.hidden = nn.Linear(8, 32)
                self.out = nn.Linear(32, 1)

            def forward(self, x):
                return self.out(self.hidden(x))
        """,
        ((4, 0, "KA103"), (7, 22, "KA101")),
    ),
    Case(
        "forward-module-init-spelling-and-f-dropout",
        """
        import torch
        import torch.nn
        import torch.nn.functional as F


        class Net(torch.nn.Module):
            def __init__(self):
                torch.nn.Module.__init__(self)
                self.fc1 = torch.nn.Linear(20, 64)
                self.fc2 = torch.nn.Linear(64, 1)

            def forward(self, x):
                return self.fc2(F.dropout(self.fc1(x), 0.5, self.training))
        """,
        ((6, 0, "KA103"), (9, 19, "KA101")),
    ),
    Case(
        "modulelist-loop-without-activation",
        """
        import torch.nn as nn


        class Stack(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(8, 8), nn.Linear(8, 8), nn.Linear(8, 1)])

            def forward(self, x):
                for layer in self.layers:
                    x = layer(x)
                return x
        """,
        ((4, 0, "KA103"), (7, 37, "KA101"), (7, 54, "KA101")),
    ),
    Case(
        "concatenated-linears-into-a-linear",
        """
        import torch
        import torch.nn as nn


        class TwoTower(nn.Module):
            def __init__(self):
                super().__init__()
                self.user = nn.Linear(10, 16)
                self.item = nn.Linear(10, 16)
                self.head = nn.Linear(32, 1)

            def forward(self, u, i):
                return self.head(torch.cat([self.user(u), self.item(i)], dim=1))
        """,
        ((5, 0, "KA103"), (8, 20, "KA101"), (9, 20, "KA101")),
    ),
    Case(
        "nested-sequential",
        """
        import torch.nn as nn

        encoder = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 16))
        model = nn.Sequential(encoder, nn.Linear(16, 1))
        """,
        ((3, 54, "KA101"),),
    ),
    Case(
        "ordereddict-sequential",
        """
        from collections import OrderedDict

        import torch.nn as nn

        model = nn.Sequential(OrderedDict([
            ("fc1", nn.Linear(20, 64)),
            ("fc2", nn.Linear(64, 1)),
        ]))
        """,
        ((5, 8, "KA103"), (6, 12, "KA101")),
    ),
    Case(
        "add-module-and-append",
        """
        import torch.nn as nn

        model = nn.Sequential()
        model.add_module("fc1", nn.Linear(20, 64))
        model.append(nn.Linear(64, 1))
        """,
        ((3, 8, "KA103"), (4, 24, "KA101")),
    ),
    Case(
        "from-torch-nn-import-names",
        """
        from torch.nn import Linear, Sequential

        model = Sequential(Linear(20, 64), Linear(64, 1))
        """,
        ((3, 8, "KA103"), (3, 19, "KA101")),
    ),
    Case(
        "torch-nn-modules-path",
        """
        from torch.nn.modules.linear import Linear
        import torch

        model = torch.nn.Sequential(Linear(20, 64), torch.nn.Linear(64, 1))
        """,
        ((4, 8, "KA103"), (4, 28, "KA101")),
    ),
    Case(
        "convolutions-without-activation",
        """
        import torch.nn as nn

        features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        """,
        ((4, 4, "KA101"),),
    ),
    Case(
        "ka104-bottleneck-by-name-in-init",
        """
        import torch.nn as nn


        class AutoEncoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Linear(784, 32)
                self.decoder = nn.Linear(32, 784)

            def forward(self, x):
                return self.decoder(self.encoder(x)).sigmoid()
        """,
        ((7, 23, "KA104"),),
    ),
    Case(
        "ka104-no-bias",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(64, 8, bias=False), nn.Linear(8, 64), nn.Tanh())
        """,
        ((3, 22, "KA104"),),
    ),
    Case(
        "ka104-depthwise-then-pointwise-with-keyword-dict",
        """
        import torch.nn as nn


        def separable(channels, out, dd):
            return nn.Sequential(
                nn.Conv2d(channels, channels, 3, padding=1, groups=channels, **dd),
                nn.Conv2d(channels, out, 1, **dd),
                nn.ReLU(),
            )
        """,
        ((6, 8, "KA104"),),
    ),
    # ---- KA201: softmax over one unit
    Case(
        "softmax-module-over-one-unit",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1), nn.Softmax(dim=-1))
        """,
        ((3, 68, "KA201"),),
    ),
    Case(
        "softmax-method-over-one-unit",
        """
        import torch
        import torch.nn as nn


        class Scorer(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 64)
                self.fc2 = nn.Linear(64, 1)

            def forward(self, x):
                return self.fc2(torch.tanh(self.fc1(x))).softmax(-1)
        """,
        ((12, 15, "KA201"),),
    ),
    Case(
        "softmax-dim-1-after-a-flatten",
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(1, 8, 3)
                self.fc1 = nn.Linear(8 * 26 * 26, 64)
                self.fc2 = nn.Linear(64, 1)

            def forward(self, x):
                x = torch.flatten(F.relu(self.conv(x)), 1)
                return F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)
        """,
        ((15, 15, "KA201"),),
    ),
    Case(
        "softmax-over-one-channel-of-a-convolution",
        """
        import torch.nn as nn

        segmenter = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 1, 1), nn.Softmax(dim=1))
        """,
        ((3, 90, "KA201"),),
    ),
    # ---- KA202: the loss squashes again
    Case(
        "softmax-into-cross-entropy-loss",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1))
        criterion = nn.CrossEntropyLoss()


        def train(loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
        """,
        ((10, 15, "KA202"),),
    ),
    Case(
        "forward-softmax-into-f-cross-entropy",
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                return F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)


        model = Net()
        for data, target in loader:
            out = model(data)
            loss = F.cross_entropy(out, target)
        """,
        ((19, 11, "KA202"),),
    ),
    Case(
        "log-softmax-into-cross-entropy-loss",
        """
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 3))
        criterion = nn.CrossEntropyLoss()
        loss = criterion(F.log_softmax(model(x), dim=1), y)
        """,
        ((6, 7, "KA202"),),
    ),
    Case(
        "sigmoid-into-bce-with-logits",
        """
        import torch
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
        criterion = nn.BCEWithLogitsLoss()
        out = model(torch.randn(4, 20))
        loss = criterion(out, torch.ones(4, 1))
        """,
        ((7, 7, "KA202"),),
    ),
    Case(
        "model-given-to-a-training-function",
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 1)

            def forward(self, x):
                return torch.sigmoid(self.fc2(torch.relu(self.fc1(x))))


        def train(model, loader):
            for data, target in loader:
                output = model(data)
                loss = F.binary_cross_entropy_with_logits(output, target)
                loss.backward()


        def main(device):
            model = Net().to(device)
            model.train()
            train(model, [])
        """,
        ((19, 15, "KA202"),),
    ),
    # ---- KA203: the loss reads what the output is not
    Case(
        "linear-output-into-bce-loss",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1))
        criterion = nn.BCELoss()


        def step(x, y):
            out = model(x)
            return criterion(out, y)
        """,
        ((9, 11, "KA203"),),
    ),
    Case(
        "tanh-output-into-f-binary-cross-entropy",
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1), nn.Tanh())
        loss = F.binary_cross_entropy(model(x), y)
        """,
        ((6, 7, "KA203"),),
    ),
    Case(
        "logits-into-nll-loss",
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 3))
        out = model(torch.randn(4, 20))
        loss = F.nll_loss(out, torch.zeros(4, dtype=torch.long))
        """,
        ((7, 7, "KA203"),),
    ),
    Case(
        "softmax-without-log-into-nll-loss",
        """
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 3))
        criterion = nn.NLLLoss()
        loss = criterion(F.softmax(model(x), dim=1), y)
        """,
        ((6, 7, "KA203"),),
    ),
    # ---- KA204: a cross-entropy over one class
    Case(
        "cross-entropy-loss-on-one-unit",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1))
        criterion = nn.CrossEntropyLoss()
        loss = criterion(model(x), y)
        """,
        ((5, 7, "KA204"),),
    ),
    # ---- KA306: a declared input width that is not the width fed to it
    Case(
        "linear-in-features-mismatch",
        """
        import torch.nn as nn

        model = nn.Sequential(
            nn.Linear(20, 100),
            nn.ReLU(),
            nn.Dropout(0.2),
            nn.Linear(50, 1),
        )
        """,
        ((7, 4, "KA306"),),
    ),
    Case(
        "conv-in-channels-mismatch",
        """
        import torch.nn as nn

        model = nn.Sequential(
            nn.Conv2d(3, 16, 3),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3),
            nn.ReLU(),
        )
        """,
        ((8, 4, "KA306"),),
    ),
    Case(
        "batchnorm-num-features-mismatch",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(32), nn.ReLU())
        """,
        ((3, 43, "KA306"),),
    ),
    Case(
        "linear-in-features-mismatch-in-forward",
        """
        import torch
        import torch.nn as nn

        HIDDEN = 128


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, HIDDEN)
                self.fc2 = nn.Linear(64, 10)

            def forward(self, x):
                return self.fc2(torch.relu(self.fc1(x)))
        """,
        ((11, 19, "KA306"),),
    ),
]

VALID = [
    Case(
        "regression-head-after-relu",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 1))
        criterion = nn.MSELoss()
        loss = criterion(model(x), y)
        """,
    ),
    Case(
        "single-linear-layer",
        """
        import torch

        model = torch.nn.Linear(13, 1)
        loss = torch.nn.MSELoss()(model(x), y)
        """,
    ),
    Case(
        "logits-into-cross-entropy",
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = torch.flatten(x, 1)
                return self.fc2(F.relu(self.fc1(x)))


        model = Net()
        criterion = nn.CrossEntropyLoss()


        def train(loader):
            for x, y in loader:
                loss = criterion(model(x), y) + F.cross_entropy(model(x), y)
                loss.backward()
        """,
    ),
    Case(
        "log-softmax-into-nll-loss",
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.conv1 = nn.Conv2d(1, 32, 3, 1)
                self.conv2 = nn.Conv2d(32, 64, 3, 1)
                self.dropout = nn.Dropout(0.25)
                self.fc1 = nn.Linear(9216, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                x = F.relu(self.conv2(x))
                x = F.max_pool2d(x, 2)
                x = torch.flatten(self.dropout(x), 1)
                x = F.relu(self.fc1(x))
                return F.log_softmax(self.fc2(x), dim=1)


        def train(model, loader):
            for data, target in loader:
                output = model(data)
                loss = F.nll_loss(output, target)
                loss.backward()


        def main():
            train(Net(), [])
        """,
    ),
    Case(
        "log-softmax-applied-on-the-way-into-nll-loss",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 3))
        criterion = nn.NLLLoss()
        loss = criterion(model(x).log_softmax(dim=1), y)
        """,
    ),
    Case(
        "sigmoid-into-bce-loss",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1), nn.Sigmoid())
        criterion = nn.BCELoss()
        loss = criterion(model(x), y)
        """,
    ),
    Case(
        "raw-logits-into-bce-with-logits",
        """
        import torch.nn as nn
        import torch.nn.functional as F

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 1))
        criterion = nn.BCEWithLogitsLoss()
        loss = criterion(model(x), y) + F.binary_cross_entropy_with_logits(model(x), y)
        """,
    ),
    Case(
        "attention-projections",
        """
        import math

        import torch
        import torch.nn as nn


        class SelfAttention(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.q = nn.Linear(d, d)
                self.k = nn.Linear(d, d)
                self.v = nn.Linear(d, d)
                self.out = nn.Linear(d, d)

            def forward(self, x):
                q, k, v = self.q(x), self.k(x), self.v(x)
                scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
                weights = scores.softmax(dim=-1)
                return self.out(torch.matmul(weights, v))
        """,
    ),
    Case(
        "softmax-dim-1-over-the-steps-of-attention-scores",
        """
        import torch
        import torch.nn as nn


        class AttentionPool(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.score = nn.Linear(d, 1)
                self.key = nn.Linear(d, d)

            def forward(self, x):
                weights = torch.softmax(self.score(torch.tanh(self.key(x))), dim=1)
                scores = torch.bmm(self.key(x), x.transpose(1, 2))
                return (weights * x).sum(dim=1), torch.softmax(scores, dim=1)
        """,
    ),
    Case(
        "residual-shortcut",
        """
        import torch.nn as nn


        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.fc = nn.Linear(d, d)
                self.norm = nn.LayerNorm(d)

            def forward(self, x):
                return self.norm(x + self.fc(x))
        """,
    ),
    Case(
        "identity-between",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Identity(), nn.Linear(64, 1))
        """,
    ),
    Case(
        "linear-of-another-library",
        """
        import torch
        from mylib import Linear


        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = Linear(3, 4)
                self.b = Linear(4, 5)

            def forward(self, x):
                return self.b(self.a(x))


        model = torch.nn.Sequential(Linear(20, 64), Linear(64, 1))
        """,
    ),
    Case(
        "forward-through-an-unknown-helper",
        """
        import torch.nn as nn
        from helpers import mix


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(20, 64)
                self.fc2 = nn.Linear(64, 1)
                self.fc3 = nn.Linear(1, 1)

            def forward(self, x):
                return self.fc3(self.gate(self.fc2(mix(self.fc1(x)))))

            def gate(self, x):
                return x * x.sigmoid()
        """,
    ),
    Case(
        "every-import-spelling-with-activations",
        """
        import torch
        import torch.nn
        import torch.nn as nn
        import torch.nn.functional as F
        from torch import nn as tnn
        from torch.nn import Linear, ReLU, Sequential

        a = Sequential(Linear(4, 8), ReLU(), Linear(8, 1))
        b = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.GELU(), torch.nn.Linear(8, 1))
        c = tnn.Sequential(tnn.Linear(4, 8), tnn.SiLU(), nn.Linear(8, 1))


        class Net(tnn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(4, 8)
                self.fc2 = nn.Linear(8, 8)
                self.fc3 = nn.Linear(8, 8)
                self.fc4 = nn.Linear(8, 1)

            def forward(self, x):
                x = F.relu(self.fc1(x))
                x = torch.relu(self.fc2(x))
                x = self.fc3(x).relu()
                return self.fc4(x)
        """,
    ),
    Case(
        "modulelist-loop-with-activation",
        """
        import torch.nn as nn
        import torch.nn.functional as F


        class MLP(nn.Module):
            def __init__(self, sizes):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])])
                self.blocks = nn.ModuleDict({"a": nn.Linear(8, 8), "b": nn.Linear(8, 8)})
                self.act = nn.GELU()

            def forward(self, x):
                for layer in self.layers:
                    x = F.relu(layer(x))
                for name in ("a", "b"):
                    x = self.act(self.blocks[name](x))
                return x
        """,
    ),
    Case(
        "modulelist-appended-with-activation-but-the-last",
        """
        import torch
        import torch.nn as nn


        class MLP(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList()
                for _ in range(3):
                    self.layers.append(nn.Linear(8, 8))

            def forward(self, x):
                for i, layer in enumerate(self.layers):
                    x = layer(x)
                    if i < len(self.layers) - 1:
                        x = torch.relu(x)
                return x
        """,
    ),
    Case(
        "concatenated-activated-branches",
        """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F


        class TwoTower(nn.Module):
            def __init__(self):
                super().__init__()
                self.user = nn.Linear(10, 16)
                self.item = nn.Linear(10, 16)
                self.head = nn.Linear(32, 1)

            def forward(self, u, i):
                return self.head(torch.cat([F.relu(self.user(u)), F.relu(self.item(i))], dim=1))
        """,
    ),
    Case(
        "nested-sequential-with-activations",
        """
        import torch.nn as nn

        block = nn.Sequential(nn.Linear(20, 64), nn.ReLU())
        model = nn.Sequential(block, nn.Sequential(nn.Linear(64, 64), nn.ReLU()), nn.Linear(64, 1))
        """,
    ),
    Case(
        "ordereddict-sequential-with-activation",
        """
        from collections import OrderedDict

        import torch.nn as nn

        model = nn.Sequential(OrderedDict([
            ("fc1", nn.Linear(20, 64)),
            ("relu1", nn.ReLU()),
            ("fc2", nn.Linear(64, 1)),
        ]))
        """,
    ),
    Case(
        "add-module-and-append-with-activation",
        """
        import torch.nn as nn

        model = nn.Sequential()
        model.add_module("fc1", nn.Linear(20, 64))
        model.add_module("relu", nn.ReLU())
        model.append(nn.Linear(64, 1))
        """,
    ),
    Case(
        "convolutional-classifier",
        """
        import torch.nn as nn

        model = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1),
            nn.BatchNorm2d(16),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(32, 10),
        )
        """,
    ),
    Case(
        "widths-changed-by-reshapes",
        """
        import torch
        import torch.nn as nn


        class LeNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.seq = nn.Conv1d(8, 16, 3)
                self.fc2 = nn.Linear(100, 10)

            def forward(self, x, s):
                x = torch.relu(self.conv(x)).view(-1, 400)
                return self.fc1(x), self.fc2(torch.relu(self.seq(s)).mean(dim=1))
        """,
    ),
    Case(
        "glu-halves-the-width",
        """
        import torch.nn as nn
        import torch.nn.functional as F


        class Gated(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Linear(10, 64)
                self.b = nn.Linear(32, 1)

            def forward(self, x):
                return self.b(F.glu(self.a(x)))
        """,
    ),
    Case(
        "embedding-lstm-and-side-by-side-heads",
        """
        import torch.nn as nn


        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.embed = nn.Embedding(100, 16)
                self.proj = nn.Linear(16, 32)
                self.lstm = nn.LSTM(32, 20, batch_first=True)
                self.cls_score = nn.Linear(20, 5)
                self.bbox_pred = nn.Linear(20, 20)

            def forward(self, x):
                out, _ = self.lstm(self.proj(self.embed(x)))
                last = out[:, -1]
                return self.cls_score(last), self.bbox_pred(last)
        """,
    ),
    Case(
        "criterion-applied-to-something-else",
        """
        import torch.nn as nn

        model = nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 3), nn.Softmax(dim=1))
        criterion = nn.CrossEntropyLoss()
        loss = criterion(logits, y)
        """,
    ),
]
