"""Exceptions a user can act on.

Every error that stems from the user's input (a file, an option, a column mapping)
derives from :class:`TimingInputError`. The CLI turns these into a one-line message on
stderr and exit code 2; anything else is an internal error (exit code 1).
"""

from __future__ import annotations

__all__ = ["TimingInputError"]


class TimingInputError(ValueError):
    """Raised when input data or options are unusable; the message says how to fix it."""
