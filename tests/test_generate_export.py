"""What a model that makes digits takes with it (playground/tasks/generate/export.py and
standalone.py): ONNX of the part that makes images agrees with PyTorch in onnxruntime for every
family; the standalone script builds the app's model weight for weight, is lint-clean, and runs
alone; a bundle's model card states the score."""

from __future__ import annotations

import dataclasses
import importlib.util
import io
import subprocess
import sys
import zipfile
from types import SimpleNamespace

import pytest
import torch

from playground.datasets.images import SAMPLE_DIR
from playground.exchange import bundles
from playground.exchange.runs import load_run
from playground.tasks.generate import export, standalone
from playground.tasks.generate.task import GENERATE

READY = {f: GENERATE.pretrained.parent / f for f in ("vae", "gan", "diffusion")}


@pytest.mark.parametrize("family", READY)
def test_the_onnx_file_makes_what_pytorch_makes(family):
    import onnxruntime

    run = load_run(READY[family])
    exported = export.onnx_of(run)
    assert exported.max_difference <= export.TOLERANCE
    session = onnxruntime.InferenceSession(exported.data, providers=["CPUExecutionProvider"])
    model = run.model().eval()
    inputs = export._inputs(model, 7, 42)  # a batch size it was not exported with
    got = session.run(None, {k: v.numpy() for k, v in inputs.items()})[0]
    with torch.no_grad():
        want = export._Maker(model)(*inputs.values())
    assert got.shape == tuple(want.shape) and abs(got - want.numpy()).max() <= 1e-4
    if family != "diffusion":  # images in 0..1
        assert got.min() >= -1e-6 and got.max() <= 1 + 1e-6
    assert "onnxruntime" in exported.check_text


def load_script(text: str, tmp_path):
    path = tmp_path / "train.py"
    path.write_text(text)
    module_spec = importlib.util.spec_from_file_location("generate_script", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("family", READY)
def test_the_script_builds_the_apps_model_weight_for_weight_and_is_lint_clean(family, tmp_path):
    run = load_run(READY[family])
    text = standalone.script(run)
    script = load_script(text, tmp_path)
    torch.manual_seed(run.config.seed)
    theirs = script.build().state_dict()
    torch.manual_seed(run.config.seed)
    ours = GENERATE.build(run.spec).state_dict()
    assert list(theirs) == list(ours)
    assert all(torch.equal(theirs[k], ours[k]) for k in ours)
    out = subprocess.run(["ruff", "check", "--isolated", str(tmp_path / "train.py")],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


def test_the_script_trains_alone_and_the_app_loads_its_weights(tmp_path):
    run = load_run(READY["vae"])
    config = dataclasses.replace(run.config, train_limit=256, epochs=1)
    small = SimpleNamespace(spec=run.spec, name="small", config=config)
    (tmp_path / "train.py").write_text(standalone.script(small))
    out = subprocess.run([sys.executable, "train.py", "--data-dir", str(SAMPLE_DIR)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    assert "epoch 1:" in out.stdout
    model = GENERATE.build(run.spec)
    model.load_state_dict(torch.load(tmp_path / "model.pt"))
    picture = (tmp_path / "samples.pgm").read_bytes()
    assert picture.startswith(b"P5 280 280 255\n") and len(picture) == 15 + 280 * 280
    wrong = subprocess.run([sys.executable, "train.py", "--data-dir", str(tmp_path)],
                           cwd=tmp_path, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert wrong.returncode != 0 and "is not in" in wrong.stderr


def test_a_bundle_of_a_ready_model_holds_its_onnx_script_and_a_card_with_its_score():
    run = load_run(READY["gan"])
    raw = bundles.make_bundle(run)
    files = {n.split("/", 1)[1]: zipfile.ZipFile(io.BytesIO(raw)).read(n)
             for n in zipfile.ZipFile(io.BytesIO(raw)).namelist()}  # fmt: skip
    assert {"model.onnx", "train.py", "README.md", "weights.safetensors"} <= set(files)
    card = files["README.md"].decode()
    assert "Fréchet distance to real test digits" in card
    assert f"{run.summary['as_asked']:.1%}" in card and "the generator" in card
