"""The IDX file format of MNIST and its kin: read, check, find in a folder.

An IDX file is a 4-byte magic (0, 0, type code, number of dimensions), one big-endian uint32
per dimension, then the values. Only unsigned bytes (type code 0x08) occur in these datasets.
Files may be gzipped. Every problem is a `DataError` that names the file.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np
import torch

from playground.engine.records import DataError

_UBYTE = 0x08
PARTS = ("train-images", "train-labels", "t10k-images", "t10k-labels")
_DIMS = {"images": 3, "labels": 1}


class DataUnavailable(DataError):
    """A dataset that is not on disk and could not be downloaded (as opposed to damaged)."""


def read_idx(path: str | Path) -> torch.Tensor:
    """The values of an IDX file (gzipped or not) as a uint8 tensor of its stored shape."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
    except FileNotFoundError:
        raise DataError(f"{path} does not exist.") from None
    except OSError as e:
        if isinstance(e, gzip.BadGzipFile) or "gzip" in str(e).lower():
            raise DataError(f"{path} is not a valid gzip file ({e}).") from None
        raise DataError(f"{path} cannot be read ({e.strerror or e}).") from None
    except (EOFError, zlib.error) as e:
        raise DataError(f"{path} is a truncated or damaged gzip file ({e}).") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path} is not an IDX file: it does not start with the IDX magic number.")
    if raw[2] != _UBYTE:
        raise DataError(
            f"{path} holds values of IDX type 0x{raw[2]:02x}; only unsigned bytes (0x08) are "
            "supported."
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{path} is truncated: its header is incomplete.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64))
    found = len(raw) - header
    if found < expected:
        raise DataError(
            f"{path} is truncated: its header promises {'x'.join(map(str, shape))} values "
            f"({expected:,} bytes) but only {found:,} bytes follow."
        )
    if found > expected:
        raise DataError(
            f"{path} is damaged: {found - expected:,} bytes follow the "
            f"{'x'.join(map(str, shape))} values its header describes."
        )
    values = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
    return torch.from_numpy(values.copy())


def candidates(folder: Path, raw_folder: str, part: str) -> list[Path]:
    """Where a part may lie, best first: raw before gzipped, torchvision's layout, then flat."""
    kind = part.split("-")[1]
    dims = _DIMS[kind]
    names = [f"{part}-idx{dims}-ubyte", f"{part}.idx{dims}-ubyte"]
    places = [folder / raw_folder / "raw", folder]
    return [place / (name + gz) for place in places for gz in ("", ".gz") for name in names]


def find(folder: str | Path, raw_folder: str) -> dict[str, Path] | None:
    """The four IDX files of a dataset in `folder` (flat or in <raw_folder>/raw), or None."""
    folder = Path(folder)
    found = {}
    for part in PARTS:
        path = next((p for p in candidates(folder, raw_folder, part) if p.is_file()), None)
        if path is None:
            return None
        found[part] = path
    return found


def load(files: dict[str, Path], classes: int, image_size: tuple[int, int]):
    """(train images, train labels, test images, test labels), checked against each other.

    Images are uint8 (N, 1, H, W); labels int64 (N,).
    """
    t = {part: read_idx(path) for part, path in files.items()}
    out = []
    for split in ("train", "t10k"):
        images, labels = t[f"{split}-images"], t[f"{split}-labels"]
        ipath, lpath = files[f"{split}-images"], files[f"{split}-labels"]
        if images.dim() != 3 or tuple(images.shape[1:]) != image_size:
            raise DataError(
                f"{ipath} holds images of shape {tuple(images.shape)}; expected N x "
                f"{image_size[0]} x {image_size[1]}."
            )
        if labels.dim() != 1 or len(labels) != len(images):
            raise DataError(
                f"{lpath} has {labels.numel():,} labels for the {len(images):,} images in {ipath}."
            )
        if len(labels) and int(labels.max()) >= classes:
            raise DataError(
                f"{lpath} has a label {int(labels.max())}; labels go from 0 to {classes - 1}."
            )
        out += [images.unsqueeze(1), labels.long()]
    return tuple(out)
