"""The dividend declaration run's settings come from the environment through Settings: defaults when unset,
the values given, and a clear refusal of a value that is not a number."""

from __future__ import annotations

import pytest

from insure.settings import SettingsError, load_settings

BASE = {"SECRET_KEY": "x" * 40, "VAR_DIR": "/tmp/insure-settings-test"}


def test_the_run_settings_default_to_automatic_chunks_no_pause_and_a_two_minute_lease():
    s = load_settings(BASE)
    assert (s.dividend_run_chunk, s.dividend_run_pause_s, s.dividend_run_lease_s) == (0, 0.0, 120.0)


def test_the_run_settings_are_read_from_the_environment():
    env = {**BASE, "DIVIDEND_RUN_CHUNK": "1", "DIVIDEND_RUN_PAUSE_S": "0.5", "DIVIDEND_RUN_LEASE_S": "1"}
    s = load_settings(env)
    assert (s.dividend_run_chunk, s.dividend_run_pause_s, s.dividend_run_lease_s) == (1, 0.5, 1.0)


@pytest.mark.parametrize(
    ("name", "value"),
    [("DIVIDEND_RUN_CHUNK", "many"), ("DIVIDEND_RUN_PAUSE_S", "-1"), ("DIVIDEND_RUN_LEASE_S", "soon")],
)
def test_a_run_setting_that_is_not_a_sensible_number_is_refused_by_name(name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({**BASE, name: value})
