"""The relationships blueprint, shared by its view modules."""

from flask import Blueprint

bp = Blueprint("relationships", __name__)
