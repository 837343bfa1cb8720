"""The ast front end (``index.from_ast``) gives exactly the facts of the libcst one.

The check path indexes from CPython's ``ast`` tree; libcst (``index.via_cst``)
is the fallback and the reference. Every file here is indexed both ways and the
facts compared field by field, so that a failure names the function, the event
and the field that differ: on the fixtures, the test data, and a sample of the
installed packages. Also: the check path does not import libcst, and what the
ast front end leaves to libcst (newer syntax, shapes it raises ``Unsupported``
for) gets libcst's facts.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, List, Optional

import pytest

import lambdalint.index.build as build
from lambdalint.index import from_ast, guard, via_cst
from lambdalint.index.facts import ModuleFacts
from lambdalint.index.source import decode_source

REPO = Path(__file__).resolve().parent.parent
OWN = sorted((REPO / "fixtures").rglob("*.py")) + sorted((REPO / "tests" / "data").rglob("*.py"))
# installed code of many styles: (package, how many of its files, taken evenly)
PACKAGES = (("botocore", 60), ("pip", 150), ("setuptools", 60), ("pygments", 40), ("_pytest", 20),
            ("email", 15), ("asyncio", 15), ("json", 5), ("logging", 3), ("urllib", 5), ("unittest", 10))


def both_ways(data: bytes, path: str = "m.py", module: str = "pkg.m") -> Optional[tuple]:
    """(facts through ast, facts through libcst), or None when ``ast`` does not
    read the file (then only libcst can)."""
    text = decode_source(data)
    refusal, tree = guard.measure(text)
    if refusal is not None or tree is None:
        return None
    try:
        through_ast = build._index_ast(data, tree, text, path, module, False)
    except RecursionError:
        through_ast = guard.run_deep(build._index_ast, data, tree, text, path, module, False)
    through_cst = via_cst.index_with_libcst(data, text, tree, path, module, False)
    return through_ast, through_cst


def differences(a: Any, b: Any, where: str = "") -> List[str]:
    """Where two facts differ: ``handler: body[2].body[0].span: (3, 4, 3, 9) != (3, 4, 3, 10)``."""
    if type(a) is not type(b):
        return [f"{where}: {a!r} != {b!r}"]
    if dataclasses.is_dataclass(a):
        out: List[str] = []
        for f in dataclasses.fields(a):
            out += differences(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}" if where else f.name)
        return out
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return [f"{where}: keys {sorted(a.keys() - b.keys())} only through ast, "
                    f"{sorted(b.keys() - a.keys())} only through libcst"]
        return [d for k in a for d in differences(a[k], b[k], f"{where}[{k!r}]")]
    if isinstance(a, tuple) and len(a) == len(b) and any(dataclasses.is_dataclass(x) for x in a):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def assert_same(data: bytes, name: str) -> bool:
    got = both_ways(data, name)
    if got is None:
        return False
    diffs = differences(*got)
    assert not diffs, f"{name}: through ast != through libcst:\n" + "\n".join(diffs[:20])
    return True


def _package_files(package: str, count: int) -> List[Path]:
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    files = sorted(p for loc in spec.submodule_search_locations for p in Path(loc).rglob("*.py"))
    step = max(1, len(files) // count)
    return files[::step][:count]


@pytest.mark.parametrize("chunk", range(8))
def test_same_facts_on_the_fixtures_and_test_data(chunk):
    compared = 0
    for path in OWN[chunk::8]:
        compared += assert_same(path.read_bytes(), str(path.relative_to(REPO)))
    assert compared > 0


@pytest.mark.parametrize("package,count", PACKAGES, ids=[p for p, _ in PACKAGES])
def test_same_facts_on_installed_code(package, count):
    files = _package_files(package, count)
    if not files:
        pytest.skip(f"{package} is not installed")
    compared = sum(assert_same(path.read_bytes(), str(path)) for path in files)
    assert compared >= len(files) * 0.9


SHAPES = {
    "strings": b"import os\nA = 'a' \"b\" r'\\c' f'{A!r:>{10}}' u'd'\nB = f'x{os.sep}y' 'z'\n"
               b"def h(e, c):\n    os.remove(f'/tmp/{e[\"k\"]}' '.json')\n    os.remove('/tmp/' + e)\n",
    "unicode_columns": "import os\nX = 'é\u4e2d'; os.remove(f'/tmp/{X}é')\ndef f(a='ü'): return os.getenv('é')\n".encode(),
    "parenthesised": b"import os\nx = ((1, 2),)\ny = (a for a in (x))\nz = sum(a for a in x)\n"
                     b"w = ((os.getcwd()))\nif (w and (x)):\n    v = [(a) for (a) in (x) if (a)]\n",
    "tuples": b"a, b = (1), (2)\nc = (a), (b)\nd = ()\ne = ( 1, )\nx = a[1:2, ::3]\ny = a[(1, 2)]\nz = a[1, 2]\n",
    "calls": b"import os\nos.path.join(*['a'], sep=1, *['b'], **{})\nprint(x=1, *[2])\n",
    "blocks": b"import os\nfor a in b: os.remove(a)\nclass C: x = os.getcwd()\nwhile x: os.remove(x)\n"
              b"try: pass\nexcept (OSError) as e: raise\nelse: pass\nfinally :  os.remove('/tmp/x')\n"
              b"if a: pass\nelif b: c = 1\nelse:\n    if d: pass\n",
    "decorators": b"import app\n@app.route('/a',  methods=['GET'])\ndef h(): pass\n@(app.x)\ndef h(): pass\n",
    "comprehensions": b"def f(x):\n    return {k: v for k, v in x.items() if k for j in v}, [i async for i in x]\n",
    "boolean_chains": b"def f(a, b, c):\n    x = a or b or c\n    if (a) and (b) and c:\n        return x\n",
    "crlf": b"import os\r\ndef h(e, c):\r\n    p = f'/tmp/{e}'\r\n    os.remove(p)\r\n",
    "trailing_semicolons": b"import os\nif os.sep: os.remove('/tmp/a');\nfor a in b: os.remove(a);\n",
    "match_and_async": b"async def f(x):\n    match x:\n        case [a]:\n            await a.close()\n"
                       b"    async with x as (b, c):\n        async for i in b: c(i)\n",
    "match_constants": b"import enum\nclass S(enum.Enum):\n    OK = 1\ndef h(e, c):\n    match e['s']:\n"
                       b"        case 'a' | 'b':\n            pass\n        case S.OK | -1 | None | 2.5:\n            pass\n"
                       b"        case [x] | {'k': x}:\n            pass\n        case 'c' if c:\n            pass\n"
                       b"        case str() | 'd':\n            pass\n        case _:\n            pass\n",
    "comments_in_brackets": b"import os\nif (  # why\n    os.sep\n):\n    pass\nwhile (\n    # why\n    os.sep):\n    pass\n",
}


@pytest.mark.parametrize("name", SHAPES)
def test_same_facts_on_odd_shapes(name):
    assert assert_same(SHAPES[name], name)


def test_the_check_path_does_not_import_libcst(tmp_path):
    (tmp_path / "handler.py").write_text(
        "import os\n\ndef handler(event, context):\n    os.remove(f\"/tmp/{event['key']}\")\n    return 1\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH"))
                                                      if p))
    code = ("import sys\nfrom lambdalint.index import index_source\n"
            "facts = index_source(open(sys.argv[1], 'rb').read(), 'handler.py', 'handler')\n"
            "assert facts.problem is None and 'handler' in facts.functions\n"
            "print('libcst' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "handler.py")], env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "lambdalint", "check", "--no-cache",
                          str(tmp_path)], env=env, capture_output=True, text=True)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    assert "| libcst" not in run.stderr


# Syntax this Python's ``ast`` may reject and libcst reads (the first that applies is used).
NEWER = (
    b"def handler(event, context):\n    d = {'k': 1}\n    return f\"{d[\"k\"]}\"\n",  # PEP 701 (3.12)
    b"type Alias = int\ndef handler(event, context):\n    return 1\n",  # PEP 695 (3.12)
)


def test_newer_syntax_is_indexed_through_libcst():
    for data in NEWER:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(data)
        except SyntaxError:
            break
    else:
        pytest.skip("this Python's ast reads all of them")
    facts = build.index_source(data, "h.py", "h")
    assert facts.problem is None
    assert "handler" in facts.functions


UNSUPPORTED = {
    # a starred subscript (3.11): libcst has its own shape for it
    "starred_subscript": b"import os\ndef handler(event, context):\n    x = event[*os.sep]\n    os.remove(x)\n",
    "lone_carriage_returns": b"import os\rdef handler(event, context):\r    os.remove('/tmp/a')\r",
}


@pytest.mark.parametrize("name", UNSUPPORTED)
def test_what_the_ast_front_end_leaves_to_libcst_gets_libcsts_facts(name):
    data = UNSUPPORTED[name]
    text = decode_source(data)
    refusal, tree = guard.measure(text)
    if tree is None:
        pytest.skip("this Python's ast does not read it")
    with pytest.raises(from_ast.Unsupported):
        from_ast.convert(tree, text)
    facts: ModuleFacts = build.index_source(data, "h.py", "h")
    assert facts.problem is None
    assert facts == via_cst.index_with_libcst(data, text, tree, "h.py", "h", False)
    assert "handler" in facts.functions
