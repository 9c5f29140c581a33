"""The public glossary page, the agent's reply hint, and the template helpers."""

from __future__ import annotations

from flask import Blueprint, request

from tracker.glossary import services
from tracker.glossary.forms import HintForm
from tracker.web.arguments import search_words
from tracker.web.authz import staff_required
from tracker.web.rendering import render

bp = Blueprint("glossary", __name__)

QUERY_MAX = 100


@bp.record_once
def _install(state) -> None:
    """One matcher cache per application, shared by the requests of this process."""
    state.app.extensions.setdefault("glossary", services.MatcherCache())
    state.app.add_template_global(services.explain, "jargon")
    state.app.add_template_global(services.words_to_explain, "jargon_words")


def search_query() -> str:
    """The words searched for; nothing if they hold characters no one types (e.g. NUL)."""
    return search_words(request.args.get("q", ""), QUERY_MAX)


@bp.get("/glossary")
def index():
    """Words IT uses, in plain English: open to everyone, signed in or not."""
    query = search_query()
    terms = services.search_terms(query)
    return render(
        "glossary/index.html",
        block="results",
        query=query,
        groups=services.by_letter(terms),
        total=len(terms),
    )


@bp.post("/glossary/hint")
@staff_required
def hint():
    """Which words of the reply being written the requester will see explained."""
    form = HintForm()
    valid = form.validate()
    return render(
        "glossary/_hint.html",
        status=200 if valid else 422,
        hint_text=form.body.data if valid else "",
        hint_public=form.visibility.data == "public",
        # Text the reply could not be sent with is said now, while the agent still types.
        hint_error=None if valid else next(iter(form.errors.values()))[0],
    )
