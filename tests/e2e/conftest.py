"""End-to-end fixtures: the real app on a local port, driven by headless Chromium.

The server runs in a background thread and shares the session `app` (and so its
database) with the rest of the suite; the autouse `clean_db` fixture empties the tables
before every test. Test code never holds an app context while the browser drives the
server: the factory opens and closes its own, so SQLite's writer lock is always free.

Every page gets a guard: an init script records Content-Security-Policy violations and
replaces `alert`, `confirm` and `prompt` with a sentinel that payloads also call as
`__xss(n)`. Console errors, uncaught page errors, dialogs and requests that no page of
the app would make (a GET of /logout, an image at /x, any other host) are recorded too.
`guard.check()` fails the test when anything was recorded.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from tests.factories import Factory

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
CLIENT_ERROR = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")

INIT_SCRIPT = r"""
(() => {
  const report = (kind, detail) => {
    try { if (window.__rapportReport) { window.__rapportReport(kind, String(detail)); } }
    catch (e) { /* the binding may not be ready in an about:blank frame */ }
  };
  const sentinel = (how) => function (n) {
    const entry = how + "(" + Array.prototype.map.call(arguments, String).join(",") + ")";
    window.__xss.calls.push(entry);
    report("xss", entry + " at " + location.href);
    return how === "confirm" ? false : (how === "prompt" ? null : undefined);
  };
  window.__xss = sentinel("__xss");
  window.__xss.calls = [];
  window.alert = sentinel("alert");
  window.confirm = sentinel("confirm");
  window.prompt = sentinel("prompt");
  window.__cspViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    const entry = [event.violatedDirective, event.blockedURI, event.sample,
                   event.sourceFile + ":" + event.lineNumber].join(" | ");
    window.__cspViolations.push(entry);
    report("csp", entry + " at " + location.href);
  }, true);
})();
"""


def _browser_required() -> bool:
    return os.environ.get("RAPPORT_REQUIRE_BROWSER", "").strip() == "1"


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The app served over real HTTP on 127.0.0.1 and a free port, one per xdist worker."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="rapport-e2e", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM}"
        if _browser_required():
            pytest.fail(message + " (RAPPORT_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the dev extra installs it
        if _browser_required():
            pytest.fail("playwright is not installed (RAPPORT_REQUIRE_BROWSER=1)", pytrace=False)
        pytest.skip("playwright is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Guard:
    """What one page did that no page of the app should do."""

    page: object
    base_url: str
    javascript: bool = True
    xss: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    stray_requests: list[str] = field(default_factory=list)
    allowed_console: list[str] = field(default_factory=list)

    def attach(self) -> None:
        page = self.page
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("dialog", self._on_dialog)
        page.on("request", self._on_request)
        page.on("response", self._on_response)

    def report(self, _source, kind: str, detail: str) -> None:
        (self.xss if kind == "xss" else self.csp).append(detail)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        # A 4xx answer is how the app refuses a form (422) or a stale action (409);
        # Chromium logs each one. Server errors are caught from the responses instead.
        if CLIENT_ERROR.search(text) or any(allowed in text for allowed in self.allowed_console):
            return
        self.console_errors.append(f"{text} at {self.page.url}")

    def _on_response(self, response) -> None:
        if response.status >= 500:
            self.server_errors.append(
                f"{response.request.method} {response.url} -> {response.status}"
            )

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_request(self, request) -> None:
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob", "about"):
            self.stray_requests.append(f"{request.method} {request.url[:80]}")
            return
        origin = f"{url.scheme}://{url.netloc}"
        path = url.path
        expected = origin == self.base_url and not (
            path.startswith("/logout") and request.method != "POST"
        ) and path not in ("/x", "/evil", "/xss")
        if not expected:
            self.stray_requests.append(f"{request.method} {request.url}")

    def problems(self) -> dict[str, list[str]]:
        if self.javascript and not self.page.is_closed():
            try:
                seen = self.page.evaluate(
                    "() => [window.__xss && window.__xss.calls || [],"
                    " window.__cspViolations || []]"
                )
            except Exception:  # noqa: BLE001 - a page mid-navigation has no window to ask
                seen = [[], []]
            for entry in seen[0]:
                if not any(entry in recorded for recorded in self.xss):
                    self.xss.append(entry)
            for entry in seen[1]:
                if not any(entry in recorded for recorded in self.csp):
                    self.csp.append(entry)
        found = {
            "sentinel fired (script ran)": self.xss,
            "CSP violations": self.csp,
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "dialogs": self.dialogs,
            "stray requests": self.stray_requests,
            "server errors": self.server_errors,
        }
        return {name: list(items) for name, items in found.items() if items}

    def check(self, where: str = "") -> None:
        """Fail when the page ran a payload, broke the CSP, logged an error or leaked."""
        found = self.problems()
        assert not found, f"{where or self.page.url}: {found}"


@dataclass
class Browsing:
    """Opens signed-in pages, each in its own browser context, and guards them."""

    browser: object
    base_url: str
    contexts: list = field(default_factory=list)
    guards: list[Guard] = field(default_factory=list)

    def new_page(self, javascript: bool = True):
        context = self.browser.new_context(
            base_url=self.base_url, java_script_enabled=javascript, viewport={
                "width": 1400, "height": 1000}
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        guard = Guard(page, self.base_url, javascript=javascript)
        page.expose_binding("__rapportReport", guard.report)
        page.add_init_script(INIT_SCRIPT)
        guard.attach()
        page.guard = guard
        self.guards.append(guard)
        return page

    def sign_in(self, user, javascript: bool = True):
        """A new browser signed in as `user` through the real login form."""
        page = self.new_page(javascript=javascript)
        page.goto("/login")
        page.fill("#email", user.email)
        page.fill("#password", Factory.PASSWORD)
        page.click("form button[type=submit]:has-text('Sign in')")
        page.wait_for_url(lambda url: "/login" not in url)
        assert page.locator(".user-name").inner_text().strip(), "sign-in did not land"
        page.guard.check("after signing in")
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_call_failed = report.failed
    return report


@pytest.fixture
def browsing(request, browser, live_server) -> Iterator[Browsing]:
    """Signed-in pages for one test; whatever a page recorded after its last check fails."""
    session = Browsing(browser, live_server)
    try:
        yield session
    finally:
        leftovers = [
            guard.problems() for guard in session.guards if not guard.page.is_closed()
        ]
        session.close()
    problems = [found for found in leftovers if found]
    if not getattr(request.node, "e2e_call_failed", False):
        assert not problems, f"pages recorded problems after their last check: {problems}"
