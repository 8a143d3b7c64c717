"""Data: the IDX reader, folder layouts, downloads that fail, splits and batches."""

import gzip
import shutil

import pytest
import torch

from playground.datasets import idx
from playground.datasets import images as data
from playground.datasets.images import Augment, DataError
from tests.conftest import OFFLINE_MIRROR

SAMPLE = data.SAMPLE_DIR


def write_idx(path, values: torch.Tensor, compress=False):
    header = bytes([0, 0, 0x08, values.dim()]) + b"".join(
        int(s).to_bytes(4, "big") for s in values.shape
    )
    raw = header + values.to(torch.uint8).numpy().tobytes()
    path.write_bytes(gzip.compress(raw) if compress else raw)


def test_reader_reads_what_the_writer_wrote_gzipped_or_not(tmp_path):
    values = torch.randint(0, 256, (5, 28, 28), dtype=torch.uint8)
    write_idx(tmp_path / "a", values)
    write_idx(tmp_path / "b.gz", values, compress=True)
    assert torch.equal(idx.read_idx(tmp_path / "a"), values)
    assert torch.equal(idx.read_idx(tmp_path / "b.gz"), values)


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda raw: raw[:-100], "is truncated: its header promises 5x28x28 values"),
        (lambda raw: raw[:10], "is truncated: its header is incomplete"),
        (lambda raw: raw + b"\0", "is damaged: 1 bytes follow"),
        (lambda raw: b"\x01\x02" + raw[2:], "is not an IDX file"),
        (lambda raw: raw[:2] + b"\x0d" + raw[3:], "type 0x0d"),
        (lambda raw: gzip.compress(raw)[:-30], "truncated or damaged gzip"),
        (lambda raw: b"\x1f\x8b" + b"junk" * 10, "gzip"),
    ],
)
def test_a_damaged_file_is_named_with_what_is_wrong(tmp_path, damage, words):
    path = tmp_path / "train-images-idx3-ubyte"
    write_idx(path, torch.zeros(5, 28, 28))
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(DataError) as caught:
        idx.read_idx(path)
    assert str(path) in str(caught.value) and words in str(caught.value)


def copy_sample(target, names):
    """The bundled sample's files under other names/layouts (raw when a name has no .gz)."""
    target.mkdir(parents=True, exist_ok=True)
    for part in idx.PARTS:
        source = SAMPLE / f"{part}-idx{3 if 'images' in part else 1}-ubyte.gz"
        name = names(part)
        if name.endswith(".gz"):
            shutil.copyfile(source, target / name)
        else:
            (target / name).write_bytes(gzip.decompress(source.read_bytes()))


@pytest.mark.parametrize(
    ("where", "names"),
    [
        ("", lambda p: f"{p}-idx{3 if 'images' in p else 1}-ubyte.gz"),
        ("", lambda p: f"{p}.idx{3 if 'images' in p else 1}-ubyte"),  # the older names
        ("MNIST/raw", lambda p: f"{p}-idx{3 if 'images' in p else 1}-ubyte"),  # torchvision's
    ],
)
def test_mnist_is_found_flat_or_in_torchvisions_layout(tmp_path, where, names):
    copy_sample(tmp_path / where, names)
    loaded = data.load("mnist", tmp_path, val_fraction=0.0, download=False)
    assert (len(loaded.train_y), len(loaded.test_y), loaded.note) == (10_000, 2_000, "")
    assert loaded.train_x.shape == (10_000, 1, 28, 28) and loaded.train_x.dtype == torch.uint8


def test_the_bundled_sample_is_stratified():
    sample = data.load("mnist-sample", val_fraction=0.0)
    assert torch.bincount(sample.train_y).tolist() == [1000] * 10
    assert torch.bincount(sample.test_y).tolist() == [200] * 10
    assert "Yann LeCun" in (SAMPLE / "README.md").read_text()


def test_mnist_offline_falls_back_to_the_sample_and_says_so(tmp_path):
    loaded = data.load("mnist", tmp_path / "empty", mirrors=[OFFLINE_MIRROR])
    assert loaded.name == "mnist-sample"
    assert "could not be downloaded" in loaded.note and "MNIST sample" in loaded.note
    assert len(loaded.test_y) == 2_000


@pytest.mark.parametrize("name", ["fashion-mnist", "kmnist"])
def test_other_datasets_offline_give_a_clear_error(tmp_path, name):
    with pytest.raises(DataError, match="could not be downloaded"):
        data.load(name, tmp_path / "empty", mirrors=[OFFLINE_MIRROR])


@pytest.mark.parametrize("name", ["fashion-mnist", "kmnist"])
def test_mnists_flat_files_are_not_taken_for_its_kin(tmp_path, name):
    """Issue 34, item 4: MNIST's four files flat in the data folder (a layout README allows)
    have the same names as Fashion-MNIST's and Kuzushiji-MNIST's: those trained on digits. Flat
    files are MNIST's; the others say they are missing, and how to bring them in."""
    copy_sample(tmp_path, lambda p: f"{p}-idx{3 if 'images' in p else 1}-ubyte.gz")
    assert data.load("mnist", tmp_path, download=False).name == "mnist"
    assert not data.available(name, tmp_path)
    with pytest.raises(DataError) as caught:
        data.load(name, tmp_path, mirrors=[OFFLINE_MIRROR])
    assert "could not be downloaded" in str(caught.value)
    assert f"data import FOLDER --dataset {name}`" in str(caught.value)


def test_a_named_folder_for_one_dataset_may_be_flat(tmp_path):
    """`data import` reads any dataset's files flat from the folder a person names."""
    copy_sample(tmp_path / "src", lambda p: f"{p}-idx{3 if 'images' in p else 1}-ubyte.gz")
    assert idx.find(tmp_path / "src", "FashionMNIST") is not None
    assert idx.find(tmp_path / "src", "FashionMNIST", flat=False) is None


def test_labels_that_do_not_match_their_images_are_refused(tmp_path):
    copy_sample(tmp_path, lambda p: f"{p}-idx{3 if 'images' in p else 1}-ubyte")
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", torch.zeros(7))
    with pytest.raises(DataError, match="has 7 labels for the 2,000 images"):
        data.load("mnist", tmp_path, download=False)


def test_validation_split_is_fixed_and_disjoint_from_training():
    a = data.load("mnist-sample", val_fraction=0.1)
    data.clear_cache()
    b = data.load("mnist-sample", val_fraction=0.1)
    assert (len(a.train_y), len(a.val_y)) == (9_000, 1_000)
    assert torch.equal(a.val_x, b.val_x)
    train_rows = {bytes(row.numpy()) for row in a.train_x.flatten(1)}
    assert not any(bytes(row.numpy()) in train_rows for row in a.val_x.flatten(1)[:200])


def test_batches_cover_every_image_once_and_repeat_with_the_same_seed():
    x = torch.arange(10, dtype=torch.uint8).view(10, 1, 1, 1)
    y = torch.arange(10)

    def order(seed):
        g = torch.Generator().manual_seed(seed)
        return torch.cat([yb for _, yb in data.batches(x, y, 3, mean=0, std=1 / 255, generator=g)])

    assert sorted(order(0).tolist()) == list(range(10))
    assert torch.equal(order(0), order(0)) and not torch.equal(order(0), order(1))
    xb, yb = next(data.batches(x, y, 4, mean=0.0, std=1 / 255))  # no shuffle: in order
    assert xb.flatten().tolist() == [0, 1, 2, 3] and yb.tolist() == [0, 1, 2, 3]


def test_normalised_batches_have_mean_zero_and_std_one_on_mnist():
    sample = data.load("mnist-sample", val_fraction=0.0)
    info = sample.info
    x = torch.cat([b for b, _ in data.batches(sample.train_x, sample.train_y, 4096,
                                               mean=info.mean, std=info.std)])  # fmt: skip
    assert abs(x.mean().item()) < 0.02 and abs(x.std().item() - 1) < 0.02


def centre_of_mass(image: torch.Tensor) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    w = image - image.min()
    return torch.stack([(w * ys).sum() / w.sum(), (w * xs).sum() / w.sum()])


def test_augmentation_moves_turns_and_thickens_batch_wise():
    sample = data.load("mnist-sample", val_fraction=0.0)
    x = data.normalise(sample.train_x[:64], sample.info.mean, sample.info.std)
    g = torch.Generator().manual_seed(0)
    still = data.augment(x, Augment(0, 0, 0, 0), g)
    torch.testing.assert_close(still, x, atol=1e-4, rtol=0)
    shifted = data.augment(x, Augment(0, 0, 0.2, 0), g)
    moved = torch.stack(
        [centre_of_mass(a[0]) - centre_of_mass(b[0]) for a, b in zip(shifted, x, strict=False)]
    )
    assert moved.abs().max() > 2 and moved.abs().max() < 0.2 * 28 + 1.5
    ink = (x > 0).float().sum()
    thick = data.augment(x, Augment(0, 0, 0, 1.0), g)
    assert (thick > 0).float().sum() > 1.3 * ink
    a = data.augment(x, Augment(), torch.Generator().manual_seed(5))
    b = data.augment(x, Augment(), torch.Generator().manual_seed(5))
    assert torch.equal(a, b)


@pytest.mark.mnist
def test_real_mnist_loads_with_its_known_counts(mnist_dir):
    mnist = data.load("mnist", mnist_dir, val_fraction=0.0, download=False)
    assert torch.bincount(mnist.train_y).tolist() == [
        5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
    ]  # fmt: skip
    assert torch.bincount(mnist.test_y).tolist() == [
        980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]  # fmt: skip
    pixels = mnist.train_x.float() / 255
    assert pixels.mean().item() == pytest.approx(0.1307, abs=1e-4)
    assert pixels.std().item() == pytest.approx(0.3081, abs=1e-4)


def test_available_says_whether_a_dataset_needs_a_download(tmp_path):
    from playground.datasets.images import available

    assert available("mnist-sample", tmp_path)
    assert not available("mnist", tmp_path)
    shutil.copytree(data.SAMPLE_DIR, tmp_path / "MNIST" / "raw")
    assert available("mnist", tmp_path)
