"""Every failure path: exit 2 and one line naming the file or the error; the
traceback only with ``--verbose`` or ``LAMBDALINT_DEBUG=1``.

Failures are injected where lambdalint's own code could break (a rule, the
index, the report, the run as a whole) by replacing one function for the test.
"""

from __future__ import annotations

import pytest

from hardening import BAD, TRACEBACK, cli_runner, lambdalint_cli, write
from lambdalint.cli import main


def invoke(args, env=None):
    return cli_runner().invoke(main, args, env=env or {})


def one_line(stderr: str) -> str:
    lines = [x for x in stderr.splitlines() if not x.startswith("note: no Lambda handler")]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def project(tmp_path):
    write(tmp_path, {"app.py": BAD})
    return tmp_path


def _broken_run(monkeypatch, exc):
    import lambdalint.run as run

    def boom(*args, **kwargs):
        raise exc

    monkeypatch.setattr(run, "run_check", boom)


def test_a_crash_anywhere_is_one_line_and_exit_2(project, monkeypatch):
    _broken_run(monkeypatch, TypeError("unsupported operand"))
    result = invoke(["check", str(project)])
    assert result.exit_code == 2
    assert TRACEBACK not in result.stdout + result.stderr
    assert one_line(result.stderr) == (
        "lambdalint: error: internal error (please report it): TypeError: unsupported operand; "
        "run again with --verbose (or LAMBDALINT_DEBUG=1) for the traceback")


@pytest.mark.parametrize("how", [["--verbose"], ["-v"], "env"])
def test_verbose_or_the_environment_variable_adds_the_traceback(project, monkeypatch, how):
    _broken_run(monkeypatch, TypeError("unsupported operand"))
    args = ["check", str(project)] + (how if how != "env" else [])
    result = invoke(args, env={"LAMBDALINT_DEBUG": "1"} if how == "env" else None)
    assert result.exit_code == 2
    assert TRACEBACK in result.stderr
    assert 'raise exc' in result.stderr  # the frame that failed
    assert result.stderr.rstrip().splitlines()[-1] == \
        "lambdalint: error: internal error (please report it): TypeError: unsupported operand"


@pytest.mark.parametrize("value", ["0", "", "false", "no"])
def test_the_environment_variable_can_be_off(project, monkeypatch, value):
    _broken_run(monkeypatch, TypeError("x"))
    result = invoke(["check", str(project)], env={"LAMBDALINT_DEBUG": value})
    assert TRACEBACK not in result.stderr


def test_an_os_error_names_the_file(project, monkeypatch):
    _broken_run(monkeypatch, PermissionError(13, "Permission denied", "/srv/app/locked.py"))
    result = invoke(["check", str(project)])
    assert result.exit_code == 2
    assert one_line(result.stderr) == "lambdalint: error: /srv/app/locked.py: Permission denied"


def test_out_of_memory(project, monkeypatch):
    _broken_run(monkeypatch, MemoryError())
    result = invoke(["check", str(project)])
    assert (result.exit_code, one_line(result.stderr)) == (2, "lambdalint: error: out of memory")


def test_interrupted(project, monkeypatch):
    _broken_run(monkeypatch, KeyboardInterrupt())
    result = invoke(["check", str(project)])
    assert result.exit_code == 130
    assert one_line(result.stderr) == "lambdalint: interrupted"


def test_a_broken_rule_is_reported_and_the_other_findings_kept(project, monkeypatch):
    import lambdalint.checks as checks

    real = checks.all_checks

    def with_a_broken_rule():
        def broken(ctx):
            raise KeyError("missing")

        broken.__module__ = "lambdalint.checks.broken"
        return real() + [broken]

    monkeypatch.setattr(checks, "all_checks", with_a_broken_rule)
    result = invoke(["check", "--output-format", "concise", str(project)])
    assert result.exit_code == 2
    assert "app.py:6:5: LAM101" in result.stdout
    assert "lambdalint: internal error (please report it): lambdalint.checks.broken: KeyError: 'missing'" in result.stderr
    assert TRACEBACK not in result.stderr
    verbose = invoke(["check", "--verbose", "--output-format", "concise", str(project)])
    assert TRACEBACK in verbose.stderr and "raise KeyError" in verbose.stderr


def test_a_broken_rule_with_nothing_else_found_says_the_check_is_incomplete(tmp_path, monkeypatch):
    # red team 12, 25: a rule that failed found nothing, but did not check either: no
    # "All checks passed!", and a --verbose traceback prints on lines of its own
    import lambdalint.checks as checks

    real = checks.all_checks

    def with_a_broken_rule():
        def broken(ctx):
            raise KeyError("api.main")

        broken.__module__ = "lambdalint.checks.broken"
        return real() + [broken]

    monkeypatch.setattr(checks, "all_checks", with_a_broken_rule)
    write(tmp_path, {"app.py": "def handler(event, context):\n    return None\n"})
    result = invoke(["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "All checks passed" not in result.stdout
    assert "No findings, but 1 rule failed with an internal error (above), so the check is incomplete" in result.stdout
    verbose = invoke(["check", "--verbose", str(tmp_path)])
    lines = verbose.stderr.splitlines()
    assert "\\n" not in verbose.stderr and TRACEBACK in lines[1] and "KeyError: 'api.main'" in lines


def test_an_internal_error_on_one_file_is_lam000_and_exit_2(project, monkeypatch):
    import lambdalint.index as index

    real = index.index_source

    def flaky(data, path, module, is_package=False):
        if path.endswith("boom.py"):
            raise ValueError("kaboom")
        return real(data, path, module, is_package)

    monkeypatch.setattr(index, "index_source", flaky)
    write(project, {"boom.py": "def handler(event, context):\n    return None\n"})
    result = invoke(["check", "--output-format", "concise", str(project)])
    assert result.exit_code == 2  # not 1: a finding we could not look for is not a finding
    # the advice to report it is the help, not part of the headline
    assert "boom.py:1:1: LAM000 internal error while indexing: ValueError: kaboom" in result.stdout
    assert "app.py:6:5: LAM101" in result.stdout
    assert invoke(["check", "--exit-zero", str(project)]).exit_code == 2


def test_the_report_itself_failing(project, monkeypatch):
    import lambdalint.report as report

    def broken_reporter(name):
        def write_report(diagnostics, out, color, context=None):
            raise UnicodeError("cannot show this")

        return write_report

    monkeypatch.setattr(report, "reporter", broken_reporter)
    result = invoke(["check", str(project)])
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("lambdalint: error: internal error (please report it): UnicodeError")


def test_a_crash_in_the_handlers_and_config_commands(project, monkeypatch):
    import lambdalint.run as run

    def boom(*args, **kwargs):
        raise AttributeError("no attribute 'x'")

    monkeypatch.setattr(run, "load_project", boom)
    result = invoke(["handlers", str(project)])
    assert result.exit_code == 2
    assert one_line(result.stderr).startswith("lambdalint: error: internal error (please report it): AttributeError")
    with_env = invoke(["handlers", str(project)], env={"LAMBDALINT_DEBUG": "1"})
    assert TRACEBACK in with_env.stderr


def test_the_output_file_cannot_be_written(project):
    result = invoke(["check", "--output-format", "json", "-o", str(project / "no" / "such" / "dir.json"), str(project)])
    assert result.exit_code == 2
    assert one_line(result.stderr) == \
        f"lambdalint: error: {project / 'no' / 'such' / 'dir.json'}: cannot write the report: No such file or directory"


def test_help_names_the_debug_variable():
    assert "LAMBDALINT_DEBUG=1" in invoke(["check", "--help"]).stdout


def test_a_closed_pipe_is_not_a_traceback(tmp_path):
    # `lambdalint check | head -1`: the reader leaves after one line
    for i in range(200):
        write(tmp_path, {f"m{i}.py": BAD})
    import subprocess
    import sys

    from hardening import child_env

    proc = subprocess.Popen([sys.executable, "-m", "lambdalint", "check", "--output-format", "concise", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env())
    first = proc.stdout.readline()
    proc.stdout.close()  # as head does
    _, err = proc.communicate(timeout=120)
    assert b"LAM101" in first
    assert TRACEBACK.encode() not in err and b"BrokenPipeError" not in err


def test_unencodable_output_is_escaped_not_a_crash(tmp_path):
    write(tmp_path, {"app.py": BAD.replace('"select 1"', '"select \u20ac"') + "x = '\u20ac' +\n"})
    done = lambdalint_cli(["check", "--output-format", "full", "."], cwd=tmp_path, env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 1, done.output
    assert TRACEBACK not in done.output
    assert "x = '\\u20ac' +" in done.stdout
