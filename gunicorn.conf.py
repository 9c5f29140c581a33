"""gunicorn's settings for Rapport: gunicorn reads this file from the directory it starts
in, so `gunicorn --workers 4 --bind 0.0.0.0:8000 wsgi:app` in the project uses them.
Options given on the command line take precedence."""

# Threaded workers: a worker keeps answering the arbiter's heartbeat while a request
# waits on the database, so a slow database never gets a worker killed, and a worker
# starts reading the next request while another waits.
worker_class = "gthread"
threads = 4

# A listening socket per worker (SO_REUSEPORT): the kernel shares new connections out
# among the workers. With one shared socket, the worker that wakes first takes most of
# them and, as browsers keep connections open, keeps them while the others idle.
reuse_port = True
