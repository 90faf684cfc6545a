"""The README and the CLI reference tell the truth: the README's Python block runs as a doctest,
and every number that a console block of README.md or docs/cli.md shows as a command's output is
in that command's output today."""

from __future__ import annotations

import doctest
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CLI_REFERENCE = ROOT / "docs" / "cli.md"
TEXT = README.read_text(encoding="utf-8")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _blocks(kind: str, text: str = TEXT) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", text, flags=re.DOTALL)


def _console_examples(path: Path) -> list[tuple[list[str], str]]:
    """(arguments, printed output) of every command in ``path`` shown with its output."""
    examples = []
    for block in _blocks("console", path.read_text(encoding="utf-8")):
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


EXAMPLES = _console_examples(README)
#: docs/cli.md renders full-size pictures: seconds each, so in the slow tier.
REFERENCE_EXAMPLES = _console_examples(CLI_REFERENCE)


def test_the_docs_show_commands_with_their_output():
    assert {args[0] for args, _ in EXAMPLES} >= {"oval", "forecast", "column"}
    assert {args[0] for args, _ in REFERENCE_EXAMPLES} >= {"oval", "sky"}


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        *EXAMPLES,
        *(pytest.param(*example, marks=pytest.mark.slow) for example in REFERENCE_EXAMPLES),
    ],
    ids=[
        f"{doc}: {' '.join(args[:3])}"
        for doc, examples in (("README", EXAMPLES), ("cli.md", REFERENCE_EXAMPLES))
        for args, _ in examples
    ],
)
def test_every_number_a_command_shows_in_the_docs_is_its_output(args, shown, tmp_path, monkeypatch):
    from norrsken.cli import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    printed = result.output
    missing = sorted(set(NUMBER.findall(shown)) - set(NUMBER.findall(printed)))
    assert missing == [], f"numbers in the docs not in today's output of `norrsken {' '.join(args)}`:\n{printed}"
