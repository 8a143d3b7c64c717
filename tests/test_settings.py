"""The server's limits: defaults, a settings file, the environment over it, bad values."""

import pytest

from playground.engine import settings
from playground.engine.records import SpecError
from playground.engine.settings import ServerSettings


def test_the_defaults_suit_a_laptop(tmp_path):
    loaded = settings.load(tmp_path / "none.toml", environ={})
    assert loaded == ServerSettings()
    assert loaded.running_limit(None) == 1 and loaded.pause_seconds == 600
    assert loaded.memory_budget_bytes == 2 * 2**30 and loaded.disk_quota_bytes == 500 * 2**20


def test_a_file_sets_limits_and_the_environment_overrides_it(tmp_path):
    file = tmp_path / "settings.toml"
    file.write_text("queue_cap = 5\njob_minutes = 30\ndisk_quota_mb = 0\n")
    loaded = settings.load(file, environ={"PLAYGROUND_QUEUE_CAP": "7"})
    assert (loaded.queue_cap, loaded.job_seconds, loaded.disk_quota_bytes) == (7, 1800, None)
    named = settings.load(environ={"PLAYGROUND_SETTINGS": str(file)})
    assert named.queue_cap == 5


@pytest.mark.parametrize(
    ("file", "environ", "says"),
    [
        ("queue_cap = 'many'", {}, "The setting queue_cap is 'many': it must be a whole number"),
        ("", {"PLAYGROUND_JOB_MINUTES": "soon"}, "job_minutes is 'soon': it must be a number"),
        ("", {"PLAYGROUND_QUEUE_CAP": "2.5"}, "must be a whole number"),
        ("", {"PLAYGROUND_PAUSE_MINUTES": "-1"}, "it must be a number from 0"),
        ("", {"PLAYGROUND_MEMORY_BUDGET_MB": "nan"}, "is 'nan': it must be a number"),
        ("", {"PLAYGROUND_QUEUE_CAP": "0"}, "queue_cap must be at least 1"),
        ("queue_cap = true", {}, "must be a whole number"),
        ("jobs = 3", {}, "unknown setting 'jobs'"),
        ("queue_cap = ", {}, "cannot be read"),
    ],
)
def test_a_value_that_cannot_be_used_is_named(tmp_path, file, environ, says):
    path = tmp_path / "settings.toml"
    path.write_text(file)
    with pytest.raises(SpecError, match=says):
        settings.load(path, environ=environ)
