"""Datasets as uint8 tensors on the job's device, and fast batches from them.

A dataset is read once per process into four uint8 tensors (CPU), split into train / validation
with a fixed seed, and moved to the job's device. Each batch is sliced out by index, turned into
floats and normalised on the device, and optionally augmented there as a whole batch: no
DataLoader, no per-image Python. Where a dataset comes from: the data folder (IDX files, gz or
raw, flat or in torchvision's layout), else a torchvision download into that folder, else (MNIST
only) the sample that ships in playground/assets/.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from playground import ASSETS, ROOT
from playground.datasets import idx, image_sets
from playground.datasets.idx import DataError, DataUnavailable
from playground.engine.i18n import Text
from playground.engine.records import SpecError

SAMPLE_DIR = ASSETS / "mnist-sample"
VAL_SEED = 20240917  # the validation split is the same for every run, whatever its seed

__all__ = ["DataError", "Dataset", "batches", "default_data_dir", "load"]


def default_data_dir() -> Path:
    """Where datasets live: $PLAYGROUND_DATA_DIR, else data/ beside the app."""
    return Path(os.environ.get("PLAYGROUND_DATA_DIR") or ROOT / "data")


@dataclass(frozen=True)
class Dataset:
    """Images uint8 (N, C, H, W) and labels int64 (N,) for train, validation and test."""

    info: image_sets.DatasetInfo
    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    note: str = ""  # something the user should know (e.g. the sample was used instead)

    @property
    def name(self) -> str:
        return self.info.name

    def with_extra(self, x: torch.Tensor, y: torch.Tensor, repeat: int = 1) -> Dataset:
        """The dataset with images x (N, C, H, W) uint8 and labels y (N,) added `repeat` times
        to its training split (a user's own examples, mixed into the real ones)."""
        x = x.to(self.train_x.device, torch.uint8).repeat(repeat, 1, 1, 1)
        y = y.to(self.train_y.device, torch.long).repeat(repeat)
        return dataclasses.replace(
            self, train_x=torch.cat([self.train_x, x]), train_y=torch.cat([self.train_y, y])
        )

    def head(self, n: int) -> Dataset:
        """The first `n` training images and nothing else (to warm a fresh worker up on)."""
        return dataclasses.replace(
            self, train_x=self.train_x[:n], train_y=self.train_y[:n], val_x=self.val_x[:0],
            val_y=self.val_y[:0], test_x=self.test_x[:0], test_y=self.test_y[:0],
        )  # fmt: skip

    def to(self, device: torch.device | str) -> Dataset:
        moved = {
            f.name: getattr(self, f.name).to(device)
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), torch.Tensor)
        }
        return dataclasses.replace(self, **moved)


_cache: dict[tuple[str, str], tuple] = {}
_cache_lock = threading.Lock()


def load(
    name: str,
    data_dir: str | Path | None = None,
    *,
    val_fraction: float = 0.1,
    train_limit: int = 0,
    examples_per_class: int = 0,
    classes: tuple[int, ...] = (),
    seed: int = 0,
    device: torch.device | str = "cpu",
    download: bool = True,
    mirrors: Sequence[str] | None = None,
) -> Dataset:
    """Dataset `name` split into train / validation / test, on `device`.

    Looks in the data folder, downloads through torchvision if absent, and falls back to the
    bundled sample for MNIST when that fails (with a note saying so). Raises DataError.
    """
    info = image_sets.DATASETS.get(name)
    if info is None:
        raise DataError(
            Text(
                "There is no dataset {name!r}; choose one of {join}.",
                name=name,
                join=", ".join(image_sets.DATASETS),
            )
        )
    folder = SAMPLE_DIR if name == "mnist-sample" else Path(data_dir or default_data_dir())
    note = ""
    try:
        tensors = _read(info, folder, download, mirrors)
    except DataUnavailable as e:  # a damaged file is the user's to fix: no fallback then
        if info.fallback is None:
            raise
        fallback = image_sets.DATASETS[info.fallback]
        tensors = _read(fallback, SAMPLE_DIR, False, None)
        note = Text(
            "{why} Using the {fallback} instead: {description}",
            why=e,
            fallback=fallback.label,
            description=fallback.description,
        )
        info = fallback
    train_x, train_y, test_x, test_y = tensors
    train_x, train_y, val_x, val_y = _split(train_x, train_y, val_fraction)
    if classes:  # the same validation images as the full set's, of these classes
        try:
            info = image_sets.subset(info, classes)
        except SpecError as e:
            raise DataError(e.message) from None
        train_x, train_y = only(train_x, train_y, classes)
        val_x, val_y = only(val_x, val_y, classes)
        test_x, test_y = only(test_x, test_y, classes)
    if examples_per_class:
        train_x, train_y = balanced(train_x, train_y, examples_per_class, seed)
    if train_limit:
        train_x, train_y = train_x[:train_limit], train_y[:train_limit]
    data = Dataset(info, train_x, train_y, val_x, val_y, test_x, test_y, note)
    return data.to(device)


def only(x: torch.Tensor, y: torch.Tensor, keep: tuple[int, ...]):
    """The images of the classes `keep`, labelled 0, 1, ... in that order."""
    wanted = torch.tensor(keep, dtype=torch.long)
    mask = torch.isin(y, wanted)
    lookup = torch.full((max(keep) + 1,), -1, dtype=torch.long)
    lookup[wanted] = torch.arange(len(keep))
    return x[mask], lookup[y[mask]]


def balanced(x: torch.Tensor, y: torch.Tensor, per_class: int, seed: int):
    """`per_class` images of each class (all of a class that has fewer), chosen by `seed`,
    in a seeded order that mixes the classes."""
    generator = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(y), generator=generator)
    picked = torch.cat([order[y[order] == c][:per_class] for c in torch.unique(y)])
    picked = picked[torch.randperm(len(picked), generator=generator)]
    return x[picked], y[picked]


def available(name: str, data_dir: str | Path | None = None) -> bool:
    """True if dataset `name` can be read without a download (it is on disk or in memory)."""
    info = image_sets.DATASETS[name]
    if name == "mnist-sample":
        return True
    folder = Path(data_dir or default_data_dir())
    with _cache_lock:
        if (info.name, str(folder.resolve())) in _cache:
            return True
    return idx.find(folder, info.raw_folder, info.flat) is not None


def _read(info: image_sets.DatasetInfo, folder: Path, download: bool, mirrors) -> tuple:
    key = (info.name, str(folder.resolve()))
    with _cache_lock:  # one read per process, even when two jobs start at once
        if key not in _cache:
            files = idx.find(folder, info.raw_folder, info.flat)
            if files is None and download and info.torchvision:
                _download(info, folder, mirrors)
                files = idx.find(folder, info.raw_folder, info.flat)
            if files is None:
                raise DataUnavailable(Text(
                    "{dataset} is not in {folder} and could not be downloaded. {hint}",
                    dataset=info.label, folder=folder, hint=_import_hint(info)))  # fmt: skip
            shape = info.input_shape[1:]
            _cache[key] = idx.load(files, len(info.classes), shape)
        return _cache[key]


def _download(info: image_sets.DatasetInfo, folder: Path, mirrors: Sequence[str] | None) -> None:
    import torchvision.datasets  # slow to import; only needed here

    cls = getattr(torchvision.datasets, info.torchvision)
    if mirrors:  # same class name, so torchvision keeps its <folder>/<Name>/raw layout
        cls = type(cls.__name__, (cls,), {"mirrors": list(mirrors)})
    fetcher = cls.__new__(cls)
    fetcher.root = str(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fetcher.download()
    except Exception as e:  # network errors come in many types; all mean "not available"
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DataUnavailable(
            Text(
                "{dataset} is not in {folder} and could not be downloaded ({why}). {hint}",
                dataset=info.label,
                folder=folder,
                why=first,
                hint=_import_hint(info),
            )
        ) from None


def _import_hint(info: image_sets.DatasetInfo) -> Text:
    return Text(
        "To use it offline, copy its four IDX files in: `python -m playground data import "
        "FOLDER --dataset {name}`",
        name=info.name,
    )


def _split(x: torch.Tensor, y: torch.Tensor, val_fraction: float):
    n_val = round(len(x) * val_fraction)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(VAL_SEED))
    val, train = order[:n_val], order[n_val:]
    return x[train], y[train], x[val], y[val]


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


# --- Batches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Augment:
    """Random affine per image (rotation, scale, shift) and stroke thickening, batch-wise."""

    rotation: float = 10.0  # degrees, either way
    scale: float = 0.1  # share of the size, either way
    shift: float = 0.1  # share of the image side, either way
    thicken: float = 0.0  # share of images dilated by one pixel


def normalise(x: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    """Pixels (uint8 0-255, or floats 0-1) -> floats with the dataset's mean 0 and std 1: the
    one way every image, from the dataset, a drawing or a file, reaches a model."""
    scale = 1 / ((255 if x.dtype == torch.uint8 else 1) * std)
    y = x.float()
    y = y.mul(scale) if y is x else y.mul_(scale)  # never change the caller's floats
    return y.sub_(mean / std)


def augment(x: torch.Tensor, aug: Augment, generator: torch.Generator) -> torch.Tensor:
    """A randomly moved, turned, resized (and maybe thickened) copy of the float batch x.

    Random numbers come from `generator` (CPU) so a seeded job is repeatable on any device.
    """
    b = x.shape[0]
    background = x.amin()  # the normalised value of a black pixel

    def uniform(limit: float) -> torch.Tensor:
        return (torch.rand(b, generator=generator) * 2 - 1) * limit

    angle = uniform(math.radians(aug.rotation))
    scale = 1 + uniform(aug.scale)
    tx, ty = uniform(2 * aug.shift), uniform(2 * aug.shift)  # grid units: the side is 2
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    theta = theta.to(device=x.device, dtype=x.dtype)  # (B, 2, 3): output -> input coordinates
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x - background, grid, align_corners=False, padding_mode="zeros")
    if aug.thicken > 0:
        pick = (torch.rand(b, generator=generator) < aug.thicken).to(x.device)
        thick = F.max_pool2d(out, 3, stride=1, padding=1)
        out = torch.where(pick[:, None, None, None], thick, out)
    return out + background


def batches(
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    *,
    mean: float,
    std: float,
    generator: torch.Generator | None = None,
    aug: Augment | None = None,
    channels_last: bool = False,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Normalised float batches (B, C, H, W) with labels (B,); shuffled when given a generator."""
    n = len(x)
    if generator is None:
        picks = (slice(start, start + batch_size) for start in range(0, n, batch_size))
    else:
        order = torch.randperm(n, generator=generator).to(x.device)
        picks = (order[start : start + batch_size] for start in range(0, n, batch_size))
    return picked_batches(x, y, picks, mean=mean, std=std, generator=generator, aug=aug,
                          channels_last=channels_last)  # fmt: skip


def picked_batches(
    x, y, picks, *, mean: float, std: float, generator=None, aug=None, channels_last: bool = False
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """`batches`, of the examples each pick (a slice or indices) names: a private run's
    Poisson-sampled batches (engine/privacy.py)."""
    for pick in picks:
        if torch.is_tensor(pick):
            pick = pick.to(x.device)
        xb, yb = x[pick], y[pick]
        xb = normalise(xb, mean, std)
        if aug is not None:
            xb = augment(xb, aug, generator or torch.Generator())
        if channels_last and xb.dim() == 4:
            xb = xb.contiguous(memory_format=torch.channels_last)
        yield xb, yb


def batch_count(n: int, batch_size: int) -> int:
    return (n + batch_size - 1) // batch_size
