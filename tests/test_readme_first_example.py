"""The README's first example is a real run: the code block above it, saved as
app.py and checked, gives exactly the output shown (issue 21: regenerated from
real runs, so the README never shows a layout lambdalint does not print)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from lambdalint.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_first_example_is_what_lambdalint_prints(tmp_path, monkeypatch):
    text = README.read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    shown = re.search(r"<!-- first-example:.*?-->\n```\n(.*?)```\n", text, re.S).group(1)
    (tmp_path / "app.py").write_text(code, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check", "--no-cache", "app.py"])
    assert result.exit_code == 1
    assert result.output == shown
