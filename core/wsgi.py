"""The WSGI entry point for production servers: ``gunicorn cspr.wsgi:app``."""

from cspr.app import create_app

app = create_app()
