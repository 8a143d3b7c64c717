"""Inspect's deeper views in AppTest: a feature map's value worked out, captum's attributions,
what a channel looks for, and a run's training replayed."""

from playground.exchange.runs import default_runs_dir
from playground.serving.jobs import TrainingJob
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from tests.test_app import by_label, keyed, open_page, open_view, sample_as_mnist, shown


def markdown(app) -> str:
    return " ".join(m.value for m in app.markdown)


def captions(app) -> str:
    return " ".join(shown(c) for c in app.caption)


def test_a_feature_maps_value_is_worked_out_where_the_user_points():
    sample_as_mnist()
    app = open_page("app_pages/inspect.py")
    open_view(app, "Worked convolution")
    assert "The feature map holds" in markdown(app)
    (row,) = keyed(app.number_input, "inspect-worked-row")
    (col,) = keyed(app.number_input, "inspect-worked-col")
    row.set_value(3).run()
    col.set_value(20).run()
    text = markdown(app)
    assert "**Row 3, column 20**" in text and "the 3x3 kernel of channel 1" in text
    assert "(they differ by 0.0e+00)" in text or "e-0" in text.split("they differ by")[1][:9]
    by_label(app.selectbox, "Conv layer").select_index(2).run()  # a deeper layer: 32 inputs
    assert "(all 32 input channels)" in markdown(app)
    assert "Input channels 5-32 are not drawn" in captions(app)
    assert not app.exception


def test_four_attributions_with_their_times_and_questions():
    sample_as_mnist()
    app = open_page("app_pages/inspect.py")
    open_view(app, "Attributions")
    keys = {c.key for c in app.get("plotly_chart")}
    for method in ("integrated_gradients", "smoothgrad", "occlusion", "grad_cam"):
        assert f"inspect-attr-{method}" in keys
    assert captions(app).count(" ms") >= 4
    assert "add up to the change of the score" in captions(app)
    by_label(app.selectbox, "For class").set_value(3).run()
    assert not app.exception


def test_what_a_class_looks_for_is_found_once_and_kept():
    sample_as_mnist()
    app = open_page("app_pages/inspect.py")
    open_view(app, "What a channel looks for")
    by_label(app.radio, "What").set_value("An output class").run()
    by_label(app.button, "Find what it looks for").click().run()
    assert "inspect-looks-top" in {c.key for c in app.get("plotly_chart")}
    app.run()
    assert not [b for b in app.button if b.label == "Find what it looks for"]  # kept
    by_label(app.radio, "What").set_value("A conv channel").run()
    assert [b for b in app.button if b.label == "Find what it looks for"]


def test_a_runs_training_is_replayed_from_before_the_first_step_to_the_end():
    sample_as_mnist()
    config = TrainConfig(dataset="mnist-sample", epochs=2, train_limit=1000, batch_size=100)
    job = TrainingJob(ModelSpec.from_preset("seed-cnn"), config, runs_dir=default_runs_dir())
    job.start()
    assert job.wait(120) and job.status.value == "finished", job.message
    app = open_page("app_pages/inspect.py")
    open_view(app, "Replay training")
    assert "Replay needs the weights a job kept" in captions(app)  # the pretrained model
    by_label(app.selectbox, "Model").set_value(str(job.run_dir)).run()
    slider = by_label(app.select_slider, "Moment of training")
    # 10 steps an epoch: step 20 is epoch 2's end
    assert slider.options == ["before training", "step 1", "step 5", "epoch 1", "epoch 2"]
    assert slider.value == 4  # the last
    assert by_label(app.metric, "At epoch 2, it says")
    slider.set_value(0).run()
    assert by_label(app.metric, "At before training, it says")
    assert "inspect-replay-kernels" in {c.key for c in app.get("plotly_chart")}
    assert not app.exception
