"""combcoder: code qualitative transcripts against COM-B."""

__version__ = "0.1.0"
