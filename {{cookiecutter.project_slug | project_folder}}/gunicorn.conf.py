"""Gunicorn settings, read from the environment with container-sane defaults.

Gunicorn loads ./gunicorn.conf.py from its working directory by itself.
"""

import os

# Listen on every interface of the container; publish the port with Docker.
bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"

# A fixed, small default: the host's CPU count says nothing about the CPU
# share the container gets. Scale with WEB_CONCURRENCY or more replicas.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# More than one thread switches Gunicorn to its threaded (gthread) worker.
threads = int(os.environ.get("PYTHON_MAX_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Below Docker's 10 s stop timeout, so in-flight requests finish before a kill.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "8"))

# Access and error logs to stdout/stderr, where `docker logs` finds them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

# Worker heartbeats and Gunicorn's control socket live in shared memory, not
# on the container's disk (which may be slow, or read-only).
worker_tmp_dir = "/dev/shm"
control_socket = "/dev/shm/gunicorn.ctl"
