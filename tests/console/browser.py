"""Debian's Chromium driven by Selenium: a staff member's real browser for the console tests.

Nothing is downloaded: the browser and its driver are the Debian packages `chromium` and
`chromium-driver`, found on the PATH; without them the browser tests are skipped, and the run
says so.
"""

from __future__ import annotations

import base64
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from notifier.config import PROJECT_ROOT

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = "no chromium and chromedriver on the PATH (apt-get install chromium chromium-driver)"
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots"
VIEWER_ZONE = "America/New_York"
WIDTH = 1280

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason=f"browser tests skipped: {MISSING}"
)


def start(downloads: Path) -> WebDriver:
    """A headless Chromium that saves downloads to `downloads` and lives in New York."""
    assert CHROMIUM and CHROMEDRIVER
    options = Options()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={WIDTH},900",
        "--lang=en-US",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": VIEWER_ZONE})
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    return driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """A fresh browser for one test."""
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = start(downloads)
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


def screenshot(driver: WebDriver, name: str) -> Path:
    """Save the whole page, however tall, under var/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"clip": clip, "captureBeyondViewport": True}
    )
    path = SCREENSHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def click(driver: WebDriver, by: str, value: str) -> None:
    """Click what leads to another page; wait until that page has replaced this one and loaded."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(by, value).click()
    wait = WebDriverWait(driver, 10)
    wait.until(expected_conditions.staleness_of(page))
    # Gone is not yet replaced: reading the next page while it still loads can find an
    # element of a document that is then swapped out.
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(driver: WebDriver, base_url: str, name: str, password: str) -> None:
    """Sign in through the form."""
    driver.get(base_url + "/console/")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(password)
    click(driver, By.ID, "sign-in")


def downloaded(driver: WebDriver, suffix: str, timeout: float = 10) -> Path:
    """The file the browser finished downloading, waiting for it up to `timeout` seconds."""
    folder: Path = driver.downloads  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.05)
    raise AssertionError(f"no {suffix} file was downloaded: {list(folder.iterdir())}")


def text_of(driver: WebDriver, css: str) -> str:
    """The visible text of the first element matching `css`."""
    return str(driver.find_element(By.CSS_SELECTOR, css).text)
