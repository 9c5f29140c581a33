"""Unit dashboards and the BRM's portfolio."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("relationships", __name__)
