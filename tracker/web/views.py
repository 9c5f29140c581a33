"""Plumbing routes: the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tracker.extensions import db

bp = Blueprint("web", __name__)


@bp.get("/healthz")
def healthz():
    """200 while the database answers, 503 otherwise (for load balancers and probes)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        response = jsonify(status="unavailable", database="unreachable")
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response
    finally:
        db.session.rollback()
    return jsonify(status="ok", database="ok")
