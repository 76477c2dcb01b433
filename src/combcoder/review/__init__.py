"""Review: the web app where coders check the model's suggestions and correct them.

``create_app(store)`` builds the FastAPI app (imported lazily: FastAPI is only needed to serve);
:mod:`.queue` orders the work (document order or active learning); :mod:`.views` builds what a
page shows and enforces blind mode; :mod:`.auth` handles logins, sessions and CSRF tokens.
"""

from __future__ import annotations


def check_installed() -> None:
    """Raise MissingExtraError naming the "review" extra if the web stack is not installed."""
    try:
        import fastapi  # noqa: F401
        import jinja2  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        from ..errors import MissingExtraError

        raise MissingExtraError(error.name or "fastapi", "review") from None


def create_app(*args, **kwargs):
    """Build the review app (see :func:`combcoder.review.app.create_app`)."""
    check_installed()
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["check_installed", "create_app"]
