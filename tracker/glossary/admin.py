"""Administrators keep the glossary: list and search, add, edit, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from sqlalchemy.exc import IntegrityError

from tracker.extensions import db
from tracker.glossary import services
from tracker.glossary.forms import DeleteTermForm, TermForm
from tracker.glossary.views import bp, search_query
from tracker.models import GlossaryTerm, Role
from tracker.web.authz import role_required
from tracker.web.rendering import render

TERM_TAKEN = "“{term}” is already in the glossary."


def _term_or_404(term_id: int) -> GlossaryTerm:
    entry = services.get_term(term_id)
    if entry is None:
        abort(404)
    return entry


@bp.get("/admin/glossary")
@role_required(Role.ADMIN)
def admin_terms():
    """Every term with its explanation; the search looks in words and meanings."""
    query = search_query()
    return render(
        "glossary/admin_list.html", block="results", query=query,
        terms=services.search_terms(query),
    )


@bp.route("/admin/glossary/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_new():
    return _term_page(GlossaryTerm(), TermForm())


@bp.route("/admin/glossary/<int(max=2147483647):term_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_edit(term_id: int):
    entry = _term_or_404(term_id)
    form = TermForm()
    if not form.is_submitted():
        form.term.data, form.explanation.data = entry.term, entry.explanation
        form.synonyms.data = ", ".join(entry.synonym_list)
    return _term_page(entry, form)


def _term_page(entry: GlossaryTerm, form: TermForm):
    """Show the form, or save it and go back to the list."""
    adding = entry.id is None
    if form.validate_on_submit():
        draft = services.TermDraft(form.term.data, form.explanation.data, form.synonym_list())
        try:
            services.save_term(entry, draft)
            db.session.commit()
        except services.GlossaryError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(str(exc))
        except IntegrityError:  # someone saved the same word a moment ago
            db.session.rollback()
            form.term.errors.append(TERM_TAKEN.format(term=form.term.data))
        else:
            flash(f"{'Added' if adding else 'Saved'} “{entry.term}”.", "success")
            return redirect(url_for(".admin_terms"), 303)
    status = 422 if form.is_submitted() else 200
    return render("glossary/admin_form.html", status=status, form=form, entry=entry,
                  adding=adding)


@bp.route("/admin/glossary/<int(max=2147483647):term_id>/delete", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def admin_delete(term_id: int):
    """Ask first; deleting only stops the explanation, replies keep their words."""
    entry = _term_or_404(term_id)
    form = DeleteTermForm()
    if form.validate_on_submit():
        term = entry.term
        services.delete_term(entry)
        db.session.commit()
        flash(f"Deleted “{term}” from the glossary.", "success")
        return redirect(url_for(".admin_terms"), 303)
    status = 422 if form.is_submitted() else 200
    return render("glossary/admin_delete.html", status=status, form=form, entry=entry)
