"""Entry point for gunicorn: `gunicorn wsgi:app`."""

import gc

from tracker import create_app

app = create_app()
# Objects made at start-up live as long as the worker: keep them out of the garbage
# collector's full passes, which otherwise pause busy pages for tens of milliseconds.
gc.freeze()
