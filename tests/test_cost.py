"""What a run costs: the counted FLOPs against the analytic count, and the summary's keys."""

import dataclasses
import math

import pytest
import torch
from torch import nn

from playground.engine import cost
from playground.engine.task import named
from playground.serving.jobs import TrainingJob
from playground.tasks.language.recipe import LanguageConfig
from playground.tasks.language.specs import GPTSpec
from playground.tasks.language.task import preset


def analytic_image(model: nn.Module, shape) -> float:
    """Multiply-adds x 2 of every conv and linear layer, forward; backward twice that, but
    the first layer needs no gradient of its input (only of its weights)."""
    forward, first = [], []

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            flops = 2 * module.in_channels // module.groups * k * output[0].numel()
        else:
            flops = 2 * module.in_features * module.out_features
        forward.append(flops)
        if not first:
            first.append(flops)

    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            m.register_forward_hook(hook)
    with torch.no_grad():
        model(torch.zeros((1, *shape)))
    return 3 * sum(forward) - first[0]


@pytest.mark.parametrize("name", ["seed-cnn", "mlp", "lenet5"])
def test_image_flops_equal_the_analytic_count(name):
    task = named("image")
    spec, config = task.presets()[name]()
    counted = task.flops_per_sample(spec, config)
    expected = analytic_image(task.build(spec), spec.input_shape)
    assert counted == pytest.approx(expected, rel=0.10), (counted, expected)


@pytest.mark.parametrize(
    "spec",
    [
        dataclasses.replace(preset("shakespeare-char")[0], vocab=65),
        GPTSpec(layers=2, heads=2, width=64, context=32, vocab=30),
        GPTSpec(layers=6, heads=8, width=256, context=128, vocab=500),
    ],
)
def test_gpt_flops_are_six_parameters_per_token_plus_attention(spec):
    """Kaplan et al.'s count: 6 x the parameters of the blocks and the head per token, plus
    attention (its scores and their mix with the values: 4 x context x width a layer,
    forward, over the full square as SDPA computes it; backward twice that)."""
    task = named("language")
    model = task.build(spec)
    blocks = sum(p.numel() for n, p in model.named_parameters() if ".blocks." in f".{n}")
    head = spec.width * spec.vocab  # the output layer's matrix (tied or not)
    attention = 3 * spec.layers * 4 * spec.context * spec.width
    expected = 6 * (blocks + head) + attention
    counted = task.flops_per_sample(spec, LanguageConfig())
    assert counted == pytest.approx(expected, rel=0.10), (counted, expected)


def test_a_jobs_summary_says_what_it_cost():
    spec = GPTSpec(layers=1, heads=1, width=16, context=8, name="t")
    config = LanguageConfig(
        corpus="copy", steps=6, batch_size=4, eval_every=3, eval_batches=1, sample_length=0
    )
    job = TrainingJob(spec, config)
    job.start()
    assert job.wait(120) and job.status.value == "finished", job.message
    s = job.summary
    assert s["samples"] == pytest.approx(6 * 4 * 8, rel=0.01)
    assert s["flops"] == pytest.approx(job.flops_per_sample * s["samples"], rel=1e-6)
    a = cost.Assumptions()
    wh = s["train_seconds"] * torch.get_num_threads() * a.cpu_watts_per_core / 3600
    assert 0 < s["energy_wh"] <= wh * 1.05 + 1e-4  # at most the wall time's (CPU time: less)
    assert s["co2_g"] == pytest.approx(s["energy_wh"] / 1000 * a.grid_g_per_kwh, abs=1e-3)
    assert "FLOP" in cost.cost_text(s) and "CO2" in cost.cost_text(s)


def test_energy_on_a_cpu_counts_the_threads_cpu_time_not_the_waiting():
    """Issue 34, item 14: energy was wall time x cores x watts, so on a busy server a small job
    that waited for cores "cost" five times a large one. A thread that waits uses no CPU time:
    it is charged nothing for it; one that computes is charged its CPU time."""
    import threading
    import time

    found = {}

    def job(work: bool) -> None:
        meter = cost.EnergyMeter("cpu", cost.Assumptions())
        started = time.perf_counter()
        if work:
            while time.thread_time() - meter._cpu_start < 0.2:
                sum(i * i for i in range(1000))
        else:
            time.sleep(0.3)
        wall = time.perf_counter() - started
        found[work] = (meter.watt_hours(wall), wall)

    for work in (False, True):
        thread = threading.Thread(target=job, args=(work,))
        thread.start()
        thread.join()
    per_second = torch.get_num_threads() * cost.Assumptions().cpu_watts_per_core / 3600
    waited, wall = found[False]
    assert waited < 0.05 * wall * per_second  # the wall time's would be all of it
    worked, wall = found[True]
    assert worked == pytest.approx(0.2 * per_second, rel=0.25)
    assert cost.EnergyMeter("cpu", cost.Assumptions()).cpu_seconds() is not None
    other = {}
    meter = cost.EnergyMeter("cpu", cost.Assumptions())
    thread = threading.Thread(target=lambda: other.update(seconds=meter.cpu_seconds()))
    thread.start()
    thread.join()
    assert other["seconds"] is None  # asked from another thread: not known


def test_texts_and_settings():
    assert cost.flops_text(None) == "-"
    assert cost.flops_text(2.5e12) == "2.5 TFLOP"
    assert cost.flops_text(340e9) == "340 GFLOP"
    assert cost.cost_text({}) == ""
    from playground.engine import settings

    found = settings.load(environ={"PLAYGROUND_GRID_G_PER_KWH": "50"}).assumptions
    assert found.grid_g_per_kwh == 50 and "50 g CO2 per kWh" in found.text()
    assert math.isclose(cost.costs(10, 3, 2.0, found)["co2_g"], 0.1)


def test_counting_flops_does_not_disturb_autograd_in_other_threads():
    """Issue 34, item 7: while one thread counts a job's FLOPs, another runs a module forward
    and `autograd.grad` (the Concepts lab): PyTorch's counter hooked every module of the
    process and the other thread's grad failed ("A leaf node was passed to
    _will_engine_execute_node..."; ../shared/repro/flop_counter_race.py). Counting touches no
    state outside its own thread now; both threads run a fixed number of rounds."""
    import threading

    task = named("image")
    spec, config = task.presets()["mlp"]()
    counts, errors, rounds = [], [], 300
    counting_done = threading.Event()

    def count() -> None:
        for _ in range(rounds // 10):
            counts.append(task.flops_per_sample(spec, config))
        counting_done.set()

    def grads() -> None:
        done = 0
        while done < rounds or not counting_done.is_set():
            x = torch.linspace(-3, 3, 200, requires_grad=True)
            try:
                (g,) = torch.autograd.grad(nn.Sigmoid()(x).sum(), x)
            except RuntimeError as e:
                errors.append(str(e))
                break
            assert torch.allclose(g, torch.sigmoid(x) * (1 - torch.sigmoid(x)))
            done += 1

    threads = [threading.Thread(target=count), threading.Thread(target=grads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[0]
    assert len(set(counts)) == 1 and counts[0] > 0
