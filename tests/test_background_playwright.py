"""Playwright (LAM305, catalogue data in rules/catalog/background.toml): the driver that
`sync_playwright().start()` / `await async_playwright().start()` runs, and the browsers
`<playwright>.chromium.launch()` runs, are processes that outlive an invocation unless
stopped or closed. Leaving `with sync_playwright() as p:` (or `p.stop()`) ends the
browsers launched through `p` (their owner); a browser or driver kept at module level
and reused is not pending work."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

INVALID = {
    "driver_started_not_stopped": """
        from playwright.sync_api import sync_playwright

        def handler(event, context):
            pw = sync_playwright().start()  # expect: LAM305
            browser = pw.chromium.launch()
            browser.new_page().goto(event["url"])
            browser.close()
            return 1
    """,
    # both left running: one finding, at the driver (stopping it ends the browser too)
    "driver_and_browser_left_running": """
        from playwright.sync_api import sync_playwright

        def handler(event, context):
            pw = sync_playwright().start()  # expect: LAM305
            browser = pw.chromium.launch(args=["--single-process"])
            page = browser.new_page()
            page.goto(event["url"])
            return page.title()
    """,
    "driver_from_a_helper_and_browser_left_running": """
        from playwright.sync_api import sync_playwright

        def _playwright():
            return sync_playwright().start()  # expect: LAM305

        def handler(event, context):
            browser = _playwright().chromium.launch()
            return browser.new_page().title()
    """,
    "browser_on_kept_driver_not_closed": """
        from playwright.sync_api import sync_playwright

        PW = sync_playwright().start()

        def handler(event, context):
            browser = PW.firefox.launch()  # expect: LAM305
            return browser.new_page().title()
    """,
    "persistent_context_not_closed": """
        from playwright.sync_api import sync_playwright

        PW = sync_playwright().start()

        def handler(event, context):
            ctx = PW.chromium.launch_persistent_context("/tmp/profile")  # expect: LAM305
            return ctx.new_page().title()
    """,
    "browser_closed_on_one_branch_only": """
        from playwright.sync_api import sync_playwright

        PW = sync_playwright().start()

        def handler(event, context):
            browser = PW.chromium.launch()  # expect: LAM305
            page = browser.new_page()
            if not event.get("url"):
                return None
            page.goto(event["url"])
            browser.close()
            return 1
    """,
    "driver_started_in_a_helper": """
        from playwright.sync_api import sync_playwright

        def _playwright():
            return sync_playwright().start()  # expect: LAM305

        def handler(event, context):
            browser = _playwright().chromium.launch()
            try:
                return browser.new_page().title()
            finally:
                browser.close()
    """,
    "async_driver_not_stopped": """
        import asyncio
        from playwright.async_api import async_playwright

        async def main(url):
            pw = await async_playwright().start()  # expect: LAM305
            browser = await pw.chromium.launch()
            await browser.close()
            return url

        def handler(event, context):
            return asyncio.run(main(event["url"]))
    """,
    "async_browser_on_kept_driver_not_closed": """
        import asyncio
        from playwright.async_api import async_playwright

        async def main(url):
            async with async_playwright() as p:
                browser = await p.chromium.launch()
                await browser.close()
                other = await p.webkit.launch()
            return other

        def handler(event, context):
            return asyncio.run(main(event["url"]))
    """,
    "rebound_on_every_invocation": """
        from playwright.sync_api import sync_playwright

        PW = sync_playwright().start()
        _browser = None

        def handler(event, context):
            global _browser
            _browser = PW.chromium.launch()  # expect: LAM305
            return _browser.new_page().title()
    """,
}

# (async_browser_on_kept_driver_not_closed has no marker: leaving the `async with` stops
# Playwright, which ends `other` too, though it is returned out of the block)

VALID = {
    "with_sync_playwright_no_close": """
        from playwright.sync_api import sync_playwright

        def handler(event, context):
            with sync_playwright() as p:
                browser = p.chromium.launch()
                return browser.new_page().title()
    """,
    "with_launch": """
        from playwright.sync_api import sync_playwright

        PW = sync_playwright().start()

        def handler(event, context):
            with PW.chromium.launch() as browser:
                return browser.new_page().title()
    """,
    "browser_closed_in_finally": """
        from playwright.sync_api import sync_playwright

        PW = sync_playwright().start()

        def handler(event, context):
            browser = PW.chromium.launch()
            try:
                return browser.new_page().title()
            finally:
                browser.close()
    """,
    "stopped_in_finally_ends_the_browser": """
        from playwright.sync_api import sync_playwright

        def handler(event, context):
            pw = sync_playwright().start()
            try:
                browser = pw.chromium.launch()
                return browser.new_page().title()
            finally:
                pw.stop()
    """,
    "module_level_driver_and_browser": """
        from playwright.sync_api import sync_playwright

        PW = sync_playwright().start()
        BROWSER = PW.chromium.launch()

        def handler(event, context):
            page = BROWSER.new_page()
            try:
                return page.title()
            finally:
                page.close()
    """,
    "lazy_kept_browser_probed": """
        from playwright.sync_api import sync_playwright

        _pw = None
        _browser = None

        def browser():
            global _pw, _browser
            if _browser is None or not _browser.is_connected():
                if _pw is None:
                    _pw = sync_playwright().start()
                _browser = _pw.chromium.launch()
            return _browser

        def handler(event, context):
            return browser().new_page().title()
    """,
    "async_with_no_close": """
        import asyncio
        from playwright.async_api import async_playwright

        async def main(url):
            async with async_playwright() as p:
                browser = await p.chromium.launch()
                page = await browser.new_page()
                await page.goto(url)
                return await page.title()

        def handler(event, context):
            return asyncio.run(main(event["url"]))
    """,
    "async_stopped_in_finally": """
        import asyncio
        from playwright.async_api import async_playwright

        async def main(url):
            pw = await async_playwright().start()
            try:
                browser = await pw.chromium.launch()
                return await (await browser.new_page()).title()
            finally:
                await pw.stop()

        def handler(event, context):
            return asyncio.run(main(event["url"]))
    """,
    "async_with_launch": """
        import asyncio
        from playwright.async_api import async_playwright

        async def main(url):
            async with async_playwright() as p:
                async with await p.chromium.launch() as browser:
                    return await (await browser.new_page()).title()

        def handler(event, context):
            return asyncio.run(main(event["url"]))
    """,
    "connect_to_a_remote_browser": """
        from playwright.sync_api import sync_playwright

        PW = sync_playwright().start()

        def handler(event, context):
            # a remote browser is not a process of this environment
            browser = PW.chromium.connect_over_cdp(event["endpoint"])
            return browser.new_page().title()
    """,
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, {"app.py": INVALID[name]})
    got = {f for f in found(diagnostics) if f[2].startswith("LAM3")}
    assert got == expected_markers(tmp_path), "\n".join(d.message for d in diagnostics)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = [d for d in lint(tmp_path, {"app.py": VALID[name]}) if d.code.startswith("LAM3")]
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


def test_messages_say_stopped_and_closed(tmp_path):
    diagnostics = lint(tmp_path, {"app.py": INVALID["driver_started_not_stopped"]})
    assert any("is not stopped" in d.message for d in diagnostics), [d.message for d in diagnostics]
    diagnostics = lint(tmp_path, {"app.py": INVALID["browser_on_kept_driver_not_closed"]})
    assert any("is not closed" in d.message for d in diagnostics), [d.message for d in diagnostics]


def test_a_browser_left_running_with_its_driver_is_a_place_of_the_driver_finding(tmp_path):
    diagnostics = [d for d in lint(tmp_path, {"app.py": INVALID["driver_and_browser_left_running"]})
                   if d.code == "LAM305"]
    assert len(diagnostics) == 1, [d.message for d in diagnostics]
    (finding,) = diagnostics
    assert "driver" in finding.message and "is not stopped" in finding.message
    source = (tmp_path / "app.py").read_text().splitlines()
    launch_line = next(i for i, line in enumerate(source, 1) if "chromium.launch" in line)
    labels = {label.span[0]: label.text for label in finding.labels}
    assert labels.get(launch_line) == "a Playwright browser is started through it here; it runs until the Playwright driver is stopped"
