"""Many people, one server, through AppTest: each AppTest is a browser of its own (its own
owner key), so two of them are two people. A "reload" is a new session with the same key."""

import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from playground.engine import owners
from playground.exchange import run_files, runs
from playground.tasks.image import models
from playground.tasks.image.recipe import TrainConfig
from playground.tasks.image.specs import ModelSpec
from playground.ui import identity, state
from tests.test_app import (
    APP,
    by_label,
    ended,
    metric,
    open_page,
    quick_training,
    start,
    wait_until,
)
from tests.test_fit import GROWING

CONTROLS = ("Pause", "Resume", "Stop", "Cancel", "Share", "Apply")


@pytest.fixture
def server(monkeypatch):
    """The app's process-wide manager, made again with these settings (environment variables,
    as a server would have them); every job is stopped at the end."""

    def configure(**settings) -> None:
        for name, value in settings.items():
            monkeypatch.setenv(f"PLAYGROUND_{name.upper()}", str(value))
        state.manager.clear()

    configure()
    yield configure
    for job in state.manager().jobs():
        job.stop()
        job.wait(30)
    state.manager.clear()


def as_same_browser(app: AppTest, page: str = "app_pages/train.py") -> AppTest:
    """A new session of the browser that `app` is: what a reload or a new tab is."""
    again = AppTest.from_file(str(APP), default_timeout=30)
    again.session_state[identity.KEY] = app.session_state[identity.KEY]
    again.run()
    again.switch_page(page).run()
    return again


def opened(page: str, query: dict | None = None, user: dict | None = None) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=30)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    if user is not None:
        app.user = user
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def labels(app: AppTest) -> set[str]:
    return {b.label for b in app.button}


def training(app: AppTest, epochs: int = 50) -> None:
    quick_training(app, epochs=epochs, limit=3000)
    start(app)
    wait_until(app, lambda a: a.metric and metric(a, "Train loss") != "-")


def texts(elements) -> str:
    """What the elements show, as a reader sees it (markdown escapes removed)."""
    return re.sub(r"\\(.)", r"\1", " ".join(e.value for e in elements))


def errors(app: AppTest) -> str:
    return texts(app.error)


def test_two_people_never_see_or_touch_each_others_job(server):
    ada = open_page("app_pages/train.py")
    training(ada)
    job_id = ada.query_params["job"]
    assert {"Pause", "Stop", "Share"} <= labels(ada)
    assert by_label(ada.button, "Start training").disabled  # one job per person

    bob = open_page("app_pages/train.py")
    assert not labels(bob) & set(CONTROLS) and not bob.metric
    assert by_label(bob.button, "Start training").disabled is False
    # ... nor through Ada's link to her job
    linked = opened("app_pages/train.py", {"job": job_id})
    assert "belongs to someone else" in texts(linked.warning)
    assert not labels(linked) & set(CONTROLS)
    # ... nor in the model pickers of the other pages
    for page, key in (("draw", "draw-model"), ("inspect", "inspect-model")):
        bob.switch_page(f"app_pages/{page}.py").run()
        assert "live" not in bob.selectbox(key=key).options
    # Bob queues behind Ada: his position, a Cancel, and no second job
    bob.switch_page("app_pages/train.py").run()
    quick_training(bob, epochs=1, limit=1000)
    start(bob)
    assert "Next in the queue" in texts(bob.info)
    assert by_label(bob.button, "Start training").disabled
    assert "You already have a job waiting in the queue" in texts(bob.caption)
    by_label(bob.button, "Cancel").click().run()
    assert "Cancelled before it started" in texts(bob.info)
    assert by_label(bob.button, "Start training").disabled is False

    # Ada reloads: her job, still hers, still live
    again = as_same_browser(ada)
    assert {"Pause", "Stop"} <= labels(again) and again.query_params["job"] == job_id
    by_label(again.button, "Stop").click()
    wait_until(again, ended)
    assert "Stopped" in texts(again.info)
    # her run is hers: Bob's table does not list it
    bob.run()
    assert len(again.dataframe[0].value) == 1 and list(again.dataframe[0].value["owner"]) == ["you"]
    assert not bob.dataframe or len(bob.dataframe[0].value) == 0


def test_a_watch_link_shows_the_curves_live_and_no_control(server):
    ada = open_page("app_pages/train.py")
    training(ada)
    by_label(ada.button, "Share").click().run()
    link = ada.code[0].value
    token = re.search(r"\?watch=([A-Za-z0-9_-]+)$", link).group(1)

    watcher = opened("app_pages/train.py", {"watch": token})
    assert "watching someone's job live" in texts(watcher.caption)
    assert labels(watcher) == {"Use this model"}  # no control, no Start training
    first = int(metric(watcher, "Epoch").split("/")[0]), watcher.get("progress")[0].proto.text
    wait_until(watcher, lambda a: a.get("progress")[0].proto.text != first[1])
    assert len(watcher.get("plotly_chart")) >= 1

    ada.switch_page("app_pages/train.py").run()
    by_label(ada.button, "Stop").click()
    wait_until(ada, ended)
    wait_until(watcher, lambda a: "Stopped" in texts(a.info))
    by_label(watcher.button, "Use this model").click().run()
    assert "Copied into your runs as" in texts(watcher.info)
    # the copy is the watcher's own run; Ada's run is untouched and still only hers
    owner = watcher.session_state[identity.KEY]
    copies = [r for r in runs.list_runs() if r.name.endswith("copy-of-seed-cnn")]
    assert len(copies) == 1 and copies[0].owner != ada.session_state[identity.KEY]
    assert owner and copies[0].has_weights

    # once the job has left the server's memory (here: a restart), the link shows its run
    server()
    later = opened("app_pages/train.py", {"watch": token})
    assert "someone's finished run" in texts(later.caption)
    assert len(later.get("plotly_chart")) >= 1 and labels(later) == {"Use this model"}
    bad = opened("app_pages/train.py", {"watch": "not-a-real-token-at-all"})
    assert "does not lead to a job or a run" in errors(bad)


def test_the_queue_cap_says_the_queue_is_full(server):
    server(queue_cap=1)
    training(open_page("app_pages/train.py"))
    bob = open_page("app_pages/train.py")
    quick_training(bob, epochs=1, limit=1000)
    start(bob)
    cy = open_page("app_pages/train.py")
    quick_training(cy, epochs=1, limit=1000)
    start(cy)
    assert "The queue is full (1 jobs are waiting" in errors(cy)
    assert not labels(cy) & set(CONTROLS)


def trained_to_the_end(epochs: int, limit: int) -> AppTest:
    """A new person's Train page after a job of theirs has ended."""
    app = open_page("app_pages/train.py")
    quick_training(app, epochs=epochs, limit=limit)
    start(app)
    wait_until(app, ended)
    return app


def test_the_time_limit_stops_a_job_and_keeps_its_run(server):
    server(job_minutes=0.03)
    app = trained_to_the_end(50, 3000)
    assert "Stopped: time limit (this server allows 2 s a job)" in texts(app.info)
    (run,) = runs.list_runs()
    assert run.has_weights and run.summary["status"] == "stopped"


def test_a_paused_job_ends_after_the_pause_limit(server):
    server(pause_minutes=0.02)
    app = open_page("app_pages/train.py")
    training(app)
    by_label(app.button, "Pause").click().run()
    wait_until(app, ended)
    assert "paused for 1 s, so its slot went to the next job" in texts(app.info)


def test_the_memory_budget_refuses_a_model_that_would_not_fit(server):
    app = open_page("app_pages/build.py")
    app.file_uploader[0].set_value(("big.json", GROWING.to_json().encode(), "application/json"))
    app.run()
    assert "keeps the most for the backward pass" in texts(app.warning)
    app.switch_page("app_pages/train.py").run()
    assert "Use a batch size of at most" in errors(app)
    assert by_label(app.button, "Start training").disabled


def test_build_shows_the_memory_of_a_training_step():
    app = open_page("app_pages/build.py")
    rows = app.dataframe[0].value.to_dict("records")
    assert rows[-1]["memory"].endswith("MB")
    assert any(
        "One training step with a batch of 128 and Adam needs about" in c.value for c in app.caption
    )


def test_a_full_disk_quota_is_a_message(server):
    server(disk_quota_mb=0.001)
    app = trained_to_the_end(1, 500)
    app.run()
    assert "Delete some to train again" in texts(app.warning)
    start(app)
    assert "each person may keep on this server" in errors(app)
    assert len(runs.list_runs()) == 1  # nothing was deleted


def test_runs_without_an_owner_are_examples_for_everyone(server):
    mlp = ModelSpec.from_preset("mlp")
    writer = run_files.RunWriter(
        runs.default_runs_dir(), "from-the-cli", mlp, TrainConfig(dataset="mnist-sample")
    )
    writer.save_weights(models.build(ModelSpec.from_preset("mlp")).state_dict())
    writer.finish({"status": "finished"})
    for _ in range(2):
        app = open_page("app_pages/train.py")
        assert list(app.dataframe[0].value["owner"]) == ["example"]
        app.switch_page("app_pages/evaluate.py").run()
        assert any(o.endswith(" · example") for o in app.selectbox(key="eval-model").options)


def test_a_logged_in_user_owns_jobs_on_every_device(server):
    user = {"is_logged_in": True, "iss": "https://id.example.com", "sub": "1001",
            "email": "Ada@example.com", "email_verified": True, "name": "Ada"}  # fmt: skip
    laptop = opened("app_pages/train.py", user=user)
    training(laptop)
    phone = opened("app_pages/train.py", user=user)  # another session, another browser key
    assert {"Pause", "Stop"} <= labels(phone)
    stranger = opened("app_pages/train.py", user={**user, "sub": "1002"})  # same e-mail
    assert not labels(stranger) & set(CONTROLS)
    by_label(phone.button, "Stop").click()
    wait_until(phone, ended)
    (run,) = runs.list_runs()
    assert run.owner == owners.user_owner(user)


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "ada@example.com", "email_verified": True},  # the case differs
        {"email": "Ada@example.com"},  # not verified
        {"email": "Ada@example.com", "email_verified": "true"},  # not the provider's True
    ],
    ids=["other-case", "unverified", "verified-as-text"],
)
def test_an_e_mail_is_an_owner_only_verified_and_exactly_as_written(server, claims):
    ada = {"is_logged_in": True, "email": "Ada@example.com", "email_verified": True}
    training(opened("app_pages/train.py", user=ada))
    other = opened("app_pages/train.py", user={"is_logged_in": True, **claims})
    assert not labels(other) & set(CONTROLS)
    assert owners.user_owner({**claims}) != owners.user_owner(ada)


def test_names_people_type_are_shown_as_plain_text(server):
    app = open_page("app_pages/build.py")
    name = "**bold** [link](http://example.com) :red[red] <b>html</b>"
    app.text_input[0].input(name).run()
    sidebar = " ".join(m.value for m in app.sidebar.markdown)
    assert r"\*\*bold\*\* \[link\]\(http\:" in sidebar and r"\<b\>html\</b\>" in sidebar


def test_many_watchers_share_one_view_of_the_job_built_once_per_new_data(server):
    from playground.serving import live_view

    ada = open_page("app_pages/train.py")
    training(ada)
    by_label(ada.button, "Share").click().run()
    token = re.search(r"\?watch=([A-Za-z0-9_-]+)$", ada.code[0].value).group(1)
    watchers = [opened("app_pages/train.py", {"watch": token}) for _ in range(4)]
    by_label(ada.button, "Pause").click().run()
    (job,) = state.manager().jobs()
    # the step under way when Pause came has ended, and the shared view shows its records
    wait_until(ada, lambda _: job.held and live_view.view_of(job).key[0] == job.log.version)
    watchers[0].run()  # no new data from here on
    built = live_view.VIEWS.builds
    for _ in range(3):
        for page in [ada, *watchers]:
            page.run()
            assert metric(page, "Epoch") == metric(ada, "Epoch")
    assert live_view.VIEWS.builds == built  # fifteen polls, no new data: nothing built
    by_label(ada.button, "Resume").click().run()
    before = live_view.VIEWS.builds
    started = time.monotonic()
    rounds = 0
    while time.monotonic() - started < 3:
        for page in watchers:
            page.run()
        rounds += 1
    # at most one build per refresh interval, however many watchers polled
    assert live_view.VIEWS.builds - before <= 3 / live_view.REFRESH_SECONDS + 2 < rounds * 4
