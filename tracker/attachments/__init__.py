"""Files attached to requests and messages: checked, stored outside the web root, and
served only to people who may see them."""

from flask import Flask

from tracker.attachments.views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Keep stored files in step with database transactions; explain a store failure."""
    from tracker.attachments.storage import StorageError, install_file_transactions
    from tracker.extensions import db
    from tracker.web.errors import error_page

    install_file_transactions(db.session)

    @app.errorhandler(StorageError)
    def files_not_saved(_exc):
        db.session.rollback()  # nothing half-stored: files already written go with it
        return error_page(
            503,
            "We couldn't save your files",
            "Nothing was sent. Please go back and try again in a moment.",
        )
