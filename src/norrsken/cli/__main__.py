"""``python -m norrsken.cli``."""

from . import main

main()
