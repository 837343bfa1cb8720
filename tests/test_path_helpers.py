"""The helpers that answer one path question for every file of a walk
(``InsideRoot``, the discover stage's displayer): they give ``inside`` and
``display_path``'s answers, with the folders resolved once."""

import os

import pytest

from lambdalint.project.discover import _displayer, display_path
from lambdalint.project.root import InsideRoot, inside


@pytest.fixture
def tree(tmp_path):
    """proj/ with plain files, a symlinked file and a symlinked folder that lead
    outside, a symlink that stays inside, and a dangling one."""
    proj, outside = tmp_path / "proj", tmp_path / "outside"
    (proj / "pkg").mkdir(parents=True)
    outside.mkdir()
    (proj / "app.py").write_text("x = 1\n")
    (proj / "pkg" / "mod.py").write_text("x = 1\n")
    (outside / "secret.py").write_text("x = 1\n")
    (outside / "lib").mkdir()
    (outside / "lib" / "util.py").write_text("x = 1\n")
    os.symlink(outside / "secret.py", proj / "leak.py")
    os.symlink(outside / "lib", proj / "linked")
    os.symlink(proj / "pkg" / "mod.py", proj / "alias.py")
    os.symlink(proj / "pkg", proj / "pkgalias")
    os.symlink(tmp_path / "missing.py", proj / "dangling.py")
    return proj


def _files(proj):
    return [proj / "app.py", proj / "pkg" / "mod.py", proj / "leak.py", proj / "linked" / "util.py",
            proj / "alias.py", proj / "pkgalias" / "mod.py", proj / "dangling.py", proj / "pkg" / ".." / "app.py"]


def test_inside_root_answers_as_inside_for_every_kind_of_file(tree):
    check = InsideRoot(str(tree))
    answers = {p.name if p.parent == tree else f"{p.parent.name}/{p.name}": check(str(p)) for p in _files(tree)}
    assert answers == {f"{p.parent.name}/{p.name}" if p.parent != tree else p.name: inside(str(p), str(tree))
                       for p in _files(tree)}
    # what the two must agree on, spelled out
    assert check(str(tree / "app.py")) and check(str(tree / "alias.py")) and check(str(tree / "pkgalias" / "mod.py"))
    assert not check(str(tree / "leak.py"))  # a symlinked file leading outside
    assert not check(str(tree / "linked" / "util.py"))  # a plain file in a symlinked folder leading outside


def test_inside_root_when_the_root_itself_is_reached_through_a_symlink(tree, tmp_path):
    os.symlink(tree, tmp_path / "via")
    check = InsideRoot(str(tmp_path / "via"))
    assert check(str(tree / "app.py")) and check(str(tmp_path / "via" / "pkg" / "mod.py"))
    assert not check(str(tree / "leak.py"))


@pytest.mark.parametrize("path", ["pkg/mod.py", "./pkg/mod.py", "pkg//mod.py", "pkg/./mod.py", "app.py",
                                  "../outside/secret.py", "pkg/../app.py"])
def test_displayer_shows_a_file_as_display_path_does(tree, monkeypatch, path):
    monkeypatch.chdir(tree)
    shown = _displayer()
    # a full path that does not start with the working folder: the displayer works it out
    assert shown(path, "/elsewhere/" + path) == display_path(path)


def test_displayer_shows_absolute_paths_inside_and_outside_the_working_folder(tree, monkeypatch, tmp_path):
    monkeypatch.chdir(tree / "pkg")
    shown = _displayer()
    for path in [str(tree / "pkg" / "mod.py"), str(tree / "app.py"), str(tmp_path / "outside" / "secret.py")]:
        assert shown(path, "/elsewhere") == display_path(path)
    assert shown(str(tree / "pkg" / "mod.py"), "/elsewhere") == "mod.py"
    assert shown(str(tree / "app.py"), "/elsewhere") == str(tree / "app.py")  # above the working folder: as given


def test_inside_root_resolves_a_path_through_a_symlinked_folder_and_up(tree, tmp_path):
    """`linked/../x.py` is beside the symlink's target (outside), not beside the
    symlink: such a path is resolved whole."""
    (tmp_path / "x.py").write_text("x = 1\n")
    path = str(tree / "linked" / ".." / "x.py")
    assert InsideRoot(str(tree))(path) == inside(path, str(tree)) == False  # noqa: E712


def test_a_walks_plain_files_get_the_same_answers_without_a_system_call(tree, tmp_path):
    """The walk marks the files that are no symlinks (``Tree.plain``): for them
    ``InsideRoot`` skips the symlink test and compares strings, and must still
    answer as ``inside`` does, including for a sibling folder whose name starts
    with the root's (``proj2`` is not inside ``proj``)."""
    from lambdalint.project.discover import walk_tree

    sibling = tmp_path / "proj2"
    sibling.mkdir()
    (sibling / "other.py").write_text("x = 1\n")
    walked = walk_tree([str(tree), str(sibling)])
    check = InsideRoot(str(tree))
    plain = {walked.absolute[f] for f in walked.files if walked.absolute[f] in walked.plain}
    assert str(tree / "app.py") in plain and str(tree / "leak.py") not in plain  # links are never plain
    assert str(sibling / "other.py") in plain
    for f in walked.files:
        full = walked.absolute[f]
        assert check(full, full in walked.plain) == inside(full, str(tree)), f
    assert not check(str(sibling / "other.py"), True)
    assert InsideRoot("/")(str(tree / "app.py"), True)  # the file system's root holds everything
