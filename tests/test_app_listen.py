"""The Listen page in AppTest, in English and in Chinese: a recording of a test voice heard by
the ready model with its probabilities and what decided it; bad audio gets a sentence; a test
voice heard without a microphone; one's voice taught (recordings kept per owner, one in three
held back, a fine-tune in the background, before and after, the tuned model listening next);
and a model trained on the page listening once it has weights."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from playground.datasets import spoken
from playground.tasks.listen.task import LISTEN
from playground.ui import identity, state
from playground.ui.listen import voice
from tests.test_app import APP, ended, errors, wait_until
from tests.test_app_every_run import ada, fine
from tests.test_i18n_states import language
from tests.test_spoken import wav


@pytest.fixture(scope="module")
def sevens():
    """Three renditions of 7 by a test voice, in Chinese (the harder language)."""
    _train, test = spoken.load()
    voice = sorted(set(test.voices.tolist()))[0]
    keep = (test.voices == voice) & (test.digits == 7) & (test.languages == "zh")
    return [("seven.wav", wav(c, spoken.RATE), "audio/wav") for c in test.clips[keep]]


def heard(app: AppTest) -> str:
    return " ".join(m.value for m in app.markdown if m.value.startswith("###"))


@pytest.fixture(autouse=True)
def fresh():
    """No jobs, and no one's recordings (the server keeps them while it runs)."""
    state.manager.clear()
    voice._store.clear()
    yield
    state.manager.clear()
    voice._store.clear()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_recording_is_heard_with_its_probabilities_and_what_decided_it(lang, sevens):
    with language(lang):
        app = ada("listen", lang)
        assert app.selectbox(key="listen-model").value == str(LISTEN.pretrained)
        app.audio_input(key="listen-say-mic").set_value(sevens[0]).run()
        fine(app, lang)
        said = "It heard **7**" if lang == "en" else "它听到的是 **7**"
        assert said in heard(app), heard(app)
        charts = {c.key for c in app.get("plotly_chart")}
        assert {"listen-probabilities", "listen-heard", "listen-why"} <= charts, charts
        silent = ("quiet.wav", wav(np.zeros(8000, np.float32), 8000), "audio/wav")
        app.audio_input(key="listen-say-mic").set_value(silent).run()
        fine(app, lang)
        assert ("silent" if lang == "en" else "静音") in errors(app), errors(app)
        assert not heard(app)


def test_a_test_voice_is_heard_without_a_microphone():
    app = ada("listen")
    app.segmented_control(key="listen-source").set_value(
        "A test voice (never heard in training)"
    ).run()
    assert not app.exception, app.exception
    assert "It heard **7**" in heard(app), heard(app)  # the first test voice's 7


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_my_voice_is_kept_for_me_fine_tuned_on_and_shown_before_and_after(lang, sevens):
    with language(lang):
        app = ada("listen", lang)
        app.selectbox(key="voice-digit").set_value(7).run()
        for recording in sevens:
            app.audio_input(key="voice-mic").set_value(recording).run()
            app.button(key="voice-keep").click().run()
            fine(app, lang)
        (counts,) = [d.value for d in app.dataframe if d.value.shape == (1, 3)]
        assert counts.iloc[0].tolist() == [7, 2, 1]  # the third held back
        bob = AppTest.from_file(str(APP), default_timeout=120)
        bob.session_state[identity.KEY] = "b" * 32
        bob.run()
        bob.switch_page("app_pages/listen.py").run()
        assert not bob.dataframe  # Ada's recordings, not Bob's
        assert "Record each digit a few times" in " ".join(c.value for c in bob.caption)
        app.button(key="voice-start").click().run()
        assert not errors(app), errors(app)
        wait_until(app, lambda a: any(d.value.shape == (3, 4) for d in a.dataframe), 300)
        fine(app, lang, names=("listen-cnn-my-voice",))
        (table,) = [d.value for d in app.dataframe if d.value.shape == (3, 4)]
        assert len(table) == 3 and table.iloc[:, 0].tolist() == [7, 7, 7]
        said = " ".join(s.value for s in app.success)
        assert ("held-back" if lang == "en" else "留出") in said, said
        app.run()  # the tuned model listens next
        assert app.selectbox(key="listen-model").value.endswith("listen-cnn-my-voice")


def test_a_model_trained_on_the_page_listens_once_it_has_weights():
    app = ada("listen")
    v = f"listen-{state_version(app)}"
    app.selectbox(key=f"{v}-language").set_value("en")
    app.number_input(key=f"{v}-epochs").set_value(1)
    app.number_input(key=f"{v}-width").set_value(4)
    app.run()
    app.button(key="listen-start").click().run()
    assert not errors(app), errors(app)
    wait_until(app, ended, 300)
    assert app.selectbox(key="listen-model").value == "live"
    assert "Finished 1 epoch" in app.success[-1].value
    assert "English test accuracy" in " ".join(m.label for m in app.metric) or app.success


def state_version(app: AppTest) -> int:
    found = [w.key for w in app.selectbox if w.key and w.key.endswith("-architecture")]
    return int(found[0].split("-")[1])
