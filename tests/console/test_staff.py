"""Staff accounts and sessions: sign-in, roles, the lockout, sign-out, disabling, the CLI; and
the ledger check asked for from the console and run by a worker."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from notifier.clock import FixedClock
from notifier.services import Services
from tests.conftest import START, run_worker
from tests.console.conftest import Staff, make_staff, signed_in
from tests.e2e.customer import Customer


def test_every_console_page_asks_for_sign_in_first(app: Flask) -> None:
    client = app.test_client()

    for path in ("/console/", "/console/numbers", "/console/ledger", "/console/access"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/console/sign-in?next=")
    assert client.get("/console/sign-in").status_code == 200


def test_signing_in_opens_the_page_asked_for_with_a_hardened_cookie(
    app: Flask, svc: Services
) -> None:
    member = Staff(app.test_client(), "ada", make_staff(svc, "ada", "admin"))

    answer = member.sign_in(next="/console/ledger")

    assert answer.status_code == 302 and answer.headers["Location"] == "/console/ledger"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in cookie  # the tests run outside development
    assert "Path=/console" in cookie
    assert member.get("/console/ledger").status_code == 200


def test_sign_in_never_sends_anyone_to_another_site(app: Flask, svc: Services) -> None:
    member = Staff(app.test_client(), "ada", make_staff(svc, "ada", "admin"))

    answer = member.sign_in(next="https://evil.example/console")

    assert answer.headers["Location"] == "/console/"


def test_a_wrong_name_and_a_wrong_password_read_the_same(app: Flask, svc: Services) -> None:
    make_staff(svc, "ada", "admin")

    wrong_password = Staff(app.test_client(), "ada", "not-her-password-at-all").sign_in()
    wrong_name = Staff(app.test_client(), "nobody", "not-her-password-at-all").sign_in()

    assert wrong_password.status_code == wrong_name.status_code == 401
    for answer in (wrong_password, wrong_name):
        assert "The name or the password is wrong." in answer.get_data(as_text=True)


def test_five_wrong_passwords_lock_the_account_for_a_quarter_of_an_hour(
    app: Flask, svc: Services, clock: FixedClock
) -> None:
    member = Staff(app.test_client(), "ada", make_staff(svc, "ada", "admin"))
    for _ in range(4):
        assert member.sign_in("a-wrong-password-1").status_code == 401

    fifth = member.sign_in("a-wrong-password-1")
    right_but_locked = member.sign_in()
    clock.set(START + timedelta(minutes=15, seconds=1))
    later = member.sign_in()

    assert "locked for 15 more minutes" in fifth.get_data(as_text=True)
    assert right_but_locked.status_code == 401
    assert "locked for 15 more minutes" in right_but_locked.get_data(as_text=True)
    assert later.status_code == 302


def test_a_right_password_resets_the_count_of_wrong_ones(app: Flask, svc: Services) -> None:
    member = Staff(app.test_client(), "ada", make_staff(svc, "ada", "admin"))
    for _ in range(4):
        member.sign_in("a-wrong-password-1")
    assert member.sign_in().status_code == 302
    for _ in range(4):
        member.sign_in("a-wrong-password-1")

    assert member.sign_in().status_code == 302


def test_signing_out_ends_the_session(admin: Staff) -> None:
    answer = admin.post("/console/sign-out")

    assert answer.headers["Location"] == "/console/sign-in"
    assert admin.get("/console/").status_code == 302


def test_a_disabled_account_is_signed_out_at_once(app: Flask, admin: Staff) -> None:
    disabled = app.test_cli_runner().invoke(args=["staff", "disable", "ada"])

    assert disabled.exit_code == 0
    assert admin.get("/console/").status_code == 302
    assert admin.sign_in().status_code == 401


def test_staff_create_prints_a_password_once_that_signs_in(app: Flask) -> None:
    made = app.test_cli_runner().invoke(args=["staff", "create", "otto", "--role", "auditor"])
    password = made.output.strip().splitlines()[-1]

    assert made.exit_code == 0 and "shown only now" in made.output
    assert Staff(app.test_client(), "otto", password).sign_in().status_code == 302


def test_staff_create_reads_a_password_from_standard_input(app: Flask) -> None:
    runner = app.test_cli_runner()

    made = runner.invoke(
        args=["staff", "create", "ada", "--role", "admin", "--password-stdin"],
        input="correct horse battery staple\n",
    )
    short = runner.invoke(
        args=["staff", "create", "eve", "--role", "admin", "--password-stdin"], input="short\n"
    )
    again = runner.invoke(args=["staff", "create", "ada", "--role", "auditor"])
    bad_role = runner.invoke(args=["staff", "create", "bob", "--role", "boss"])

    assert made.exit_code == 0 and "correct horse" not in made.output
    assert (
        Staff(app.test_client(), "ada", "correct horse battery staple").sign_in().status_code == 302
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    assert again.exit_code != 0 and "exists already" in again.output
    assert bad_role.exit_code != 0


def test_an_admin_sees_the_access_log_of_every_member(
    app: Flask, svc: Services, admin: Staff
) -> None:
    signed_in(app, svc, "otto", "auditor")

    page = admin.get("/console/access").get_data(as_text=True)

    assert page.count('class="action-sign_in"') == 2
    assert "otto" in page


def test_verify_now_runs_in_the_background_and_the_badge_tells_the_result(
    admin: Staff, opted_out: Customer, svc: Services
) -> None:
    before = admin.get("/console/ledger").get_data(as_text=True)
    asked = admin.post("/console/ledger")
    waiting = admin.get("/console/ledger").get_data(as_text=True)
    again = admin.post("/console/ledger")  # one check at a time
    run_worker(svc)
    after = admin.get("/console/").get_data(as_text=True)

    assert "Ledger not verified yet" in before
    assert asked.status_code == again.status_code == 302
    assert "Waiting for a worker" in waiting and 'http-equiv="refresh"' in waiting
    assert "Ledger verified 28 Nov 11:07: 2 records" in after
    ledger = admin.get("/console/ledger").get_data(as_text=True)
    assert "The chain holds: 2 records" in ledger
    assert ledger.count('id="check"') == 1


def test_a_broken_chain_shows_on_every_page(
    admin: Staff, opted_out: Customer, svc: Services
) -> None:
    from tests.tamper import tamper

    tamper(svc.db.engine, "UPDATE consent_records SET method = 'paper' WHERE seq = 1")
    admin.post("/console/ledger")
    run_worker(svc)

    page = admin.get("/console/numbers").get_data(as_text=True)

    assert "Ledger check 28 Nov 11:07 failed at record 1" in page


def test_the_console_reads_the_browser_time_zone_given_at_sign_in(
    app: Flask, svc: Services, opted_out: Customer
) -> None:
    member = Staff(app.test_client(), "ada", make_staff(svc, "ada", "admin", "UTC"))
    member.sign_in(timezone="Asia/Tokyo")

    html = member.get(f"/console/numbers/{svc.pseudonymize(opted_out.phone)}").get_data(
        as_text=True
    )

    assert "Times are shown in Asia/Tokyo." in html
    assert "on 29 Nov 01:07" in html  # 16:07 UTC
