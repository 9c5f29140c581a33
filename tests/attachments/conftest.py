"""Each test starts with an empty attachment store, and can look inside it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def empty_store(app):
    root = Path(app.config["RAPPORT_ATTACHMENTS_DIR"])
    shutil.rmtree(root, ignore_errors=True)
    yield


@pytest.fixture
def stored_files(app):
    """The names of the files in the store right now."""
    root = Path(app.config["RAPPORT_ATTACHMENTS_DIR"])

    def listing() -> set[str]:
        return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()

    return listing
