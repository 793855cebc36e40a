"""The WSGI entry for production servers: ``gunicorn 'wenping_sched.wsgi:app'``.

The app is built once per server process from the WENPING_* environment (see docs/deployment.md).
"""

from __future__ import annotations

from . import create_app

app = create_app()
