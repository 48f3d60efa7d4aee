"""The console in a real browser (Debian's Chromium through Selenium), against the live
service: an auditor reads why a number is blocked and cannot erase it; an admin downloads a CSV,
erases the number and finds it all in the access log; the dashboard draws its chart. Each page is
saved under var/screenshots/."""

from __future__ import annotations

import csv

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from notifier.services import Services
from tests.conftest import LiveServer, run_worker
from tests.console.browser import (
    browser,
    click,
    downloaded,
    needs_browser,
    screenshot,
    sign_in,
    text_of,
)
from tests.console.conftest import make_staff
from tests.e2e.customer import DIGITS, PHONE, Customer

pytestmark = needs_browser
__all__ = ["browser"]


def test_an_auditor_reads_why_an_opted_out_number_is_blocked_and_cannot_erase_it(
    browser: WebDriver, live: LiveServer, svc: Services, opted_out: Customer
) -> None:
    password = make_staff(svc, "otto", "auditor", timezone="UTC")
    browser.get(live.url + "/console/sign-in")
    screenshot(browser, "sign-in")
    sign_in(browser, live.url, "otto", password)

    click(browser, By.LINK_TEXT, "Numbers")
    browser.find_element(By.NAME, "phone").send_keys("(305) 555-0142")
    click(browser, By.ID, "search")

    assert text_of(browser, "#number") == "•••• 0142"
    stop, kiosk = browser.find_elements(By.CSS_SELECTOR, ".record .record-words")
    assert stop.text == "Revoked peak-hour warnings, queue updates by text 'STOP'"
    assert kiosk.text == "Granted peak-hour warnings, queue updates at a kiosk"
    reasons = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".text .why")]
    # Times are the browser's own (New York), not the account's (UTC).
    assert reasons == [
        "allowed: an answer to the customer's own text",
        "allowed: consent given at a kiosk on 28 Nov 11:05 (record 1)",
    ]
    assert "STOP" in text_of(browser, ".record .inbound")
    assert "Suppressed" in text_of(browser, "#suppression")
    assert not browser.find_elements(By.ID, "erase")
    screenshot(browser, "number-story")

    browser.get(browser.current_url + "/erase")
    assert text_of(browser, "#error-message") == "Only an admin may do this."
    screenshot(browser, "auditor-cannot-erase")
    assert opted_out.consent()["queue_updates"] == "revoked"


def test_an_admin_downloads_a_csv_erases_the_number_and_finds_it_all_in_the_access_log(
    browser: WebDriver, live: LiveServer, svc: Services, opted_out: Customer
) -> None:
    sign_in(browser, live.url, "ada", make_staff(svc, "ada", "admin"))
    browser.get(f"{live.url}/console/numbers/{svc.pseudonymize(PHONE)}")

    click(browser, By.ID, "reveal")
    assert text_of(browser, "#number") == PHONE
    browser.find_element(By.ID, "download-messages").click()  # stays on the page
    with downloaded(browser, ".csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["kind"], r["recipient"], r["status"]) for r in rows] == [
        ("joined", PHONE, "delivered"),
        ("opt_out_confirmation", PHONE, "sent"),
    ]

    click(browser, By.ID, "erase")
    screenshot(browser, "erase-confirm")
    browser.find_element(By.NAME, "phone").send_keys("+1 305-555-0142")
    click(browser, By.ID, "erase-confirm")
    assert "What remains after erasure" in text_of(browser, "#what-remains")
    assert "Every purpose was revoked" in text_of(browser, "#suppression")
    assert DIGITS not in browser.page_source
    screenshot(browser, "number-erased")

    click(browser, By.LINK_TEXT, "Access log")
    done = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#access-log td[class^=action]")]
    assert done == ["view", "erase", "download", "view", "reveal", "view", "sign_in"]
    screenshot(browser, "access-log")


def test_the_dashboard_draws_what_became_of_the_texts_and_the_ledger_is_checked(
    browser: WebDriver, live: LiveServer, svc: Services, opted_out: Customer
) -> None:
    sign_in(browser, live.url, "ada", make_staff(svc, "ada", "admin"))

    chart = browser.find_element(By.CSS_SELECTOR, "#chart svg")
    assert chart.is_displayed() and chart.size["width"] > 600
    legend = [e.text for e in chart.find_elements(By.CSS_SELECTOR, ".legend text")]
    assert legend[:2] == ["delivered", "sent, no receipt yet"]
    bars = chart.find_elements(By.CSS_SELECTOR, ".series rect.rect")
    drawn = [b for b in bars if float(b.get_attribute("height") or 0) > 0]
    assert len(drawn) == 2  # Saturday's delivered acknowledgment and its sent confirmation
    assert text_of(browser, "#decided") == "2"
    assert "“STOP”" in text_of(browser, "#opt-out-replies")
    screenshot(browser, "dashboard")

    click(browser, By.LINK_TEXT, "Ledger")
    click(browser, By.ID, "verify-now")
    run_worker(svc)
    browser.refresh()
    assert "The chain holds: 2 records" in text_of(browser, "#check-result")
    assert "Ledger verified" in text_of(browser, "#ledger-badge")
    screenshot(browser, "ledger")
