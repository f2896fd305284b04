"""The report in a real browser: headless Chromium, no console error, no broken image.

Why a real browser: an HTML report can pass every text check and still show a broken figure
or a console error (a bad data URI, invalid markup). Chromium is driven through the DevTools
protocol over a pipe (``--remote-debugging-pipe``), with the standard library only, so the
test needs no extra Python package; it skips when Chromium is absent (.ci/run installs it).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from logistics_sim.report import build_report
from testsupport.run_folders import make_run_folder

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--window-size=1100,900",
    "--remote-debugging-pipe",
]
TIMEOUT_S = 60.0
TRAMPOLINE = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)


def _high(fd: int) -> int:
    """The same pipe end moved to a descriptor >= 10 (never 3 or 4), close-on-exec."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Browser:
    """A headless Chromium driven by DevTools protocol messages over fds 3 (in) and 4 (out)."""

    def __init__(self, profile: Path) -> None:
        """Start Chromium with a fresh profile and attach to a new page."""
        assert CHROMIUM is not None
        to_child_r, self._to_child = (_high(fd) for fd in os.pipe())
        self._from_child, from_child_w = (_high(fd) for fd in os.pipe())
        # A Python trampoline puts our pipe ends on fds 3 and 4, then becomes Chromium
        # (dash cannot redirect fds above 9, and pytest's own files hold the low numbers).
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                TRAMPOLINE,
                str(to_child_r),
                str(from_child_w),
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            pass_fds=(to_child_r, from_child_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]

    def _read(self, deadline: float) -> dict[str, Any]:
        """The next protocol message (they are NUL-terminated JSON)."""
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_child], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    def call(self, method: str, params: dict[str, Any] | None = None, session: bool = False) -> Any:
        """Send one command and wait for its result; events seen meanwhile are kept."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> None:
        """Wait until an event of this method has arrived on the page session."""
        deadline = time.monotonic() + TIMEOUT_S
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._read(deadline))

    def close(self) -> None:
        """Ask Chromium to quit, then make sure it has."""
        with contextlib.suppress(RuntimeError, TimeoutError, OSError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_child)
        os.close(self._from_child)


def open_page(html: Path, profile: Path, screenshot: Path) -> tuple[list[str], list[str]]:
    """Load a page; return (console and page errors, broken images) and save a full screenshot."""
    browser = Browser(profile)
    try:
        for domain in ("Runtime", "Log", "Page"):
            browser.call(f"{domain}.enable", session=True)
        browser.call("Page.navigate", {"url": html.resolve().as_uri()}, session=True)
        browser.wait_for("Page.loadEventFired")
        broken = browser.call(
            "Runtime.evaluate",
            {
                "expression": "JSON.stringify(Array.from(document.images)"
                ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt || i.src))",
                "returnByValue": True,
            },
            session=True,
        )["result"]["value"]
        size = browser.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        shot = browser.call(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {
                    "x": 0,
                    "y": 0,
                    "width": size["width"],
                    "height": size["height"],
                    "scale": 1,
                },
            },
            session=True,
        )
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        errors = []
        for event in browser.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                errors.append(" ".join(str(a.get("value", a)) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                errors.append(str(params.get("exceptionDetails", {}).get("text")))
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append(str(params["entry"].get("text")))
        return errors, list(json.loads(broken))
    finally:
        browser.close()


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium not installed (apt-get install chromium; .ci/run installs it)",
)


@needs_chromium
@pytest.mark.parametrize("infeasible", [False, True], ids=["feasible", "infeasible"])
def test_report_opens_cleanly_in_chromium(tmp_path: Path, infeasible: bool) -> None:
    """The report loads with no console error and every figure decodes; screenshot saved."""
    folder = make_run_folder(
        tmp_path / "run",
        replications=3,
        sweep=not infeasible,
        infeasible=infeasible,
        supply=not infeasible,
    )
    html, _md = build_report(folder)
    shot = tmp_path / "report.png"
    errors, broken = open_page(html, tmp_path / "profile", shot)
    assert errors == []
    assert broken == []
    assert shot.stat().st_size > 50_000  # a full page of text and figures, not a blank image
    assert shot.read_bytes().startswith(b"\x89PNG")


@needs_chromium
def test_browser_check_catches_errors_and_broken_images(tmp_path: Path) -> None:
    """The check can fail: a console error and an undecodable image are both reported."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body>"
        '<img alt="broken figure" src="data:image/svg+xml;base64,bm90IGFuIHN2Zw==">'
        "<script>console.error('boom')</script></body></html>"
    )
    errors, broken = open_page(page, tmp_path / "profile", tmp_path / "bad.png")
    assert any("boom" in e for e in errors)
    assert broken == ["broken figure"]
