"""The one exception hierarchy of combcoder. The CLI turns these into a message and exit code 2."""

from __future__ import annotations


class CombcoderError(Exception):
    """Base class: an error a user can act on, shown without a traceback."""


class InputError(CombcoderError):
    """An input file is unreadable or malformed; names the file and the place."""

    def __init__(self, path: object, message: str, where: str | None = None, hint: str | None = None):
        self.path = str(path)
        self.where = where
        self.reason = message
        self.hint = hint
        place = f"{self.path}, {where}" if where else self.path
        text = f"{place}: {message}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class ConfigError(CombcoderError):
    """A config file (codebook, speaker patterns, training config) failed validation."""


class ModelNotFoundError(CombcoderError):
    """No trained model where one was expected; the message says how to build one."""


class MissingExtraError(CombcoderError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, module: str, extra: str):
        super().__init__(
            f"this feature needs the '{module}' package: install it with "
            f"pip install 'combcoder[{extra}]'"
        )


class StoreError(CombcoderError):
    """The review store cannot be opened or refused an operation; the message says why."""


class AppendOnlyError(StoreError):
    """Something tried to update or delete an annotation; annotations are append-only."""


class NotFoundError(StoreError):
    """A project, coder, document or utterance named in a request is not in the store."""


class ConflictError(StoreError):
    """A newer annotation of the same utterance was saved since the client loaded it (HTTP 409)."""

    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current
