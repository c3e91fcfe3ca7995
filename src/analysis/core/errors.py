"""Errors a user can act on. The command line prints their message and exits non-zero
without a traceback; anything else is a bug and keeps its traceback."""


class UserError(Exception):
    """A problem with the user's input or environment; the message says what and how to fix."""


class BuildError(UserError):
    """A build that failed: names the notebook, the cell and the error."""
