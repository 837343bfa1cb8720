import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pytest


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_the_repository(tmp_path_factory):
    """`lambdalint check` caches in the project root by default; tests run from
    the repository, so point the cache at a temporary folder."""
    import os

    old = os.environ.get("LAMBDALINT_CACHE_DIR")
    os.environ["LAMBDALINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("lambdalint-cache"))
    yield
    if old is None:
        os.environ.pop("LAMBDALINT_CACHE_DIR", None)
    else:
        os.environ["LAMBDALINT_CACHE_DIR"] = old
