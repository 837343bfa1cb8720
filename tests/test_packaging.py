"""The distributions: the wheel and the sdist carry the licence, the changelog and
full metadata, and the README they carry has no link that breaks on a package index.

The distributions are built from this checkout with ``python -m build
--no-isolation`` (offline, with the hatchling the test extra installs)."""

from __future__ import annotations

import email
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from readme import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.slow  # builds both distributions (about ten seconds)

REPOSITORY = "https://github.com/lambdalint/lambdalint"
PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    pytest.importorskip("build", reason="pip install -e '.[test]' installs build")
    pytest.importorskip("hatchling", reason="pip install -e '.[test]' installs hatchling")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = out.glob("lambdalint-*.whl")
    (sdist,) = out.glob("lambdalint-*.tar.gz")
    return wheel, sdist


def _metadata(text: str) -> email.message.Message:
    return email.message_from_string(text)


def _check_metadata(meta: email.message.Message) -> None:
    assert meta["Name"] == "lambdalint"
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["Author"] == "the lambdalint authors"
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert urls["Homepage"] == REPOSITORY
    assert urls["Issues"] == f"{REPOSITORY}/issues"
    assert urls["Changelog"] == f"{REPOSITORY}/blob/main/CHANGELOG.md"
    assert urls["Documentation"].startswith(REPOSITORY)
    keywords = meta["Keywords"].split(",")
    assert {"aws", "lambda", "linter"} <= set(keywords)
    classifiers = meta.get_all("Classifier")
    assert "Development Status :: 4 - Beta" in classifiers
    assert [c for c in classifiers if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)] == \
        [f"Programming Language :: Python :: {v}" for v in PYTHONS]
    # the lowest version the classifiers name is the one the package requires
    assert meta["Requires-Python"] == f">={PYTHONS[0]}"
    assert meta["Description-Content-Type"] == "text/markdown"
    _check_readme_links(meta.get_payload())


def _check_readme_links(readme: str) -> None:
    """On a package index, relative links and heading anchors lead nowhere."""
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    assert links, "the README has links"
    broken = [link for link in links if not link.startswith(("https://", "http://"))]
    assert broken == []
    repo_links = [link for link in links if link.startswith(REPOSITORY)]
    for link in repo_links:  # the repository's files named by those links exist
        m = re.match(re.escape(REPOSITORY) + r"/(?:blob|tree)/main/(.+)", link)
        if m:
            assert (ROOT / m.group(1)).exists(), link


def test_wheel_carries_the_licence_and_metadata(dists):
    wheel, _ = dists
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        assert f"{info}/licenses/LICENSE" in names
        licence = z.read(f"{info}/licenses/LICENSE").decode("utf-8")
        meta = _metadata(z.read(f"{info}/METADATA").decode("utf-8"))
        assert any(n.startswith("lambdalint/_rules/LAM101-") for n in names)  # the rule pages ship too
    assert licence == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Copyright (c) 2026 the lambdalint authors" in licence
    _check_metadata(meta)


def test_sdist_carries_the_licence_changelog_and_metadata(dists):
    _, sdist = dists
    with tarfile.open(sdist) as t:
        top = t.getnames()[0].split("/")[0]
        names = set(t.getnames())
        for name in ("LICENSE", "CHANGELOG.md", "README.md", "pyproject.toml", "PKG-INFO"):
            assert f"{top}/{name}" in names, name
        meta = _metadata(t.extractfile(f"{top}/PKG-INFO").read().decode("utf-8"))
    _check_metadata(meta)


def test_pyproject_declares_what_the_distributions_carry():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert set(project["urls"]) >= {"Homepage", "Documentation", "Changelog", "Issues"}


def test_changelog_keeps_a_changelog():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n")
    assert "https://keepachangelog.com/en/1.1.0/" in text
    assert "## [Unreleased]" in text
    sections = re.findall(r"^### (\w+)$", text, re.M)
    assert sections and set(sections) <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert re.search(r"^\[Unreleased\]: https://", text, re.M)
