"""Attachment settings come from the environment and keep the body limit consistent."""

from __future__ import annotations

import pytest

from tracker.config import MIB, Config, ConfigError


def _config(tmp_path, **env) -> Config:
    return Config(str(tmp_path), {"RAPPORT_ENV": "testing", "SECRET_KEY": "k", **env})


def test_defaults_leave_room_for_a_full_upload(tmp_path):
    config = _config(tmp_path)
    assert str(tmp_path / "attachments") == config.RAPPORT_ATTACHMENTS_DIR
    assert config.RAPPORT_ATTACHMENT_MAX_BYTES == 10 * MIB
    assert config.RAPPORT_ATTACHMENTS_PER_REQUEST_BYTES == 50 * MIB
    assert config.RAPPORT_ATTACHMENTS_PER_UPLOAD == 5
    assert config.MAX_CONTENT_LENGTH == 5 * 10 * MIB + MIB


def test_settings_are_read_from_the_environment(tmp_path):
    config = _config(
        tmp_path,
        RAPPORT_ATTACHMENTS_DIR="/srv/rapport-files",
        RAPPORT_ATTACHMENT_MAX_BYTES=str(2 * MIB),
        RAPPORT_ATTACHMENTS_PER_REQUEST_BYTES=str(20 * MIB),
        RAPPORT_ATTACHMENTS_PER_UPLOAD="3",
    )
    assert config.RAPPORT_ATTACHMENTS_DIR == "/srv/rapport-files"
    assert config.MAX_CONTENT_LENGTH == 3 * 2 * MIB + MIB
    assert _config(tmp_path, RAPPORT_MAX_UPLOAD_BYTES=str(40 * MIB)).MAX_CONTENT_LENGTH \
        == 40 * MIB


@pytest.mark.parametrize(("name", "value", "words"), [
    ("RAPPORT_MAX_UPLOAD_BYTES", str(MIB), "must leave room for one file"),
    ("RAPPORT_ATTACHMENT_MAX_BYTES", "0", "positive whole number"),
    ("RAPPORT_ATTACHMENTS_PER_UPLOAD", "many", "whole number"),
])
def test_impossible_settings_are_refused_with_a_reason(tmp_path, name, value, words):
    with pytest.raises(ConfigError, match=words):
        _config(tmp_path, **{name: value})
