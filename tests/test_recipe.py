"""The training settings' one table: TrainConfig's validation, the Train form and the CLI's flags
all come from it, and this proves they agree, row by row."""

import math

import pytest
from streamlit.testing.v1 import AppTest

from playground.cli import main as cli
from playground.engine.records import SpecError
from playground.tasks.image import catalog
from playground.tasks.image.recipe import REGISTRIES, SETTINGS, TrainConfig
from playground.tasks.image.specs import ModelSpec
from tests.test_app import APP, shown

NUMBERS = [s for s in SETTINGS if s.low is not None]
CHOICES = [s for s in SETTINGS if s.choices in REGISTRIES]


def config_with(name, value) -> TrainConfig:
    return TrainConfig.from_dict({name: value})


def just_outside(setting):
    if setting.kind is int:
        return setting.low - 1, setting.high + 1
    return math.nextafter(setting.low, -math.inf), math.nextafter(setting.high, math.inf)


def test_every_field_of_train_config_is_a_row():
    assert [f for f in TrainConfig.__dataclass_fields__] == [s.name for s in SETTINGS]
    assert TrainConfig() == TrainConfig(**{s.name: s.default for s in SETTINGS}).validate()


@pytest.mark.parametrize("setting", NUMBERS, ids=lambda s: s.name)
def test_validation_takes_exactly_the_rows_range(setting):
    for value in (setting.low, setting.high):
        assert getattr(config_with(setting.name, setting.kind(value)), setting.name) == value
    for value in just_outside(setting):
        with pytest.raises(SpecError, match=f"must be from {setting.range_text}"):
            config_with(setting.name, value)


@pytest.mark.parametrize("setting", CHOICES, ids=lambda s: s.name)
def test_validation_takes_exactly_the_registrys_names(setting):
    for name in REGISTRIES[setting.choices]:
        assert getattr(config_with(setting.name, name), setting.name) == name
    with pytest.raises(SpecError, match="choose one of"):
        config_with(setting.name, "nonsense")


def train(*flags: str):
    args = cli._parser().parse_args(["train", *flags])
    return cli.build_config(args, ModelSpec.from_preset("mlp"))


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_each_setting_has_a_cli_flag_that_takes_its_values(setting, capsys):
    if setting.kind is bool:
        assert getattr(train(setting.flag), setting.name) is True
        assert getattr(train("--no-" + setting.flag[2:]), setting.name) is False
        return
    if setting.choices in REGISTRIES:
        for name in REGISTRIES[setting.choices]:
            assert getattr(train(setting.flag, name), setting.name) == name
        with pytest.raises(SystemExit):
            train(setting.flag, "nonsense")
        return
    if setting.choices == "devices":
        assert train(setting.flag, "cpu").device == "cpu"
        with pytest.raises(SpecError, match="is not one of auto, cpu"):
            train(setting.flag, "tpu")
        return
    if setting.parse is not None:  # a text: one the setting takes, and one it does not
        assert getattr(train(setting.flag, "1,2"), setting.name) == "1,2"
        with pytest.raises(SpecError, match="Classes"):
            train(setting.flag, "nonsense")
        return
    for value in (setting.low, setting.high):
        assert getattr(train(setting.flag, str(setting.kind(value))), setting.name) == value
    with pytest.raises(SpecError, match=f"must be from {setting.range_text}"):
        train(setting.flag, str(just_outside(setting)[1]))


def test_the_train_form_has_one_widget_per_row_with_the_rows_range_and_choices():
    app = AppTest.from_file(str(APP), default_timeout=30).run()
    app.switch_page("app_pages/train.py").run()
    widgets = {
        w.label: w
        for kind in ("number_input", "slider", "selectbox", "toggle", "text_input")
        for w in app.get(kind)
        if w.key and w.key.startswith("train-")
    }
    assert sorted(widgets) == sorted(s.label for s in SETTINGS)
    first = {**TrainConfig().to_dict(), **catalog.PRESETS["seed-cnn"].recipe}  # the page's model
    for s in NUMBERS:
        w = widgets[s.label]
        assert (w.min, w.max) == (s.low, s.high), s.name
        assert w.value == first[s.name]
    for s in CHOICES:
        entries = REGISTRIES[s.choices]
        assert widgets[s.label].options == [e.label for e in entries.values()], s.name
    # the far end of every range is a value the page takes (with what each setting needs on)
    widgets["Schedule"].set_value("step")
    widgets["Augment (random rotation, scale, shift)"].set_value(True)
    app.run()
    widgets = {
        w.label: w
        for kind in ("number_input", "slider")
        for w in app.get(kind)
        if w.key and w.key.startswith("train-")
    }
    for s in NUMBERS:
        widgets[s.label].set_value(s.kind(s.high))
    app.run()
    assert not app.exception
    assert not [shown(e) for e in app.error if "must be" in e.value]  # (a batch of 8192 is
    # over the memory budget: a message about the model, not about a setting)
    made = app.session_state["session-recipe"]  # what the form made of it
    for s in NUMBERS:
        assert getattr(made, s.name) == s.high, s.name
