"""Run bundles: a run leaves as one zip (its files, an ONNX file, a script, a model card with
its curves) and comes back as a run with the same predictions; bad zips are refused with a
message and leave nothing behind. The CLI exports and imports the same way."""

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
from PIL import Image

from playground.datasets import images as data
from playground.exchange import bundle_import, bundles, runs
from playground.exchange.bundles import BundleError
from playground.exchange.run_files import WEIGHTS
from playground.tasks.image.recipe import TrainConfig
from tests.conftest import QUICK_BUNDLE

ROOT = Path(__file__).resolve().parent.parent
QUICK = TrainConfig(**QUICK_BUNDLE)  # how the `trained` fixture (conftest.py) trains


def test_a_bundle_holds_the_run_an_onnx_file_a_script_and_a_model_card(trained):
    run, raw = trained
    zf = zipfile.ZipFile(io.BytesIO(raw))
    names = {n.split("/", 1)[1] for n in zf.namelist()}
    assert names == {*bundles.KEPT, *bundles.FOR_PEOPLE}
    card = zf.read(f"{run.name}/README.md").decode()
    assert f"{run.summary['test_accuracy']:.2%}" in card
    assert "| class | precision | recall | F1 | images |" in card and "| 9 |" in card
    assert "load_state_dict" in card and "Netron" in card and "(curves.png)" in card
    png = Image.open(io.BytesIO(zf.read(f"{run.name}/curves.png")))
    assert png.format == "PNG" and png.size == (900, 340)
    compile(zf.read(f"{run.name}/train.py"), "train.py", "exec")


def test_a_bundle_comes_back_as_the_uploaders_run_with_the_same_predictions(trained, tmp_path):
    run, raw = trained
    back = bundle_import.import_bundle(raw, tmp_path, "browser:b", "mlp.zip")
    assert back.owner == "browser:b" and back.path.parent == tmp_path
    assert back.spec == run.spec and back.config == run.config
    assert back.summary["test_accuracy"] == run.summary["test_accuracy"]
    assert back.summary["imported_from"] == "mlp.zip"
    assert len(back.log().epochs()) == 2
    x = data.normalise(data.load("mnist-sample").test_x[:200], 0.1307, 0.3081)
    with torch.no_grad():
        assert torch.equal(back.model()(x), run.model()(x))


def zip_of(files: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, content in files.items():
            zf.writestr(name, content)
    return out.getvalue()


def files_of(raw: bytes) -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(raw))
    return {n: zf.read(n) for n in zf.namelist()}


def without(files: dict[str, bytes], name: str) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if not k.endswith(name)}


def other_weights(trained) -> bytes:
    from safetensors.torch import save

    state = {k: torch.zeros(v.shape[0] + 1, *v.shape[1:]) for k, v in trained[0].weights().items()}
    return save(state)


BAD = {
    "not a zip": (lambda t: b"PK\x03\x04 this is not really a zip", "is not a zip file"),
    "missing files": (
        lambda t: zip_of(without(files_of(t[1]), WEIGHTS)),
        "has no weights.safetensors",
    ),
    "wrong shapes": (
        lambda t: zip_of({**files_of(t[1]), f"{t[0].name}/{WEIGHTS}": other_weights(t)}),
        "do not fit its model",
    ),
    "a pickle inside": (
        lambda t: zip_of({**files_of(t[1]), f"{t[0].name}/weights.pt": b"\x80\x04K\x01."}),
        "a pickle file",
    ),
    "path traversal": (
        lambda t: zip_of({**files_of(t[1]), "../../evil.json": b"{}"}),
        "points outside the bundle",
    ),
    "an absolute path": (
        lambda t: zip_of({**files_of(t[1]), "/etc/cron.d/evil": b"x"}),
        "points outside the bundle",
    ),
    "a zip bomb": (
        lambda t: zip_of({**files_of(t[1]), f"{t[0].name}/metrics.jsonl": b"\n" * (80 << 20)}),
        "zip bomb",
    ),
    "a damaged spec": (
        lambda t: zip_of({**files_of(t[1]), f"{t[0].name}/spec.json": b'{"layers": 3}'}),
        "the bundle:",
    ),
    "too many files": (
        lambda t: zip_of({f"f{i}.txt": b"" for i in range(100)}),
        "holds 100 files",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_bundle_gets_a_message_and_leaves_nothing(case, trained, tmp_path):
    make, words = BAD[case]
    raw = make(trained)
    with pytest.raises(BundleError) as e:
        bundle_import.import_bundle(raw, tmp_path / "runs", "browser:b")
    assert words in str(e.value)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_file_over_its_limit_is_refused_by_its_size(trained, tmp_path):
    run, raw = trained
    big = zip_of({**files_of(raw), f"{run.name}/spec.json": b" " * (2 << 20)})
    with pytest.raises(BundleError, match="more than 1 MB"):
        bundle_import.import_bundle(big, tmp_path, "browser:b")


def cli(*args, cwd=ROOT, env=None, timeout=300):
    return subprocess.run([sys.executable, "-m", "playground", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, env=env)  # fmt: skip


def test_the_cli_exports_onnx_a_script_and_a_bundle_and_imports_the_bundle(trained, tmp_path):
    run, _ = trained
    out = cli("export", run.path, "--format", "onnx", "-o", tmp_path / "m.onnx")
    assert out.returncode == 0, out.stderr
    assert f"Wrote {tmp_path / 'm.onnx'}" in out.stdout
    assert "differ from PyTorch's by at most" in out.stdout
    out = cli("export", run.path, "--format", "script", "-o", tmp_path / "t.py")
    assert out.returncode == 0 and (tmp_path / "t.py").read_text().startswith('"""Train')
    out = cli("export", run.path, "--format", "bundle", "-o", tmp_path / "b.zip")
    assert out.returncode == 0 and zipfile.is_zipfile(tmp_path / "b.zip")
    out = cli("import", tmp_path / "b.zip", "--out", tmp_path / "runs")
    assert out.returncode == 0, out.stderr
    (folder,) = (tmp_path / "runs").iterdir()
    assert f"as {folder}" in out.stdout
    assert runs.load_run(folder).owner is None  # the CLI's runs are examples for everyone


def test_the_cli_says_what_is_wrong_with_a_bad_bundle_or_run(tmp_path):
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    out = cli("import", tmp_path / "bad.zip", "--out", tmp_path / "runs")
    assert out.returncode == 2 and "is not a zip file" in out.stderr
    out = cli("export", tmp_path, "--format", "onnx")
    assert out.returncode == 2 and "not a run folder" in out.stderr
