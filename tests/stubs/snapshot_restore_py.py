"""A stand-in for AWS's ``snapshot_restore_py`` (the SnapStart runtime hooks), with
its API, for ``tests/snapstart_restore.py`` when the real package is not installed
(``pip install snapshot-restore-py``; it is in the ``test`` extra). Only the test
harness puts this folder on ``sys.path``."""

_before_snapshot_registry = []
_after_restore_registry = []


def register_before_snapshot(func, *args, **kwargs):
    _before_snapshot_registry.append((func, args, kwargs))
    return func


def register_after_restore(func, *args, **kwargs):
    _after_restore_registry.append((func, args, kwargs))
    return func


def get_before_snapshot():
    return _before_snapshot_registry


def get_after_restore():
    return _after_restore_registry
