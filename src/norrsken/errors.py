"""Exceptions raised for bad input, so that callers (and the CLI) can tell them from bugs, and the
warning class for results that are computed but degraded."""


class NorrskenError(ValueError):
    """Base class: a clear, one-line message about what the user asked for."""


class OutOfRangeError(NorrskenError):
    """A time, index or coordinate lies outside what the data or model covers."""


class TLEError(NorrskenError):
    """A two-line element set that cannot be read: its layout, checksum or numbers are wrong."""


class NorrskenWarning(UserWarning):
    """A result was computed, but it is less accurate than usual (e.g. far from a TLE's epoch)."""
