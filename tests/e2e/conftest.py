"""Browser tests: Playwright driving Debian's Chromium against Django's live server."""

import os
import shutil

import pytest

CHROMIUM = "/usr/bin/chromium"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if shutil.which(CHROMIUM) is None:
        pytest.fail("Chromium is not installed (make test installs Debian's chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def _browser_page(browser):
    """A page in its own context (its own cookies) that fails the test on any JavaScript
    error."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def page(browser):
    yield from _browser_page(browser)


@pytest.fixture
def second_page(browser):
    """A second person's browser: the reviewer, the coordinator."""
    yield from _browser_page(browser)


def log_in(page, live_server, username: str, password: str, *, admin: bool = False) -> None:
    path = "/admin/login/" if admin else "/comptes/connexion/"
    page.goto(live_server.url + path)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("[type=submit]")


@pytest.fixture
def worker(settings, tmp_path):
    """A real Celery worker (filesystem broker, as on the embedded default) for the
    background work the browser waits for: AI edits, drafts."""
    from tests.workers import broker_for_worker, celery_worker

    with (
        broker_for_worker(tmp_path) as env,
        celery_worker(env, settings, tmp_path / "worker.log") as process,
    ):
        yield process
