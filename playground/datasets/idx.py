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

from playground.engine.i18n import Text
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
        raise DataError(Text("{path} does not exist.", path=path)) from None
    except OSError as e:
        if isinstance(e, gzip.BadGzipFile) or "gzip" in str(e).lower():
            raise DataError(
                Text("{path} is not a valid gzip file ({e}).", path=path, e=e)
            ) from None
        raise DataError(
            Text("{path} cannot be read ({value}).", path=path, value=e.strerror or e)
        ) from None
    except (EOFError, zlib.error) as e:
        raise DataError(
            Text("{path} is a truncated or damaged gzip file ({e}).", path=path, e=e)
        ) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(
            Text(
                "{path} is not an IDX file: it does not start with the IDX magic number.", path=path
            )
        )
    if raw[2] != _UBYTE:
        raise DataError(
            Text(
                "{path} holds values of IDX type 0x{raw:02x}; only unsigned bytes (0x08) "
                "are supported.",
                path=path,
                raw=raw[2],
            )
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(Text("{path} is truncated: its header is incomplete.", path=path))
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64))
    found = len(raw) - header
    if found < expected:
        raise DataError(
            Text(
                "{path} is truncated: its header promises {join} values ({expected:,} "
                "bytes) but only {found:,} bytes follow.",
                path=path,
                join="x".join(map(str, shape)),
                expected=expected,
                found=found,
            )
        )
    if found > expected:
        raise DataError(
            Text(
                "{path} is damaged: {value:,} bytes follow the {join} values its header describes.",
                path=path,
                value=found - expected,
                join="x".join(map(str, shape)),
            )
        )
    values = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
    return torch.from_numpy(values.copy())


def candidates(folder: Path, raw_folder: str, part: str, flat: bool = True) -> list[Path]:
    """Where a part may lie, best first: raw before gzipped, torchvision's layout, then (where
    `flat`) the folder itself."""
    kind = part.split("-")[1]
    dims = _DIMS[kind]
    names = [f"{part}-idx{dims}-ubyte", f"{part}.idx{dims}-ubyte"]
    places = [folder / raw_folder / "raw", *([folder] if flat else [])]
    return [place / (name + gz) for place in places for gz in ("", ".gz") for name in names]


def find(folder: str | Path, raw_folder: str, flat: bool = True) -> dict[str, Path] | None:
    """The four IDX files of a dataset in `folder` (in <raw_folder>/raw, or where `flat` in the
    folder itself), or None. MNIST's kin share its file names, so a data folder's flat files
    are MNIST's only (DatasetInfo.flat); a folder a person names for one dataset may be flat."""
    folder = Path(folder)
    found = {}
    for part in PARTS:
        path = next((p for p in candidates(folder, raw_folder, part, flat) if p.is_file()), None)
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
                Text(
                    "{ipath} holds images of shape {tuple}; expected N x {image_size} x "
                    "{image_size2}.",
                    ipath=ipath,
                    tuple=tuple(images.shape),
                    image_size=image_size[0],
                    image_size2=image_size[1],
                )
            )
        if labels.dim() != 1 or len(labels) != len(images):
            raise DataError(
                Text(
                    "{lpath} has {numel:,} labels for the {count:,} images in {ipath}.",
                    lpath=lpath,
                    numel=labels.numel(),
                    count=len(images),
                    ipath=ipath,
                )
            )
        if len(labels) and int(labels.max()) >= classes:
            raise DataError(
                Text(
                    "{lpath} has a label {max}; labels go from 0 to {value}.",
                    lpath=lpath,
                    max=int(labels.max()),
                    value=classes - 1,
                )
            )
        out += [images.unsqueeze(1), labels.long()]
    return tuple(out)
