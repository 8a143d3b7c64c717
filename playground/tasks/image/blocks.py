"""Modules of layer kinds that PyTorch has no one class for (layers.py builds them)."""

from __future__ import annotations

import math

from torch import nn


class ResidualBlock(nn.Module):
    """conv3x3 -> ReLU -> conv3x3, plus the input (through a 1x1 conv when channels change)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = (
            nn.Identity()
            if in_channels == out_channels
            else nn.Conv2d(in_channels, out_channels, 1)
        )

    def forward(self, x):  # (B, Cin, H, W) -> (B, Cout, H, W)
        return self.conv2(self.relu(self.conv1(x))) + self.skip(x)


def group_norm(channels: int, groups: int | None = None) -> nn.GroupNorm:
    """GroupNorm over `channels` in `groups` groups (None: as many as divide the channels, up
    to 32: Opacus' ModuleValidator.fix takes 32 where they divide)."""
    return nn.GroupNorm(groups or math.gcd(channels, 32), channels)
