"""`flask --app tracker ...` commands: demo data, accounts, e-mail, backup and restore."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask
from sqlalchemy import func, select

from tracker.extensions import db


def _stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or Ctrl-C: a looping command finishes its message and stops."""
    stop = threading.Event()

    def handle(_signum, _frame):
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)
    return stop


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only load when there are no people yet.")
    @click.option("--seed", default=2026, show_default=True, help="Random seed for the data.")
    def demo_command(if_empty: bool, seed: int) -> None:
        """Load a believable demo organisation (safe to run again)."""
        from tracker.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
        from tracker.models import User

        people = db.session.scalar(select(func.count()).select_from(User))
        if if_empty and people:
            click.echo("The database already has people in it; demo data not loaded.")
            return
        summary = load_demo(seed=seed)
        db.session.commit()
        click.echo(summary)
        click.echo(f"\nSign in at /login with any of these (password: {DEMO_PASSWORD}):")
        for email, description in DEMO_ACCOUNTS:
            click.echo(f"  {email:<26} {description}")

    @app.cli.command("create-user")
    @click.option("--email", prompt=True)
    @click.option("--name", "display_name", prompt="Display name")
    @click.option(
        "--role",
        "roles",
        multiple=True,
        type=click.Choice(["requester", "agent", "buddy", "brm", "admin"]),
        default=("admin",),
        show_default=True,
        help="Repeat for several roles.",
    )
    @click.password_option()
    def create_user_command(email: str, display_name: str, roles: tuple, password: str) -> None:
        """Create an account, by default the first administrator."""
        from tracker.auth.services import AccountError, create_user
        from tracker.service_requests.catalog import seed_categories

        seed_categories()
        try:
            user = create_user(email, display_name, password, roles=set(roles) | {"requester"})
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
        click.echo(f"Created {user.email} with roles: {', '.join(sorted(user.roles))}.")

    @app.cli.command("sla-recompute")
    def sla_recompute_command() -> None:
        """Re-time every open request with the current SLA policies and business hours."""
        from tracker.service_requests import sla

        sla.seed_sla_defaults()
        count = sla.recompute_open(sla.load_rules(fresh=True))
        db.session.commit()
        noun = "request" if count == 1 else "requests"
        click.echo(f"Updated the due times of {count} open {noun}.")

    @app.cli.command("send-mail")
    @click.option("--loop", is_flag=True, help="Keep running, sending as mail becomes due.")
    @click.option("--interval", default=30, show_default=True, type=click.IntRange(1, 3600),
                  help="Seconds between checks with --loop.")
    @click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000),
                  help="Most messages to send per run (per check with --loop).")
    def send_mail_command(loop: bool, interval: int, limit: int) -> None:
        """Send the e-mails waiting in the outbox, retrying failures with backoff.

        A single run that could not reach the mail server exits with status 1 (after
        saying why), so cron or a monitor notices; the messages wait for the next run.
        """
        from tracker.mail import outbox, sender

        if not outbox.enabled():
            click.echo("E-mail is off (MAIL_SERVER is not set): nothing to send.")
            return
        stop = _stop_on_signals()
        while True:
            report = sender.send_due(limit)
            if report.handled or not loop:
                click.echo(report.summary())
            if not loop or stop.is_set():
                break
            if report.handled < limit or report.stopped:  # caught up, or the server is away
                stop.wait(interval)
            if stop.is_set():
                break
        if not loop and report.stopped:
            raise SystemExit(1)

    @app.cli.command("sla-check")
    def sla_check_command() -> None:
        """E-mail the assignee (or the team) once when a request's SLA clock is at risk."""
        from tracker.database import utcnow
        from tracker.mail import notices, outbox

        if not outbox.enabled():
            click.echo("E-mail is off (MAIL_SERVER is not set): no SLA notices queued.")
            return
        count = notices.check_sla(utcnow())
        db.session.commit()
        noun = "notice" if count == 1 else "notices"
        click.echo(f"Queued {count} SLA {noun}.")

    @app.cli.command("prune-outbox")
    @click.option("--days", default=30, show_default=True, type=click.IntRange(7, 3650),
                  help="Keep sent e-mails this many days.")
    def prune_outbox_command(days: int) -> None:
        """Forget sent e-mails older than --days; waiting and failed ones stay."""
        from datetime import timedelta

        from tracker.mail import outbox

        count = outbox.prune_sent(timedelta(days=days))
        db.session.commit()
        noun = "e-mail" if count == 1 else "e-mails"
        click.echo(f"Deleted {count} sent {noun} older than {days} days.")

    @app.cli.command("prune-login-attempts")
    def prune_login_attempts_command() -> None:
        """Forget sign-in attempts older than a day (they only matter for a few minutes)."""
        from tracker.auth.throttling import prune_attempts

        count = prune_attempts()
        db.session.commit()
        noun = "attempt" if count == 1 else "attempts"
        click.echo(f"Deleted {count} sign-in {noun} older than a day.")

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--force", is_flag=True, help="Overwrite PATH if it already exists.")
    def backup_command(path: str, force: bool) -> None:
        """Write a consistent copy of the database to PATH while the app keeps running.

        SQLite: a SQLite file made with the online backup API. PostgreSQL: a pg_dump
        custom-format archive (pg_dump must be at least the server's version).
        """
        from tracker import backup

        db.session.remove()  # hold no transaction of our own while copying
        try:
            summary = backup.backup(db.engine, path, force=force)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Backed up {backup.describe(db.engine)} to:")
        for line in summary.lines():
            click.echo(f"  {line}")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    def restore_command(path: str, yes: bool) -> None:
        """Replace everything in the database with the backup at PATH."""
        from tracker import backup

        db.session.remove()
        try:
            backup.check_backup(db.engine, path)
            if not yes:
                click.confirm(
                    f"Replace everything in {backup.describe(db.engine)} with {path}?",
                    abort=True,
                )
            summary = backup.restore(db.engine, path)
        except backup.BackupError as exc:
            raise click.ClickException(f"{exc} Nothing was changed.") from exc
        click.echo(f"Restored {backup.describe(db.engine)} from:")
        for line in summary.lines():
            click.echo(f"  {line}")
