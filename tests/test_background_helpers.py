"""Work handed to a project helper (LAM301-LAM305): the helper is followed with its
parameters bound, as if its body were written at the call. It finishes the work only
when it really does (a finishing method, a `with`), keeps it only when it stores it
where it outlives the call, and hands it on only when it passes it to code that cannot
be seen (then it may be finished there: silent). Reading the work, calling its other
methods, or printing it finishes nothing (real-world round 5: a Selenium driver made per
invocation and passed to helpers that only use it)."""

from __future__ import annotations

import pytest

from helpers import expected_markers, found, lint

INVALID = {
    "driver_passed_to_a_helper_that_uses_it": """
        from selenium.webdriver import Chrome


        def search(driver):
            driver.find_element("css selector", "#q").send_keys("x")


        def lambda_handler(event, context):
            driver = Chrome()  # expect: LAM305
            search(driver)
            return driver.page_source
    """,
    "driver_read_and_printed_by_helpers": """
        from selenium.webdriver import Chrome


        def describe(driver):
            print(driver)
            return driver.title


        def log_session(driver):
            session = driver.session_id
            return {"session": session}


        def lambda_handler(event, context):
            driver = Chrome()  # expect: LAM305
            title = describe(driver)
            log_session(driver)
            return title
    """,
    "driver_made_by_a_factory_and_used_by_helpers_of_another_module": {
        "chrome.py": """
            from selenium.webdriver import Chrome


            def get_chrome_driver():
                return Chrome()  # expect: LAM305
        """,
        "steps.py": """
            def login(data, driver):
                driver.find_element("id", "username").send_keys(data["user"])
                save_cookies(driver)


            def save_cookies(driver):
                return driver.get_cookies()
        """,
        "app.py": """
            from chrome import get_chrome_driver
            from steps import login


            def lambda_handler(event, context):
                driver = get_chrome_driver()
                login(event, driver)
                return driver.page_source
        """,
    },
    "popen_passed_to_a_helper_that_reads_it": """
        import subprocess


        def pid_of(proc):
            return proc.pid


        def handler(event, context):
            p = subprocess.Popen(["convert", "a.png", "b.jpg"])  # expect: LAM305
            return {"pid": pid_of(p)}
    """,
    "thread_passed_to_a_helper_that_names_it": """
        import threading


        def label(t, name):
            t.name = name


        def handler(event, context):
            t = threading.Thread(target=print)
            label(t, "worker")
            t.start()  # expect: LAM302
            return 1
    """,
}

VALID = {
    "driver_quit_by_a_helper": """
        from selenium.webdriver import Chrome


        def search(driver):
            driver.find_element("css selector", "#q").send_keys("x")


        def done(driver):
            driver.quit()


        def lambda_handler(event, context):
            driver = Chrome()
            try:
                search(driver)
                return driver.page_source
            finally:
                done(driver)
    """,
    "driver_quit_two_helpers_down": """
        from selenium.webdriver import Chrome


        def finish(driver):
            release(driver)


        def release(driver):
            driver.quit()


        def lambda_handler(event, context):
            driver = Chrome()
            driver.get(event["url"])
            page = driver.page_source
            finish(driver)
            return page
    """,
    "driver_handed_on_to_library_code_by_a_helper": """
        from selenium.webdriver import Chrome
        from scraping_kit import Session


        def run(driver, url):
            Session.run(driver, url)


        def lambda_handler(event, context):
            driver = Chrome()
            run(driver, event["url"])
            return {}
    """,
    "driver_kept_by_a_helper_in_module_state": """
        from selenium.webdriver import Chrome

        _driver = None


        def remember(driver):
            global _driver
            _driver = driver


        def lambda_handler(event, context):
            global _driver
            if _driver is None:
                remember(Chrome())
            _driver.get(event["url"])
            return _driver.page_source
    """,
    "driver_given_to_a_project_object": """
        from selenium.webdriver import Chrome


        class Browser:
            def __init__(self, driver):
                self.driver = driver

            def close(self):
                self.driver.quit()


        def open_browser(driver):
            return Browser(driver)


        def lambda_handler(event, context):
            browser = open_browser(Chrome())
            try:
                return browser.driver.page_source
            finally:
                browser.close()
    """,
    "popen_waited_for_by_a_helper": """
        import subprocess


        def finish(proc):
            out, _ = proc.communicate()
            return out


        def handler(event, context):
            p = subprocess.Popen(["ls"], stdout=subprocess.PIPE)
            return finish(p)
    """,
}


def _files(case):
    return case if isinstance(case, dict) else {"app.py": case}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid(tmp_path, name):
    diagnostics = lint(tmp_path, _files(INVALID[name]))
    got = {f for f in found(diagnostics) if f[2].startswith("LAM3")}
    assert got == expected_markers(tmp_path), "\n".join(d.message for d in diagnostics)


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid(tmp_path, name):
    diagnostics = [d for d in lint(tmp_path, _files(VALID[name])) if d.code.startswith("LAM3")]
    assert not diagnostics, "\n".join(f"{d.line}: {d.code} {d.message}" for d in diagnostics)


def test_a_helper_that_uses_the_driver_is_named_on_the_way(tmp_path):
    """The finding is the handler's: the helper returns, and the handler returns with it running."""
    diagnostics = lint(tmp_path, _files(INVALID["driver_passed_to_a_helper_that_uses_it"]))
    (d,) = [d for d in diagnostics if d.code == "LAM305"]
    assert "not quit before the handler returns" in d.message
