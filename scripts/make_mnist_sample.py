"""Make playground/assets/mnist-sample: a stratified MNIST subset that ships with the app.

    PYTHONPATH=. python scripts/make_mnist_sample.py /path/to/mnist   # folder with the 4 IDX files

1,000 training and 200 test images of each digit, picked with a fixed seed, written as gzipped
IDX files under torchvision's names so the app reads them like any MNIST folder.
"""

import gzip
import sys
from pathlib import Path

import torch

from playground.datasets import idx

PER_CLASS = {"train": 1000, "t10k": 200}
OUT = Path(__file__).resolve().parent.parent / "playground" / "assets" / "mnist-sample"


def write_idx(path: Path, values: torch.Tensor) -> None:
    header = bytes([0, 0, 0x08, values.dim()])
    header += b"".join(int(s).to_bytes(4, "big") for s in values.shape)
    # mtime=0: the same input gives byte-identical files
    path.write_bytes(gzip.compress(header + values.numpy().tobytes(), 9, mtime=0))


def main(source: str) -> None:
    files = idx.find(Path(source), "MNIST")
    if files is None:
        sys.exit(f"No MNIST IDX files in {source}.")
    train_x, train_y, test_x, test_y = idx.load(files, 10, (28, 28))
    generator = torch.Generator().manual_seed(0)
    for split, x, y in (("train", train_x, train_y), ("t10k", test_x, test_y)):
        picks = []
        for digit in range(10):
            where = (y == digit).nonzero()[:, 0]
            chosen = where[torch.randperm(len(where), generator=generator)[: PER_CLASS[split]]]
            picks.append(chosen)
        order = torch.cat(picks)
        order = order[torch.randperm(len(order), generator=generator)]
        write_idx(OUT / f"{split}-images-idx3-ubyte.gz", x[order, 0])
        write_idx(OUT / f"{split}-labels-idx1-ubyte.gz", y[order].to(torch.uint8))
        print(f"{split}: {len(order)} images")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
