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
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT_S = 90  # the app imports Dash and indexes the labels before it listens
WAIT_MS = 30_000  # longest wait for one page change
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


def wait_until_up(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited with {proc.returncode}: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the app did not answer at {url} within {START_TIMEOUT_S} s")


@pytest.fixture()
def app_url(demo):
    port = free_port()
    cmd = [sys.executable, "-m", "steeldefect", "app", "--data", str(demo["data"]), "--pred",
           str(demo["pred_train"]), str(demo["stage1"]), "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_up(url, proc)
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


def test_pages_render_and_clicks_change_the_image(app_url, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        errors = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(app_url)

        page.wait_for_selector("#fig-classes .main-svg", timeout=WAIT_MS)
        page.wait_for_selector("#fig-areas .main-svg", timeout=WAIT_MS)
        page.wait_for_selector("#area-rows", timeout=WAIT_MS)
        assert page.locator("#summary").inner_text().startswith("truth (train.csv): 10 images")
        save(page, "app_distributions.png", tmp_path)

        page.get_by_text("Images", exact=True).click()
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

        page.get_by_text("Submissions", exact=True).click()
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

        browser.close()
    assert not errors, errors
    assert all((tmp_path / n).stat().st_size > 0 for n in ("app_distributions.png", "app_images.png",
                                                           "app_submissions.png"))


def test_oversized_upload_is_refused_in_the_browser(app_url, tmp_path):
    """A file over the limit is never sent (dcc.Upload's max_size): the page must still say so,
    replacing the message of the previous upload."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(app_url)
        page.wait_for_selector("#tabs", timeout=WAIT_MS)

        page.get_by_text("Submissions", exact=True).click()
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
