import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_the_repository(tmp_path_factory):
    """`lambdalint check` caches in the project root by default; tests run from
    the repository, so point the cache at a temporary folder. The key that
    signs cache entries too: not the user's (``~/.cache/lambdalint``)."""
    import os

    saved = {name: os.environ.get(name) for name in ("LAMBDALINT_CACHE_DIR", "LAMBDALINT_KEY_DIR")}
    os.environ["LAMBDALINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("lambdalint-cache"))
    os.environ["LAMBDALINT_KEY_DIR"] = str(tmp_path_factory.mktemp("lambdalint-key"))
    yield
    for name, old in saved.items():
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old
