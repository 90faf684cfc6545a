"""Exceptions raised for bad input, so that callers (and the CLI) can tell them from bugs."""


class NorrskenError(ValueError):
    """Base class: a clear, one-line message about what the user asked for."""


class OutOfRangeError(NorrskenError):
    """A time, index or coordinate lies outside what the data or model covers."""
