"""CSV import of business units or people: always a dry run first, then one transaction."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from tracker.admin.csv_import import (
    COLUMNS,
    ImportFileError,
    ImportPlan,
    decode_upload,
    plan_import,
    write_plan,
)
from tracker.admin.forms import ConfirmImportForm, ImportForm
from tracker.admin.views import bp
from tracker.extensions import db
from tracker.models import Role
from tracker.web.authz import role_required
from tracker.web.rendering import render


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_csv():
    """Upload a file to preview it; confirming re-checks the same text and imports it."""
    if request.method == "POST" and "csv_text" in request.form:
        return _confirm()
    form = ImportForm()
    if form.validate_on_submit():
        try:
            text = decode_upload(form.file.data.read())
        except ImportFileError as exc:
            form.file.errors.append(str(exc))
        else:
            plan = plan_import(form.kind.data, text, current_user.id)
            if not plan.problems:
                return _preview(plan, text)
            form.file.errors.extend(plan.problems)
    status = 422 if form.is_submitted() else 200
    return render("admin/import.html", status=status, form=form, columns=COLUMNS)


def _preview(plan: ImportPlan, text: str, status: int | None = None):
    confirm = ConfirmImportForm(formdata=None, kind=plan.kind, csv_text=text)
    return render("admin/import_preview.html", status=status or (200 if plan.ok else 422),
                  plan=plan, confirm=confirm)


def _confirm():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash("That import couldn't be confirmed. Please upload the file again.", "error")
        return render("admin/import.html", status=422, form=ImportForm(formdata=None),
                      columns=COLUMNS)
    plan = plan_import(form.kind.data, form.csv_text.data, current_user.id)
    if not plan.ok:
        return _preview(plan, form.csv_text.data, status=422)
    try:
        write_plan(plan)
        db.session.commit()
    except IntegrityError:  # someone added the same unit or e-mail meanwhile
        db.session.rollback()
        plan = plan_import(form.kind.data, form.csv_text.data, current_user.id)
        plan.problems.append("Something changed while importing, so nothing was imported. "
                             "Please check the preview and try again.")
        return _preview(plan, form.csv_text.data, status=409)
    unchanged = plan.count("no change")
    message = f"Import done: {plan.count('new')} added, {plan.count('update')} updated"
    message += f", {unchanged} already up to date." if unchanged else "."
    if plan.kind == "people" and plan.count("new"):
        message += (" New people can't sign in yet: an administrator needs to set a password "
                    "for each of them.")
    flash(message, "success")
    return redirect(url_for(".people" if plan.kind == "people" else ".units"), 303)
