"""Database settings: pool sizes and a password that needs no URL encoding."""

from __future__ import annotations

import pytest

from insure.db import postgres_config
from insure.settings import SettingsError, load_settings

PG = {"DATABASE_URL": "postgres://insure@db.internal:5432/insure", "VAR_DIR": "/tmp/insure-settings-test"}


def test_pools_are_small_by_default():
    settings = load_settings(PG)
    assert (settings.db_pool_min, settings.db_pool_max) == (1, 5)


def test_pool_sizes_come_from_the_environment():
    settings = load_settings(PG | {"DB_POOL_MIN": "0", "DB_POOL_MAX": "20"})
    assert (settings.db_pool_min, settings.db_pool_max) == (0, 20)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DB_POOL_MAX": "0"}, "DB_POOL_MAX"),
        ({"DB_POOL_MAX": "-3"}, "DB_POOL_MAX"),
        ({"DB_POOL_MAX": "five"}, "DB_POOL_MAX"),
        ({"DB_POOL_MAX": "٥"}, "DB_POOL_MAX"),  # Arabic-Indic five: digits are ASCII
        ({"DB_POOL_MIN": "9" * 5000}, "DB_POOL_MIN"),
        ({"DB_POOL_MIN": "6", "DB_POOL_MAX": "5"}, "DB_POOL_MIN"),
    ],
)
def test_a_bad_pool_size_stops_start_up_naming_the_setting(env, named):
    with pytest.raises(SettingsError, match=named):
        load_settings(PG | env)


def test_database_password_is_taken_as_is_and_wins_over_the_url():
    password = "p@ss:w/rd#1?%"  # every character that would break or change a URL
    settings = load_settings(PG | {"DATABASE_PASSWORD": password})
    config = postgres_config(settings.database_url, settings.database_password)
    assert config == {"host": "db.internal", "port": 5432, "database": "insure", "user": "insure", "password": password}


def test_a_url_encoded_password_in_database_url_still_works():
    config = postgres_config("postgres://insure:p%40ss%2Fword@db:5432/insure")
    assert config["password"] == "p@ss/word"
    assert load_settings(PG).database_password is None
