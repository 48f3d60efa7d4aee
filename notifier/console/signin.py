"""Signing in and out of the console."""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from notifier.compliance import staff
from notifier.console.blueprint import bp, log
from notifier.console.forms import SignInForm
from notifier.console.i18n import gettext as _
from notifier.errors import ValidationFailedError
from notifier.services import current as services


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> BaseResponse | str | tuple[str, int]:
    """The sign-in form; a right name and password start a session."""
    form = SignInForm()
    if not form.validate_on_submit():
        if request.method == "GET":
            form.next.data = request.args.get("next", "")
        return render_template("console/sign_in.html", form=form)
    svc = services()
    with svc.db.session() as db:
        outcome = staff.sign_in(db, form.name.data or "", form.password.data or "", svc.clock.now())
    if outcome.member is None:
        if outcome.locked_until is not None:
            minutes = math.ceil((outcome.locked_until - svc.clock.now()).total_seconds() / 60)
            message = _(
                "Too many wrong passwords: this account is locked for %(n)s more minutes.",
                n=minutes,
            )
        else:
            message = _("The name or the password is wrong.")
        return render_template("console/sign_in.html", form=form, error=message), 401
    session.clear()  # a fresh session for the signed-in member: nothing carried over
    session.permanent = True
    session["staff_id"] = outcome.member.id
    session["tz"] = _zone(form.timezone.data) or outcome.member.timezone
    g.member = outcome.member
    log("sign_in")
    return redirect(_safe_next(form.next.data))


@bp.route("/sign-out", methods=["POST"])
def sign_out() -> BaseResponse:
    """End the session (the form's CSRF token was checked before)."""
    session.clear()
    flash(_("Signed out."))
    return redirect(url_for("console.sign_in"))


def _zone(name: str | None) -> str | None:
    """The browser's time zone, if it named a real one."""
    if not name:
        return None
    try:
        return staff.check_timezone(name)
    except ValidationFailedError:
        return None


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: only a page of this console, never another site."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/console"):
        return url_for("console.dashboard")
    return parts.path + (f"?{parts.query}" if parts.query else "")
