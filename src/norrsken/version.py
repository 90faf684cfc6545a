"""norrsken's version, from the installed package's metadata (pyproject.toml is the one source)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("norrsken")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
