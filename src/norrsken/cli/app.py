"""The ``norrsken`` application: the typer app, its consoles and how errors reach the user.

Bad input is one line on stderr and exit code 2, never a traceback: a library
:class:`~norrsken.errors.NorrskenError` names its parameters (``kp``), and here they are shown as
the flags that set them (``--kp``). norrsken's own warnings are one ``warning:`` line each, and
those of one cause (e.g. a time after the embedded history) one line together, at the end.
"""

from __future__ import annotations

import functools
import logging
import sys
import warnings
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from ..errors import NorrskenError, NorrskenWarning
from ..version import __version__
from .options import flag_of

app = typer.Typer(
    help="norrsken: the aurora end to end, from the solar wind to the photograph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
timelapse_app = typer.Typer(
    help="Time-lapses: one PNG per time step, rendered on dask workers, and an optional animation.",
    no_args_is_help=True,
)
app.add_typer(timelapse_app, name="timelapse")
console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable)
#: What Ctrl-C leaves: every file is written atomically, and batches skip what is done.
INTERRUPTED = (
    "no file is left half written; a time-lapse or an oval cube goes on where it stopped when the same command is "
    "run again"
)


def _show_version(value: bool) -> None:
    if value:
        console.print(f"norrsken {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """norrsken: the aurora end to end, from the solar wind to the photograph."""


def error_line(exc: NorrskenError | NorrskenWarning) -> str:
    """The one line a user sees: the message with the parameter it names and the hint spelled as
    flags."""
    message = exc.message
    if exc.parameter and message.startswith(f"{exc.parameter} "):
        message = flag_of(exc.parameter) + message[len(exc.parameter) :]
    advice = exc.advice(spell=flag_of, verb="pass")
    return f"{message}; {advice}" if advice else message


class _Notes(logging.Handler):
    """norrsken's log warnings (e.g. "NOAA SWPC is slow to answer") as one ``note:`` line each, at
    once, while the command goes on."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        err_console.print(f"[dim]note:[/] {escape(record.getMessage())}", highlight=False, soft_wrap=True)


def friendly(func: F) -> F:
    """Turn bad-input errors into one line on stderr and exit code 2, and norrsken's warnings
    (e.g. a TLE far from its epoch) into one ``warning:`` line each, each said once."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        python_shows = warnings.showwarning
        said: set[str] = set()
        topics: dict[str, list[NorrskenWarning]] = {}

        def say(text: str) -> None:
            err_console.print(f"[bold yellow]warning:[/] {escape(text)}", highlight=False, soft_wrap=True)

        def show(message, category, filename, lineno, file=None, line=None) -> None:
            if not issubclass(category, NorrskenWarning):
                python_shows(message, category, filename, lineno, file, line)
                return
            text = error_line(message) if isinstance(message, NorrskenWarning) else str(message)
            if text in said:
                return
            said.add(text)
            if isinstance(message, NorrskenWarning) and message.topic:
                topics.setdefault(message.topic, []).append(message)  # said together at the end
            else:
                say(text)

        notes = _Notes()
        logging.getLogger("norrsken").addHandler(notes)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", NorrskenWarning)
                warnings.showwarning = show
                return func(*args, **kwargs)
        except NorrskenError as exc:
            err_console.print(f"[bold red]error:[/] {escape(error_line(exc))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            err_console.print(f"[bold red]interrupted:[/] {INTERRUPTED}", highlight=False, soft_wrap=True)
            raise typer.Exit(130) from None
        finally:
            logging.getLogger("norrsken").removeHandler(notes)
            for group in topics.values():
                say(error_line(NorrskenWarning.merged(group)))

    return wrapper  # type: ignore[return-value]


def main() -> None:
    """Console-script entry point: usage errors, too, are one line and exit code 2."""
    command = typer.main.get_command(app)
    try:
        code = command.main(prog_name="norrsken", standalone_mode=False)
    except typer.Abort:
        code = 1
    except Exception as exc:
        # typer vendors click privately, so its usage errors are recognised by their interface.
        if not hasattr(exc, "format_message"):
            raise
        err_console.print(f"[bold red]error:[/] {escape(exc.format_message())}", highlight=False, soft_wrap=True)
        code = getattr(exc, "exit_code", 2)
    sys.exit(code or 0)
