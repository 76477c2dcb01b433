"""Commands: review (see the package docstring)."""

from __future__ import annotations

from . import app  # noqa: F401
