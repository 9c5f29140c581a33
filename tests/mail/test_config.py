"""E-mail settings read from the environment: off by default, and refused when half set."""

from __future__ import annotations

import pytest

from tracker.config import Config, ConfigError

BASE = {"SECRET_KEY": "a-secret-for-this-test-only", "DATABASE_URL": "sqlite://"}
ON = {**BASE, "MAIL_SERVER": "smtp.example.com", "MAIL_DEFAULT_SENDER": "it@example.com",
      "RAPPORT_BASE_URL": "https://rapport.example.com/"}


def test_e_mail_is_off_unless_a_server_is_named(tmp_path):
    config = Config(str(tmp_path), BASE)
    assert config.MAIL_SERVER is None
    assert config.RAPPORT_BASE_URL is None


def test_ports_follow_the_kind_of_tls(tmp_path):
    assert Config(str(tmp_path), ON).MAIL_PORT == 25
    assert Config(str(tmp_path), {**ON, "MAIL_USE_TLS": "1"}).MAIL_PORT == 587
    assert Config(str(tmp_path), {**ON, "MAIL_USE_SSL": "true"}).MAIL_PORT == 465
    assert Config(str(tmp_path), {**ON, "MAIL_USE_TLS": "1", "MAIL_PORT": "2525"}).MAIL_PORT \
        == 2525


def test_a_complete_setting(tmp_path):
    config = Config(str(tmp_path), {**ON, "MAIL_USERNAME": "rapport", "MAIL_PASSWORD": "pw",
                                    "MAIL_MAX_ATTEMPTS": "4", "MAIL_TIMEOUT": "5"})
    assert config.RAPPORT_BASE_URL == "https://rapport.example.com"  # no trailing slash
    assert (config.MAIL_USERNAME, config.MAIL_PASSWORD) == ("rapport", "pw")
    assert (config.MAIL_MAX_ATTEMPTS, config.MAIL_TIMEOUT) == (4, 5)


@pytest.mark.parametrize(("changes", "named"), [
    ({"MAIL_DEFAULT_SENDER": ""}, "MAIL_DEFAULT_SENDER"),
    ({"RAPPORT_BASE_URL": ""}, "RAPPORT_BASE_URL"),
    ({"RAPPORT_BASE_URL": "rapport.example.com"}, "RAPPORT_BASE_URL"),
    ({"MAIL_USE_TLS": "1", "MAIL_USE_SSL": "1"}, "MAIL_USE_SSL"),
    ({"MAIL_PORT": "smtp"}, "MAIL_PORT"),
])
def test_half_set_e_mail_is_refused_with_what_to_fix(tmp_path, changes, named):
    with pytest.raises(ConfigError, match=named):
        Config(str(tmp_path), {**ON, **changes})
