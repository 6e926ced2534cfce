"""The CSPR platform core: `from cspr import hookimpl` is all a partnership plugin needs."""

from cspr.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["hookimpl", "__version__", "create_app"]


def create_app(config: dict | None = None, *, api: bool = True):  # noqa: ANN201 - re-exported factory
    """Build the Flask app (see :func:`cspr.app.create_app`)."""
    from cspr.app import create_app as _create_app

    return _create_app(config, api=api)
