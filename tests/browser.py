"""Browser-test kit: one headless Chromium per module (Debian's, never downloaded), a page
factory on the live server, sign-in as a person does it (second factor included), and the
checks every page must pass: no sideways scroll on a phone, touch targets, axe-core, and
screenshots written to a git-ignored folder for a person to look at.

The fixtures are registered in tests/conftest.py; helpers are imported from here.
"""

import json
import os
from pathlib import Path

import pytest

# --- Headless Chromium ---------------------------------------------------------------------------

CHROMIUM = os.environ.get("AFTERSALES_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the module's browser tests.

    Missing Chromium (or Playwright) fails the run when CI=true and skips it elsewhere.
    Playwright's sync API keeps an event loop running, so Django's async-safety check is
    switched off while the browser lives, and only then.
    """
    reason = None
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is not installed"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            reason = "Playwright for Python is not installed"
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Browser tests cannot run in CI: {reason}.")
        pytest.skip(f"Browser tests skipped: {reason} (with CI=true this is a failure).")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_page(chromium, live_server):
    """open_page(viewport=..., **context options) → a fresh page on the live server."""
    contexts = []

    def factory(viewport=None, **options):
        context = chromium.new_context(
            base_url=live_server.url, viewport=viewport or {"width": 1280, "height": 900}, **options
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


def _sign_in(page, username, password):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    # Wait for the answer's page, not only "load" of the current one: a goto right after
    # would otherwise race the sign-in POST on a loaded machine.
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/login/verify/enrol/" in page.url:
        _enrol_second_factor(page)


def _enrol_second_factor(page):
    """A supervisor's first sign-in: set up the authenticator like a person would, typing
    the key shown on the page into an "app" (django-otp's TOTP function), then go on."""
    import base64

    from django_otp.oath import totp

    key = page.get_attribute("#otp-key", "data-key").replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    page.fill("#id_code", f"{totp(secret):06d}")
    with page.expect_navigation():
        page.click("button[type=submit].primary")
    with page.expect_navigation():
        page.click("a.button.primary")  # "Continue", past the backup codes


def _assert_fits(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways: {scroll}px > {width}px"


def _assert_touch_targets(page, selector, minimum=44):
    small = page.evaluate(
        """([selector, minimum]) => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect().height])
            .filter(([_, h]) => h < minimum)""",
        [selector, minimum],
    )
    assert small == []


AXE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(
    os.environ.get("AFTERSALES_SCREENSHOTS")
    or Path(__file__).resolve().parent.parent / "var" / "screenshots"
)


def _screenshot(page, name):
    """Write a full-page screenshot to var/screenshots/ (git-ignored), or to
    $AFTERSALES_SCREENSHOTS. Look at them before calling a page done."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def axe_violations(page, impacts=("serious", "critical")):
    """axe-core's violations of at least ``impacts`` on the page as it stands.

    axe is evaluated through the DevTools protocol, which the page's CSP does not govern,
    so the page keeps its real policy while it is checked.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async (impacts) => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }""",
        list(impacts),
    )
    return found


def assert_accessible(page):
    found = axe_violations(page)
    assert found == [], f"axe-core on {page.url}:\n" + json.dumps(found, indent=1)


def _focused(page):
    """The focused element as "TAG|name|value|type|href", for keyboard-only journeys."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e ? `${e.tagName}|${e.name || ''}|${e.value || ''}|${e.type || ''}|"
        "${e.getAttribute('href') || ''}` : ''; }"
    )


def focus_lands_on(page, wanted, timeout=5000):
    """Wait until the focused element's "TAG|name|value|type|href" contains ``wanted``.

    ``autofocus`` is applied by the browser at its next rendering step, which on a loaded
    machine can come after the load event that ``page.goto`` waits for.
    """
    page.wait_for_function(
        "wanted => { const e = document.activeElement;"
        " return !!e && `${e.tagName}|${e.name || ''}|${e.value || ''}|${e.type || ''}|"
        "${e.getAttribute('href') || ''}`.includes(wanted); }",
        arg=wanted,
        timeout=timeout,
    )


def _tab_to(page, wanted, limit=40):
    """Press Tab until the focused element's "TAG|name|value|type|href" contains ``wanted``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if wanted in _focused(page):
            return
    raise AssertionError(f"{wanted!r} not reached by Tab; last focus {_focused(page)!r}")


# Public names for new tests; the underscored ones stay for the older modules.
sign_in = _sign_in
screenshot = _screenshot
assert_fits = _assert_fits
assert_touch_targets = _assert_touch_targets
