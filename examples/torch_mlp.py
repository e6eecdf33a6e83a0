"""The same regression mistake in PyTorch, and a classifier whose loss squashes twice.

`flake8 --select=KA examples/` reports KA103 and KA101 on the regressor (no activation between its
`Linear` modules) and KA202 where the classifier's softmax output meets CrossEntropyLoss.
"""

import torch
from torch import nn

regressor = nn.Sequential(
    nn.Linear(2, 20),
    nn.Linear(20, 1),
)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 128)
        self.out = nn.Linear(128, 10)

    def forward(self, x):
        return torch.softmax(self.out(torch.relu(self.hidden(x))), dim=1)


model = Classifier()
criterion = nn.CrossEntropyLoss()


def train(loader, optimizer):
    for images, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
