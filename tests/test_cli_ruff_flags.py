"""The check flags lambdalint shares with ruff, with ruff's names and semantics:
--exclude, --extend-exclude, --per-file-ignores, --extend-per-file-ignores,
--fixable, --extend-fixable, --unfixable, --fix-only, --ignore-noqa, --show-files,
--isolated; `clean`; `rules --output-format json`; `--help`.

Each test states the behaviour observed from ruff 0.17 on the same inputs and
checks lambdalint against it; where ruff is installed (on PATH, or
``$LAMBDALINT_TEST_RUFF``), a twin test runs ruff too (``F401`` standing in for
``LAM101``: every file below has both an unused import and a LAM101 bug).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import write_project
from lambdalint.cli import main
from lambdalint.project.config import Settings, fixable
from ruffcompare import reported_files, ruff, ruff_check

# an unused import (ruff's F401) and a closed global (LAM101) on the same file
BAD = """\
import os
import sqlite3
conn = sqlite3.connect(":memory:")


def handler(event, context):
    conn.execute("select 1")
    conn.close()
"""

TREE = ["a.py", "tests/t.py", "sub/tests/u.py", "dist/b.py", "sub/s.py"]


def run(*args: str, cwd: Path, env: dict = None):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), env=env)
    finally:
        os.chdir(old)


def ours(cwd: Path, *args: str):
    return run("check", "--no-cache", "--output-format", "concise", *args, cwd=cwd)


def tree(root: Path, extra: dict = None) -> Path:
    write_project(root, {**{name: BAD for name in TREE}, **(extra or {})})
    return root


def files_of(result) -> list:
    return reported_files(result.stdout)


def show_files(result, root: Path) -> list:
    return sorted(Path(line).relative_to(root).as_posix() for line in result.stdout.splitlines())


def one_error_line(result, flag: str) -> str:
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"lambdalint: error: {flag}"), line
    return line


# --- --exclude / --extend-exclude -------------------------------------------------------------

# (arguments, the files checked): ruff 0.17 --show-files on TREE gives the same lists;
# --exclude replaces the default excludes (dist/ is checked again), a bare name
# matches at any depth, a pattern with `/` is relative to the working folder
EXCLUDES = [
    ((), ["a.py", "sub/s.py", "sub/tests/u.py", "tests/t.py"]),
    (("--exclude", "tests"), ["a.py", "dist/b.py", "sub/s.py"]),
    (("--exclude", "tests,sub"), ["a.py", "dist/b.py"]),
    (("--exclude", "tests", "--exclude", "sub"), ["a.py", "dist/b.py"]),
    (("--exclude", "tests/*"), ["a.py", "dist/b.py", "sub/s.py", "sub/tests/u.py"]),
    (("--extend-exclude", "tests"), ["a.py", "sub/s.py"]),
    (("--extend-exclude", "sub/tests"), ["a.py", "sub/s.py", "tests/t.py"]),
]


@pytest.mark.parametrize("args, expected", EXCLUDES)
def test_exclude_flags(tmp_path, args, expected):
    root = tree(tmp_path)
    listed = run("check", "--show-files", *args, cwd=root)
    assert listed.exit_code == 0, listed.output
    assert show_files(listed, root) == expected
    assert files_of(ours(root, *args)) == expected


@pytest.mark.parametrize("args, expected", EXCLUDES)
def test_exclude_flags_as_ruff(tmp_path, args, expected):
    root = tree(tmp_path)
    done = ruff_check("--show-files", *args, ".", cwd=root)
    assert done.returncode == 0, done.stderr
    assert sorted(Path(p).relative_to(root).as_posix() for p in done.stdout.split()) == expected


def test_exclude_replaces_the_configured_excludes_and_extend_adds_to_them(tmp_path):
    root = tree(tmp_path, {"lambdalint.toml": 'exclude = ["sub"]\nextend-exclude = ["tests"]\n'})
    assert show_files(run("check", "--show-files", cwd=root), root) == ["a.py", "dist/b.py"]
    assert show_files(run("check", "--show-files", "--exclude", "dist", cwd=root), root) == ["a.py", "sub/s.py"]
    assert show_files(run("check", "--show-files", "--extend-exclude", "a.py", cwd=root), root) == ["dist/b.py"]
    shown = run("config", cwd=root).stdout
    assert 'exclude = ["sub"]' in shown


def test_a_file_named_on_the_command_line_is_checked_whatever_the_excludes(tmp_path):
    """ruff: `ruff check --exclude a.py a.py` checks a.py (without --force-exclude)."""
    root = tree(tmp_path)
    assert files_of(ours(root, "--exclude", "a.py", "a.py")) == ["a.py"]


@pytest.mark.parametrize("flag", ["--exclude", "--extend-exclude"])
def test_exclude_bad_input(tmp_path, flag):
    root = tree(tmp_path)
    line = one_error_line(ours(root, flag, ""), flag)
    assert "empty pattern" in line
    one_error_line(ours(root, flag, "tests,,sub"), flag)


# --- --per-file-ignores ------------------------------------------------------------------------

# (value, the files still reported); ruff 0.17 on TREE with F401 gives the same
PER_FILE_IGNORES = [
    ("tests/*:{c}", ["a.py", "sub/s.py", "sub/tests/u.py"]),  # relative to the working folder
    ("a.py:{c}", ["sub/s.py", "sub/tests/u.py", "tests/t.py"]),  # a bare name: in any folder
    ("s.py:{c},u.py:{c}", ["a.py", "tests/t.py"]),  # comma-separated pairs
    ("!tests/*:{c}", ["tests/t.py"]),  # negated
    ("sub/**:{p}", ["a.py", "tests/t.py"]),  # `**`, and a prefix of the code
]


@pytest.mark.parametrize("value, expected", PER_FILE_IGNORES)
def test_per_file_ignores(tmp_path, value, expected):
    root = tree(tmp_path)
    assert files_of(ours(root, "--per-file-ignores", value.format(c="LAM101", p="LAM1"))) == expected


@pytest.mark.parametrize("value, expected", PER_FILE_IGNORES)
def test_per_file_ignores_as_ruff(tmp_path, value, expected):
    root = tree(tmp_path)
    done = ruff_check("--select", "F401", "--output-format", "concise",
                      "--per-file-ignores", value.format(c="F401", p="F4"), ".", cwd=root)
    assert reported_files(done.stdout) == expected, done.stdout + done.stderr


def test_per_file_ignores_codes_after_a_pair_add_to_it(tmp_path):
    """`tests/*:LAM101,LAM201`: ruff 0.17 refuses the second item (it reads each comma
    item as a pair); lambdalint reads a code with no pattern as one more code of the
    pair before it, so both spellings work."""
    root = tree(tmp_path)
    assert files_of(ours(root, "--per-file-ignores", "tests/*:LAM201,LAM101")) == ["a.py", "sub/s.py", "sub/tests/u.py"]
    shown = run("config", cwd=root)  # nothing on the command line: the defaults
    assert "per-file-ignores = {}" in shown.stdout


def test_per_file_ignores_replace_the_configured_and_extend_adds(tmp_path):
    """ruff: --per-file-ignores replaces the configuration's table (its s.py entry is gone)."""
    root = tree(tmp_path, {"lambdalint.toml": '[per-file-ignores]\n"s.py" = ["LAM101"]\n'})
    assert files_of(ours(root)) == ["a.py", "sub/tests/u.py", "tests/t.py"]
    assert files_of(ours(root, "--per-file-ignores", "tests/*:LAM101")) == ["a.py", "sub/s.py", "sub/tests/u.py"]
    assert files_of(ours(root, "--extend-per-file-ignores", "tests/*:LAM101")) == ["a.py", "sub/tests/u.py"]


@pytest.mark.parametrize("value, why", [
    ("tests/*", "expected PATTERN:CODES"),
    ("", "expected PATTERN:CODES"),
    ("tests/*:", "no rule code"),
    (":LAM101", "empty pattern"),
    ("tests/*:LAM999", "unknown rule code 'LAM999'"),
    ("tests/*:E501", "unknown rule code 'E501'"),
])
@pytest.mark.parametrize("flag", ["--per-file-ignores", "--extend-per-file-ignores"])
def test_per_file_ignores_bad_input(tmp_path, flag, value, why):
    root = tree(tmp_path)
    line = one_error_line(ours(root, flag, value), flag)
    assert why in line


# --- --fixable / --unfixable --------------------------------------------------------------------

MEMO = """\
import functools


@functools.cache
def load_profile(user_id):
    return {"id": user_id}


def handler(event, context):
    return load_profile(event["user"])
"""  # LAM202, with a safe fix


# (flags, whether LAM202's fix is applied): the most specific selector wins, a tie
# goes to unfixable -- ruff 0.17 decides F401 the same way (see the twin test)
FIXABILITY = [
    ((), True),
    (("--unfixable", "LAM202"), False),
    (("--unfixable", "LAM2"), False),
    (("--fixable", "LAM1"), False),
    (("--fixable", "LAM202", "--unfixable", "LAM2"), True),
    (("--fixable", "LAM2", "--unfixable", "LAM202"), False),
    (("--unfixable", "LAM202", "--extend-fixable", "LAM202"), False),
    (("--unfixable", "LAM2", "--extend-fixable", "LAM202"), True),
    (("--fixable", "ALL", "--unfixable", "LAM202"), False),
]


@pytest.mark.parametrize("flags, applied", FIXABILITY)
def test_fixable_and_unfixable(tmp_path, flags, applied):
    write_project(tmp_path, {"app.py": MEMO})
    shown = ours(tmp_path, *flags)
    assert ("LAM202 [*]" in shown.stdout) is applied, shown.stdout
    fixed = ours(tmp_path, "--fix", *flags)
    assert ("maxsize=128" in (tmp_path / "app.py").read_text()) is applied
    assert fixed.exit_code == (0 if applied else 1)


@pytest.mark.parametrize("flags, applied", FIXABILITY)
def test_fixable_and_unfixable_as_ruff(tmp_path, flags, applied):
    write_project(tmp_path, {"app.py": "import os\n"})
    as_ruff = [f.replace("LAM202", "F401").replace("LAM2", "F4").replace("LAM1", "E7") for f in flags]
    done = ruff_check("--select", "F401", "--output-format", "concise", *as_ruff, ".", cwd=tmp_path)
    assert ("F401 [*]" in done.stdout) is applied, done.stdout + done.stderr


def test_fixable_matches_the_table():
    """The selection function itself, over the table above."""
    for flags, applied in FIXABILITY:
        pairs = dict(zip(flags[::2], flags[1::2]))
        settings = Settings(fixable=(pairs["--fixable"],) if "--fixable" in pairs else None,
                            extend_fixable=tuple(filter(None, [pairs.get("--extend-fixable")])),
                            unfixable=tuple(filter(None, [pairs.get("--unfixable")])))
        assert fixable("LAM202", settings) is applied, flags


def test_unfixable_keeps_the_advice(tmp_path):
    """ruff still prints the fix's title as help for an unfixable rule; lambdalint keeps
    the fix's message as display-only advice."""
    write_project(tmp_path, {"app.py": MEMO})
    result = run("check", "--no-cache", "--output-format", "json", "--unfixable", "LAM202", ".", cwd=tmp_path)
    (found,) = json.loads(result.stdout)
    assert found["fix"]["applicability"] == "display-only" and found["fix"]["edits"] == []
    assert "maxsize=128" in found["fix"]["message"]


def test_fixable_in_config(tmp_path):
    write_project(tmp_path, {"app.py": MEMO, "lambdalint.toml": 'unfixable = ["LAM202"]\n'})
    assert "LAM202 [*]" not in ours(tmp_path).stdout
    assert "LAM202 [*]" in ours(tmp_path, "--isolated").stdout
    shown = run("config", cwd=tmp_path).stdout
    assert 'unfixable = ["LAM202"]' in shown and 'fixable = ["ALL"]' in shown


@pytest.mark.parametrize("flag", ["--fixable", "--extend-fixable", "--unfixable"])
def test_fixable_bad_input(tmp_path, flag):
    """ruff: `Unknown rule selector `XYZ` in `fixable` from the CLI`, exit 2."""
    write_project(tmp_path, {"app.py": MEMO})
    assert "unknown rule code 'XYZ'" in one_error_line(ours(tmp_path, flag, "XYZ"), flag)
    assert "no rule code" in one_error_line(ours(tmp_path, flag, ""), flag)


# --- --fix-only ---------------------------------------------------------------------------------

def test_fix_only(tmp_path):
    """ruff: fixes, prints `Fixed 1 error (1 additional fix available with
    `--unsafe-fixes`).` and nothing about what remains, exits 0; 1 with
    --exit-non-zero-on-fix when something was fixed."""
    write_project(tmp_path, {"memo.py": MEMO, "app.py": BAD})
    result = ours(tmp_path, "--fix-only")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Fixed 1 finding (1 additional fix available with --unsafe-fixes).\n"
    assert "maxsize=128" in (tmp_path / "memo.py").read_text()
    # nothing left that --fix applies: says what --unsafe-fixes would do, still 0
    again = ours(tmp_path, "--fix-only")
    assert again.exit_code == 0 and again.stdout == "No findings fixed (1 fix available with --unsafe-fixes).\n"
    unsafe = ours(tmp_path, "--fix-only", "--unsafe-fixes", "--exit-non-zero-on-fix")
    assert unsafe.exit_code == 1 and unsafe.stdout == "Fixed 1 finding.\n"
    assert "conn.close()" not in (tmp_path / "app.py").read_text()
    assert ours(tmp_path, "--fix-only").stdout == ""  # nothing at all to say


def test_fix_only_as_ruff(tmp_path):
    write_project(tmp_path, {"app.py": "import os\n\n\ndef f():\n    x = 1\n"})
    done = ruff_check("--select", "F401,F841", "--fix-only", ".", cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.strip() == "Fixed 1 error (1 additional fix available with `--unsafe-fixes`)."
    again = ruff_check("--select", "F401,F841", "--fix-only", "--unsafe-fixes", "--exit-non-zero-on-fix", ".", cwd=tmp_path)
    assert again.returncode == 1


def test_fix_only_with_diff_and_show_fixes(tmp_path):
    write_project(tmp_path, {"memo.py": MEMO})
    diff = ours(tmp_path, "--fix-only", "--diff")
    assert diff.exit_code == 1 and "+@functools.lru_cache(maxsize=128)" in diff.stdout
    assert (tmp_path / "memo.py").read_text() == MEMO
    shown = ours(tmp_path, "--fix-only", "--show-fixes")
    assert "Fixed 1 finding:" in shown.stdout and "LAM202 (unbounded-memoizer)" in shown.stdout


# --- --ignore-noqa --------------------------------------------------------------------------

def test_ignore_noqa(tmp_path):
    """ruff: --ignore-noqa reports what `# noqa` and `# ruff: noqa` suppress;
    per-file-ignores still apply."""
    write_project(tmp_path, {
        "line.py": BAD.replace("conn.close()", "conn.close()  # noqa: LAM101"),
        "bare.py": BAD.replace("conn.close()", "conn.close()  # noqa"),
        "whole.py": "# lambdalint: noqa\n" + BAD,
        "ignored.py": BAD,
        "lambdalint.toml": '[per-file-ignores]\n"ignored.py" = ["LAM101"]\n',
    })
    assert ours(tmp_path).exit_code == 0
    result = ours(tmp_path, "--ignore-noqa")
    assert result.exit_code == 1
    assert files_of(result) == ["bare.py", "line.py", "whole.py"]
    # no directive is "unused" when all are disregarded
    assert "LAM002" not in ours(tmp_path, "--ignore-noqa", "--extend-select", "LAM002").stdout


def test_ignore_noqa_as_ruff(tmp_path):
    write_project(tmp_path, {"line.py": "import os  # noqa: F401\n", "whole.py": "# ruff: noqa\nimport os\n",
                             "ignored.py": "import os\n"})
    done = ruff_check("--select", "F401", "--output-format", "concise", "--ignore-noqa",
                      "--per-file-ignores", "ignored.py:F401", ".", cwd=tmp_path)
    assert reported_files(done.stdout) == ["line.py", "whole.py"]


# --- --show-files ----------------------------------------------------------------------------

def test_show_files(tmp_path):
    """ruff: absolute paths, sorted, one a line; exit 0; only Python files."""
    root = tree(tmp_path, {"template.yaml": "Resources: {}\n", "notes.md": "x\n"})
    result = run("check", "--show-files", cwd=root)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines == sorted(lines) and all(os.path.isabs(p) for p in lines)
    assert show_files(result, root) == ["a.py", "sub/s.py", "sub/tests/u.py", "tests/t.py"]


@pytest.mark.parametrize("other", ["--statistics", "--ignore-noqa"])
def test_show_files_cannot_go_with(tmp_path, other):
    root = tree(tmp_path)
    assert one_error_line(run("check", "--show-files", other, cwd=root), "--show-files") == \
        f"lambdalint: error: --show-files and {other} cannot be used together"


def test_show_files_with_nothing_to_show(tmp_path):
    (tmp_path / "notes.md").write_text("x\n")
    result = run("check", "--show-files", cwd=tmp_path)
    assert result.exit_code == 0 and result.stdout == ""
    assert "no Python files found" in result.stderr


# --- --isolated ----------------------------------------------------------------------------

def test_isolated_ignores_every_configuration_file(tmp_path):
    root = tree(tmp_path, {"pyproject.toml": '[tool.lambdalint]\nignore = ["LAM101"]\n'})
    assert ours(root).exit_code == 0
    isolated = ours(root, "--isolated")
    assert isolated.exit_code == 1 and files_of(isolated) == ["a.py", "sub/s.py", "sub/tests/u.py", "tests/t.py"]
    (root / "pyproject.toml").unlink()
    (root / "lambdalint.toml").write_text('select = ["LAM2"]\n')
    assert ours(root).exit_code == 0 and ours(root, "--isolated").exit_code == 1


def test_isolated_with_a_broken_configuration_file(tmp_path):
    root = tree(tmp_path, {"lambdalint.toml": "this is not toml = [\n"})
    assert ours(root).exit_code == 2
    assert ours(root, "--isolated").exit_code == 1


def test_isolated_and_config_cannot_go_together(tmp_path):
    """ruff: `The argument `--config=ruff.toml` cannot be used with `--isolated``, exit 2."""
    root = tree(tmp_path, {"lambdalint.toml": ""})
    line = one_error_line(ours(root, "--isolated", "--config", "lambdalint.toml"), "--isolated")
    assert "--config cannot be used together" in line


def test_isolated_and_config_as_ruff(tmp_path):
    (tmp_path / "ruff.toml").write_text("")
    assert ruff("check", "--isolated", "--config", "ruff.toml", ".", cwd=tmp_path).returncode == 2


# --- clean ---------------------------------------------------------------------------------

def test_clean_removes_the_caches_lambdalint_made(tmp_path):
    """ruff clean: removes `.ruff_cache` here and in every folder below, prints
    `Removing cache at: PATH` on stderr for each, exits 0."""
    root = tree(tmp_path)
    env = {"LAMBDALINT_CACHE_DIR": None}
    assert run("check", cwd=root, env=env).exit_code == 1
    assert run("check", ".", cwd=root / "sub", env=env).exit_code == 1
    assert (root / ".lambdalint_cache/CACHEDIR.TAG").is_file()
    assert (root / "sub/.lambdalint_cache").is_dir() or (root / ".lambdalint_cache").is_dir()
    other = root / "tests" / ".lambdalint_cache"  # not lambdalint's: no tag
    other.mkdir()
    (other / "keep.txt").write_text("mine\n")
    elsewhere = tmp_path.parent / (tmp_path.name + "-configured")
    assert run("check", "--cache-dir", str(elsewhere), cwd=root, env=env).exit_code == 1
    made = sorted(p.parent.relative_to(root).as_posix() for p in root.rglob(".lambdalint_cache/CACHEDIR.TAG"))
    result = run("clean", cwd=root, env={"LAMBDALINT_CACHE_DIR": str(elsewhere)})
    assert result.exit_code == 0, result.output
    removed = [line.split(": ", 1)[1] for line in result.stderr.splitlines() if line.startswith("Removing cache at: ")]
    assert sorted(removed) == sorted(made + [str(elsewhere)])
    assert not list(root.rglob(".lambdalint_cache/CACHEDIR.TAG")) and not elsewhere.exists()
    assert (other / "keep.txt").read_text() == "mine\n"
    assert "tests/.lambdalint_cache: not removed: it has no CACHEDIR.TAG made by lambdalint" in result.stderr
    assert run("clean", "-q", cwd=root, env=env).stderr.count("Removing") == 0


def test_clean_follows_no_link(tmp_path):
    victim = tmp_path / "victim"
    assert run("check", "--cache-dir", str(victim / ".lambdalint_cache"), ".", cwd=tree(tmp_path / "p"),
               env={"LAMBDALINT_CACHE_DIR": None}).exit_code == 1
    project = tmp_path / "project"
    project.mkdir()
    try:
        (project / ".lambdalint_cache").symlink_to(victim / ".lambdalint_cache", target_is_directory=True)
        (project / "linked").symlink_to(victim, target_is_directory=True)
    except OSError:
        pytest.skip("symbolic links are not available")
    result = run("clean", cwd=project, env={"LAMBDALINT_CACHE_DIR": None})
    assert result.exit_code == 0 and "Removing" not in result.stderr
    assert (victim / ".lambdalint_cache/CACHEDIR.TAG").is_file()


def test_clean_as_ruff(tmp_path):
    (tmp_path / "x/y").mkdir(parents=True)
    (tmp_path / "a.py").write_text("import os\n")
    ruff("check", "--select", "F401", ".", cwd=tmp_path)
    ruff("check", "--select", "F401", ".", cwd=tmp_path / "x/y")
    done = ruff("clean", cwd=tmp_path)
    assert done.returncode == 0
    assert sorted(done.stderr.split("Removing cache at: ")[1:]) == [".ruff_cache\n", "x/y/.ruff_cache\n"] or \
        "Removing cache at" in done.stderr


# --- rules --output-format json ----------------------------------------------------------------

RUFF_RULE_KEYS = {"name", "code", "linter", "summary", "message_formats", "fix", "explanation", "preview"}


def test_rules_json(tmp_path):
    result = run("rules", "--output-format", "json", cwd=tmp_path)
    assert result.exit_code == 0
    rules = json.loads(result.stdout)
    text = run("rules", cwd=tmp_path).stdout.splitlines()[1:]
    assert [r["code"] for r in rules] == [line.split()[0] for line in text]
    for r in rules:
        assert RUFF_RULE_KEYS <= set(r)
        assert r["linter"] == "lambdalint" and r["preview"] is False
        assert r["explanation"].startswith(f"# {r['code']}") or r["code"] in r["explanation"]
        assert r["fix"] in ("Fix is sometimes available.", "Fix is not available.")
        assert r["url"].startswith("https://github.com/lambdalint/lambdalint/blob/main/rules/" + r["code"])
        assert isinstance(r["default"], bool) and r["severity"] in ("error", "warning")
    (one,) = [r for r in rules if r["code"] == "LAM101"]
    single = json.loads(run("rule", "LAM101", "--output-format", "json", cwd=tmp_path).stdout)
    assert single == one and one["fix_safety"] == "unsafe" and one["default"] is True


def test_rules_json_has_ruffs_keys(tmp_path):
    done = ruff("rule", "F401", "--output-format", "json", cwd=tmp_path)
    assert done.returncode == 0
    assert RUFF_RULE_KEYS <= set(json.loads(done.stdout))


@pytest.mark.parametrize("args, flag", [
    (("rules", "--output-format", "yaml"), "'--output-format'"),
    (("rule", "LAM101", "--output-format", "yaml"), "'--output-format'"),
    (("check", "--fixible", "LAM1"), "'--fixible'"),
    (("clean", "here"), "(here)"),
])
def test_usage_errors_are_one_line_naming_the_flag(tmp_path, args, flag):
    result = run(*args, cwd=tmp_path)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("lambdalint: error: ") and flag in line
    assert line.endswith(f"(see `lambdalint {args[0]} --help`)")


# --- --help ----------------------------------------------------------------------------------

def test_help_lists_every_command_whole(tmp_path):
    """click shortens a docstring's first sentence at its first period ("e.g."):
    every command has a short help of its own, shown whole."""
    result = run("--help", cwd=tmp_path)
    commands = result.stdout.split("Commands:\n", 1)[1].splitlines()
    shown = {line.split()[0]: line.split(None, 1)[1] for line in commands if line.strip()}
    assert set(shown) >= {"check", "clean", "config", "handlers", "rule", "rules"}
    for name, text in shown.items():
        assert text.endswith(".") and not text.endswith("..."), (name, text)
    assert shown["rule"] == "Print the documentation of one rule (e.g. LAM101)."
