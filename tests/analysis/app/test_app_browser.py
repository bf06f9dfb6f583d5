"""End to end: the app in a subprocess, driven by headless Chromium (Debian's, never downloaded).

Screenshots go to the test's tmp folder and, when STEELDEFECT_SCREENSHOTS=DIR is set, to DIR (the
README's docs/images/app_*.png are made this way).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 90  # the app imports Dash and indexes the labels before it listens
WAIT_MS = 30_000  # longest wait for one page change
TAB_RETRY_MS = 3_000  # a tab not selected this long after a click is clicked again
LOG_LINES = 40  # lines of the browser console and of the app's output added to a failure
VIEWPORT = {"width": 1400, "height": 900}
README_WIDTH = 1100  # pixels, width of the screenshots copied for the README
OVERSIZED_BYTES = 53 * 1024 * 1024  # a CSV over the 50 MB upload limit

# true once the image shown is the one the browser message names (its id comes first) and has loaded
SHOWN_MATCHES_MESSAGE = """(needle) => {
    const message = document.querySelector('#browse-message').innerText;
    const image = document.querySelector('#image-main');
    return message.includes(needle) && image !== null && image.complete
        && image.getAttribute('src').endsWith('/' + message.split(':')[0]);
}"""

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(),
                                 reason=f"{CHROMIUM} not found (apt-get install chromium): browser test skipped")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited with {proc.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the app did not answer at {url} within {START_TIMEOUT_S} s")


@pytest.fixture()
def app_log(tmp_path) -> Path:
    """The app's stdout and stderr: a file, never an unread pipe (a full pipe would stall the app's
    request logging and with it every request)."""
    return tmp_path / "app.log"


@pytest.fixture()
def app_url(demo, app_log):
    port = free_port()
    cmd = [sys.executable, "-m", "steeldefect", "app", "--data", str(demo["data"]), "--pred",
           str(demo["pred_train"]), str(demo["stage1"]), "--port", str(port)]
    with open(app_log, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, proc, app_log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def save(page, name: str, tmp_path: Path) -> Path:
    """Screenshot into tmp_path, and a smaller copy into $STEELDEFECT_SCREENSHOTS when set."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    target = os.environ.get("STEELDEFECT_SCREENSHOTS")
    if target:
        import cv2

        Path(target).mkdir(parents=True, exist_ok=True)
        image = cv2.imread(str(path))
        height = round(image.shape[0] * README_WIDTH / image.shape[1])
        small = cv2.resize(image, (README_WIDTH, height), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(Path(target) / name), small, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path


def choose(page, dropdown_id: str, option: str) -> None:
    """Pick ``option`` in a dcc.Dropdown by its label."""
    page.click(f"#{dropdown_id}")
    page.get_by_role("option", name=option).click()


def open_tab(page, label: str) -> None:
    """Click the tab ``label`` until it is the selected one: a click that lands while Dash re-renders
    the tab bar can be lost, as a person's would be, and a person clicks again."""
    tab = page.locator("#tabs .tab", has_text=label)
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        tab.click(timeout=WAIT_MS)
        try:
            page.wait_for_selector(f"#tabs .tab--selected:has-text('{label}')", timeout=TAB_RETRY_MS)
            return
        except Exception:  # playwright's TimeoutError: click again until the deadline
            if time.monotonic() > deadline:
                raise


@contextmanager
def diagnosed(page, app_log: Path):
    """On a failure, add what the browser's console and the app printed to the error."""
    console = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.on("requestfailed", lambda req: console.append(f"request failed: {req.url} {req.failure}"))
    try:
        yield
    except Exception as exc:
        tail = app_log.read_text(errors="replace").splitlines()[-LOG_LINES:]
        raise AssertionError("\n".join([str(exc), "browser console:", *console[-LOG_LINES:],
                                         "app output (last lines):", *tail])) from exc


def test_pages_render_and_clicks_change_the_image(app_url, app_log, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        errors = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        with diagnosed(page, app_log):
            browse_and_compare(page, app_url, tmp_path)
        browser.close()
    assert not errors, errors
    assert all((tmp_path / n).stat().st_size > 0 for n in ("app_distributions.png", "app_images.png",
                                                           "app_submissions.png"))


def browse_and_compare(page, app_url: str, tmp_path: Path) -> None:
    page.goto(app_url)

    page.wait_for_selector("#fig-classes .main-svg", timeout=WAIT_MS)
    page.wait_for_selector("#fig-areas .main-svg", timeout=WAIT_MS)
    page.wait_for_selector("#area-rows", timeout=WAIT_MS)
    assert page.locator("#summary").inner_text().startswith("truth (train.csv): 10 images")
    save(page, "app_distributions.png", tmp_path)

    open_tab(page, "Images")
    page.wait_for_selector("#image-main", timeout=WAIT_MS)
    first = page.get_attribute("#image-main", "src")
    page.click("#btn-random")
    page.wait_for_function(f"document.querySelector('#image-main').getAttribute('src') !== '{first}'",
                           timeout=WAIT_MS)
    second = page.get_attribute("#image-main", "src")
    page.click("#btn-next")
    page.wait_for_function(f"document.querySelector('#image-main').getAttribute('src') !== '{second}'",
                           timeout=WAIT_MS)
    page.fill("#browse-id", "008ef3d74")  # the image whose real masks are known
    page.press("#browse-id", "Enter")
    page.wait_for_function("document.querySelector('#image-main').getAttribute('src').endsWith('008ef3d74.jpg')",
                           timeout=WAIT_MS)
    page.wait_for_selector("#image-dice", timeout=WAIT_MS)
    page.wait_for_function("document.querySelector('#image-main').complete", timeout=WAIT_MS)
    assert page.evaluate("document.querySelector('#image-main').naturalWidth") == 1600
    save(page, "app_images.png", tmp_path)

    choose(page, "browse-set", "predictions_stage1.csv")
    page.wait_for_selector("#placeholder-note", timeout=WAIT_MS)
    choose(page, "browse-class", "class 3")  # a predicted mask, drawn on the placeholder
    page.wait_for_function(SHOWN_MATCHES_MESSAGE, arg="(class 3)", timeout=WAIT_MS)
    assert "not available" in page.inner_text("#placeholder-note")
    assert page.evaluate("document.querySelector('#image-main').naturalWidth") in (0, 1600)
    save(page, "app_placeholder.png", tmp_path)
    choose(page, "browse-compare", "nothing")  # "show" below must put set B beside again

    open_tab(page, "Submissions")
    page.wait_for_selector(".worst-row", timeout=WAIT_MS)  # by default a pair that shares images
    assert "images in common; mean Dice" in page.inner_text("#cmp-note")
    choose(page, "cmp-b", "predictions_stage1.csv")
    page.wait_for_function("document.querySelector('#cmp-note').innerText.includes('no images in common')",
                           timeout=WAIT_MS)
    choose(page, "cmp-b", "pred_train.csv")
    page.wait_for_selector(".worst-row", timeout=WAIT_MS)
    assert "images in common; mean Dice" in page.inner_text("#cmp-note")
    thumbs = page.locator(".worst-row").first.locator(".thumb-pair img")
    page.wait_for_function("[...document.querySelectorAll('.worst-row img')].every(i => i.complete)",
                           timeout=WAIT_MS)
    a_box, b_box = thumbs.nth(0).bounding_box(), thumbs.nth(1).bounding_box()
    assert abs(a_box["y"] - b_box["y"]) < 2 and b_box["x"] > a_box["x"], (a_box, b_box)  # side by side
    save(page, "app_submissions.png", tmp_path)
    page.locator(".worst-row button").first.click()
    page.wait_for_selector("#image-compare", state="visible", timeout=WAIT_MS)  # set B beside the image
    shown = page.get_attribute("#image-main", "src")
    assert shown.startswith("/render/truth/")
    assert page.get_attribute("#image-compare", "src").startswith("/render/pred1/")
    assert "pred_train.csv" in page.inner_text("#browse-compare")


def test_oversized_upload_is_refused_in_the_browser(app_url, tmp_path):
    """A file over the limit is never sent (dcc.Upload's max_size): the page must still say so,
    replacing the message of the previous upload."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(app_url)
        page.wait_for_selector("#tabs", timeout=WAIT_MS)

        open_tab(page, "Submissions")
        upload = page.locator("#upload input[type=file]")
        (tmp_path / "bad.csv").write_text("wrong,header\n")
        upload.set_input_files(str(tmp_path / "bad.csv"))
        page.wait_for_function("document.querySelector('#upload-message').innerText.includes('bad.csv rejected')",
                               timeout=WAIT_MS)
        big = tmp_path / "big.csv"
        with open(big, "wb") as fh:
            fh.truncate(OVERSIZED_BYTES)
        upload.set_input_files(str(big))
        page.wait_for_function("document.querySelector('#upload-message').innerText.includes('big.csv refused')",
                               timeout=WAIT_MS)
        message = page.inner_text("#upload-message")
        assert "50 MB limit" in message and "bad.csv" not in message, message
        browser.close()
