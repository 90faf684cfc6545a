"""Helpers shared by the TLE tests (imported by test modules; pytest puts tests/ on the path)."""


def with_checksum(line: str) -> str:
    """Columns 1-68 of a TLE line and their modulo-10 checksum (digits count, '-' counts 1),
    computed here independently of norrsken."""
    body = line[:68]
    return body + str(sum(int(c) if c.isdigit() else c == "-" for c in body) % 10)
