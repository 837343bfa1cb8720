"""How internal paths are shown in messages: as the user wrote them."""

from lambdalint.index.paths import display


def test_subscripts_show_as_written():
    assert display("$event.__getitem__().__getitem__()") == "event[...][...]"
    assert display("app:CACHE.__getitem__().append") == "CACHE[...].append"


def test_calls_and_attributes_show_without_module_or_arguments():
    assert display("app:conn.cursor().execute") == "conn.cursor(...).execute"
    assert display("app:cache.__getitem__") == "cache.__getitem__"  # named, not called: as written


def test_imported_names_show_by_the_name_their_import_bound():
    from lambdalint.index.paths import written

    imported = (("conn", "svc.db.conn"), ("store", "svc.db"), ("np", "numpy"))
    assert written("svc.db.conn.close", imported) == "conn.close"  # from svc.db import conn
    assert written("svc.db.cursor", imported) == "store.cursor"  # from svc import db as store
    assert written("numpy.array()", imported) == "np.array(...)"  # import numpy as np
    assert written("app:conn.close", imported) == "conn.close"  # the module's own global
    assert written("$c.close", imported) == "c.close"
    # an import inside the function: only its name is known
    assert written("svc.db.conn.close", (), ("conn",)) == "conn.close"
    assert written("svc.db.conn.close") == "svc.db.conn.close"
