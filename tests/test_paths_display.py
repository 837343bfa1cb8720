"""How internal paths are shown in messages: as the user wrote them."""

from lambdalint.index.paths import display


def test_subscripts_show_as_written():
    assert display("$event.__getitem__().__getitem__()") == "event[...][...]"
    assert display("app:CACHE.__getitem__().append") == "CACHE[...].append"


def test_calls_and_attributes_show_without_module_or_arguments():
    assert display("app:conn.cursor().execute") == "conn.cursor(...).execute"
    assert display("app:cache.__getitem__") == "cache.__getitem__"  # named, not called: as written
