"""Exceptions raised for bad input, so that callers (and the CLI) can tell them from bugs, and the
warning class for results that are computed but degraded.

A message speaks of the library's own parameters (``kp=...``). Where the way out is to give a
parameter, the error or warning says which in its ``hint`` (``{"kp": "set Kp yourself"}``): the
library's text ends "; give kp=... to set Kp yourself", and the CLI shows its flag instead
("; pass --kp to set Kp yourself"), so neither speaks the other's language.
"""

from __future__ import annotations

from collections.abc import Callable


class _Hinted:
    """A one-line message, the parameter it is about, and the parameters that would resolve it."""

    message: str
    parameter: str | None
    hint: dict[str, str]

    def _hinted(self, message: str, parameter: str | None, hint: dict[str, str] | None) -> None:
        self.message = message
        self.parameter = parameter
        self.hint = dict(hint or {})

    def advice(self, spell: Callable[[str], str] = lambda name: f"{name}=...", verb: str = "give") -> str:
        """The hint in words, each parameter spelled by ``spell`` (the CLI passes its flags)."""
        by_text: dict[str, list[str]] = {}
        for name, text in self.hint.items():
            by_text.setdefault(text, []).append(spell(name))
        return "; ".join(f"{verb} {', '.join(names)} to {text}" for text, names in by_text.items())

    def __str__(self) -> str:
        advice = self.advice()
        return f"{self.message}; {advice}" if advice else self.message


class NorrskenError(_Hinted, ValueError):
    """Base class: a clear, one-line message about what the user asked for.

    Parameters
    ----------
    message
        What is wrong, in one line.
    parameter
        The parameter the message is about (``lat``), if one.
    hint
        Parameters that would resolve it, each with what it does: ``{"kp": "set Kp yourself"}``.
    """

    def __init__(self, message: str, *, parameter: str | None = None, hint: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self._hinted(message, parameter, hint)

    def __reduce__(self):
        # Keyword-only arguments are not in ``args``: keep them when dask sends an error across.
        return (type(self), (self.message,), dict(self.__dict__))


class OutOfRangeError(NorrskenError):
    """A time, index or coordinate lies outside what the data or model covers."""


class TLEError(NorrskenError):
    """A two-line element set that cannot be read: its layout, checksum or numbers are wrong."""


class NorrskenWarning(_Hinted, UserWarning):
    """A result was computed, but it is less accurate than usual (e.g. far from a TLE's epoch, or
    Kp assumed after the embedded history); ``hint`` as for :class:`NorrskenError`.

    ``topic`` names a shared cause (``"after the embedded history (it ends 2026-06-30)"``): the
    message is then ``"<topic>: <what follows from it>"``, and warnings of one topic can be said
    as one line (:meth:`merged`).
    """

    def __init__(self, message: str, *, hint: dict[str, str] | None = None, topic: str | None = None) -> None:
        text = f"{topic}: {message}" if topic else message
        super().__init__(text)
        self._hinted(text, None, hint)
        self.topic = topic
        self.part = message

    @classmethod
    def merged(cls, said: list[NorrskenWarning]) -> NorrskenWarning:
        """One warning for several of the same topic: their parts in order, their hints joined."""
        hint: dict[str, str] = {}
        for warning in said:
            hint |= warning.hint
        return cls("; ".join(warning.part for warning in said), hint=hint, topic=said[0].topic)
