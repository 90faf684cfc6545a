"""The README tells the truth: its Python block runs as a doctest, and every number that a console
block shows as a command's output is in that command's output today."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", TEXT, flags=re.DOTALL)


def _console_examples() -> list[tuple[list[str], str]]:
    """(arguments, printed output) of every README command shown with its output."""
    examples = []
    for block in _blocks("console"):
        for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
            command, _, output = chunk.partition("\n")
            words = shlex.split(command)
            if words[0].endswith("norrsken") and output.strip():
                examples.append((words[1:], output))
    return examples


@pytest.mark.slow
def test_the_python_block_runs_as_a_doctest(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # it writes a plot
    (block,) = _blocks("python")
    test = doctest.DocTestParser().get_doctest(block, {}, "README.md", str(README), 0)
    assert len(test.examples) >= 8
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{runner.failures} of {len(test.examples)} README examples fail"


EXAMPLES = _console_examples()


def test_the_readme_shows_commands_with_their_output():
    assert {args[0] for args, _ in EXAMPLES} >= {"oval", "forecast", "column"}


@pytest.mark.parametrize(("args", "shown"), EXAMPLES, ids=[" ".join(args[:3]) for args, _ in EXAMPLES])
def test_every_number_a_command_shows_in_the_readme_is_its_output(args, shown, tmp_path, monkeypatch):
    from norrsken.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    printed = result.output
    missing = sorted(set(NUMBER.findall(shown)) - set(NUMBER.findall(printed)))
    assert missing == [], f"README numbers not in today's output of `norrsken {' '.join(args)}`:\n{printed}"
