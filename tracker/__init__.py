"""Rapport: a lightweight IT request and business-relationship tracker."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None) -> Flask:
    """Build the application: config, extensions, blueprints, CLI and error reporting."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from tracker.config import Config

    app.config.from_object(config if config is not None else Config(app.instance_path))
    from tracker.web.audit import install_audit_log
    from tracker.web.redaction import install_log_redaction

    install_log_redaction()
    install_audit_log()
    _trust_proxies(app)
    _init_sentry(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_web(app)

    from tracker.cli import register_cli

    register_cli(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind RAPPORT_PROXY_HOPS proxies, take the client's address and scheme from them."""
    hops = app.config.get("RAPPORT_PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _init_sentry(app: Flask) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    from tracker.web.redaction import scrub_event

    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("RAPPORT_ENV"),
        integrations=[FlaskIntegration()],
        send_default_pii=False,
        # Frame variables can hold request data (a survey link's token, form fields).
        include_local_variables=False,
        traces_sample_rate=app.config.get("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )


def _init_extensions(app: Flask) -> None:
    from tracker.database import configure_sqlite, release_session_at_teardown
    from tracker.extensions import csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    release_session_at_teardown(app, db)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"

    from tracker.auth.loader import load_session_user, send_to_sign_in

    login_manager.user_loader(load_session_user)
    login_manager.unauthorized_handler(send_to_sign_in)

    secure = app.config.get("RAPPORT_SECURE_COOKIES")
    if secure is None:
        secure = not app.debug
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure


def _register_blueprints(app: Flask) -> None:
    from tracker import (
        admin,
        api,
        attachments,
        auth,
        feedback,
        glossary,
        notifications,
        relationships,
        service_requests,
        shadow_it,
        triage,
        web,
    )

    app.register_blueprint(web.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(service_requests.bp)
    app.register_blueprint(triage.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(feedback.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(shadow_it.bp)
    app.register_blueprint(glossary.bp)
    app.register_blueprint(attachments.bp)
    attachments.init_app(app)
    api.init_app(app)
    from tracker.relationships import people, pulse, touchpoints, views  # noqa: F401  (routes)

    app.register_blueprint(relationships.bp)


def _register_web(app: Flask) -> None:
    from tracker.web.context import register_context
    from tracker.web.errors import register_error_handlers
    from tracker.web.filters import register_filters
    from tracker.web.forms import register_typed_text
    from tracker.web.security import register_security_headers

    register_typed_text(app)
    register_filters(app)
    register_context(app)
    register_error_handlers(app)
    register_security_headers(app)
