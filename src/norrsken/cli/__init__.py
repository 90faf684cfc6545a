"""The ``norrsken`` command (typer + rich): one module per command or command group.

``app`` holds the application and its error handling, ``options`` the flags every command shares,
``output`` how results are printed; importing this package registers every command.
"""

from . import climatology, column, demo, forecast, now, orbit, oval, passes, sky, timelapse  # noqa: F401  (registers)
from .app import app, main

__all__ = ["app", "main"]
