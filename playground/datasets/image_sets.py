"""The image datasets: what each is (shape, classes, pixel statistics, where it comes from),
and a training config's view of one (the classes it keeps). The image classifiers and the
models that make images learn from the same sets."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from playground.engine.i18n import N_, Text, _
from playground.engine.records import SpecError


@dataclass(frozen=True)
class DatasetInfo:
    """An image dataset: its shape, classes, pixel statistics and where it comes from."""

    name: str
    label: str
    description: str
    input_shape: tuple[int, int, int]
    classes: tuple[str, ...]
    mean: float  # of pixels / 255 over the training set
    std: float
    torchvision: str | None  # class in torchvision.datasets that downloads it
    raw_folder: str  # torchvision's folder under the data folder: <data>/<raw_folder>/raw
    fallback: str | None = None  # dataset used when this one is unavailable offline
    credit: str = ""
    train_images: int = 60_000  # in its training file, before validation is held out
    subset: tuple[int, ...] = ()  # the classes kept (their numbers in the full set), or all
    flat: bool = False  # its IDX files may lie flat in the data folder: MNIST's only, since
    # Fashion-MNIST's and Kuzushiji-MNIST's files have the same names (train-images-idx3-ubyte)

    def names(self) -> tuple[str, ...]:
        """The classes in the reader's language (a digit is a digit)."""
        return tuple(_(c) for c in self.classes)


_DIGITS = tuple(str(d) for d in range(10))
_MNIST_CREDIT = N_("MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges (CC BY-SA 3.0)")

DATASETS: dict[str, DatasetInfo] = {
    d.name: d
    for d in [
        DatasetInfo(
            "mnist",
            N_("MNIST digits"),
            N_("70,000 handwritten digits, 28x28 grey."),
            (1, 28, 28),
            _DIGITS,
            0.1307,
            0.3081,
            "MNIST",
            "MNIST",
            fallback="mnist-sample",
            credit=_MNIST_CREDIT,
            flat=True,
        ),
        DatasetInfo(
            "mnist-sample",
            N_("MNIST sample (bundled)"),
            N_("10,000 training and 2,000 test digits from MNIST, shipped with the app."),
            (1, 28, 28),
            _DIGITS,
            0.1307,
            0.3081,
            None,
            "MNIST",
            credit=_MNIST_CREDIT,
            train_images=10_000,
            flat=True,
        ),
        DatasetInfo(
            "fashion-mnist",
            N_("Fashion-MNIST"),
            N_("70,000 photos of clothes in 10 kinds, 28x28 grey."),
            (1, 28, 28),
            (
                N_("T-shirt/top"),
                N_("Trouser"),
                N_("Pullover"),
                N_("Dress"),
                N_("Coat"),
                N_("Sandal"),
                N_("Shirt"),
                N_("Sneaker"),
                N_("Bag"),
                N_("Ankle boot"),
            ),
            0.2860,
            0.3530,
            "FashionMNIST",
            "FashionMNIST",
            credit=N_("Fashion-MNIST by Zalando Research (MIT licence)"),
        ),
        DatasetInfo(
            "kmnist",
            N_("Kuzushiji-MNIST"),
            N_("70,000 cursive Japanese characters in 10 classes, 28x28 grey."),
            (1, 28, 28),
            ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
            0.1918,
            0.3483,
            "KMNIST",
            "KMNIST",
            credit=N_("Kuzushiji-MNIST by CODH (CC BY-SA 4.0)"),
        ),
    ]
}


def parse_classes(text: str) -> tuple[int, ...]:
    """ "5,6,7,8,9" -> (5, 6, 7, 8, 9); "" -> () (all); SpecError in words otherwise."""
    if not text.strip():
        return ()
    try:
        keep = tuple(int(x) for x in text.replace(" ", "").split(","))
    except ValueError:
        raise SpecError(
            Text(
                "Classes {text!r}: write class numbers from 0 with commas between, like 5,6,7,8,9.",
                text=text,
            ),
            field="classes",
        ) from None
    if len(set(keep)) != len(keep) or len(keep) < 2 or min(keep) < 0:
        raise SpecError(
            Text(
                "Classes {text!r}: name at least two different classes, numbered from 0.", text=text
            ),
            field="classes",
        )
    return keep


def subset(info: DatasetInfo, keep: tuple[int, ...]) -> DatasetInfo:
    """The dataset with only the classes `keep`, numbered 0.. in that order."""
    if not keep:
        return info
    if max(keep) >= len(info.classes):
        raise SpecError(
            Text(
                "{label} has no class {max}: its classes are 0 to {value} ({join}).",
                label=info.label,
                max=max(keep),
                value=len(info.classes) - 1,
                join=", ".join(info.classes),
            ),
            field="classes",
        )
    share = len(keep) / len(info.classes)
    return dataclasses.replace(
        info,
        classes=tuple(info.classes[c] for c in keep),
        subset=keep,
        train_images=round(info.train_images * share),
    )


def info_of(config) -> DatasetInfo:
    """The data a training config learns from: its dataset, or the classes of it it keeps."""
    return subset(DATASETS[config.dataset], parse_classes(getattr(config, "classes", "")))
