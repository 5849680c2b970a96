"""Distances to the non-smooth points of a network, per sample: a sample within KINK_MARGIN of a kink (a
ReLU at zero, a max-pool tie, a clip boundary) could land on the other side in float32, where the Hessian is
another one, so such samples are dropped from a case's data."""
import torch

KINK_MARGIN = 1e-3


class Kinks:
    def __init__(self):
        self.parts = []

    def add(self, distance):
        """distance: [N, ...] non-negative."""
        d = distance.detach()
        self.parts.append(d.reshape(d.shape[0], -1).min(dim=1).values)

    def at(self, z, *points):
        """Records |z - p| for each kink point p."""
        for p in points:
            self.add((z - p).abs())

    def per_sample(self, n):
        if not self.parts:
            return torch.full((n,), float('inf'), dtype=torch.float64)
        return torch.stack(self.parts, 0).min(dim=0).values
