"""Review: the web app where coders check the model's suggestions and correct them.

``create_app(store)`` builds the FastAPI app (imported lazily: FastAPI is only needed to serve);
:mod:`.queue` orders the work (document order or active learning); :mod:`.views` builds what a
page shows and enforces blind mode; :mod:`.auth` handles logins, sessions and CSRF tokens.
"""

from __future__ import annotations


def create_app(*args, **kwargs):
    """Build the review app (see :func:`combcoder.review.app.create_app`)."""
    from .app import create_app as _create_app

    return _create_app(*args, **kwargs)


__all__ = ["create_app"]
