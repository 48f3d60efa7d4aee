"""A number's pages: finding it, its story, revealing it, and the data subject's rights.

Numbers travel in forms (POST), never in URLs, so they stay out of access logs and browser
history: a number's pages are addressed by its pseudonym. Every view of a number, every reveal,
every download and every erasure is written to the staff-access log.
"""

from __future__ import annotations

import re
import time

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from notifier.compliance import story, subjects
from notifier.console.blueprint import admin_only, bp, log, member, viewer_zone
from notifier.console.forms import ActionForm, EraseForm, ExportForm, SearchForm
from notifier.console.i18n import gettext as _
from notifier.errors import ValidationFailedError
from notifier.phones import region_for_timezone
from notifier.services import current as services

PSEUDONYM = re.compile(r"^[0-9a-f]{64}$")
# A revealed number shows for this long, then is masked again.
REVEAL_SECONDS = 600
REVEALS_KEPT = 10


@bp.route("/numbers", methods=["GET", "POST"])
def search() -> BaseResponse | str | tuple[str, int]:
    """Find a number written in any common format (without a country prefix, it is read as a
    number of the viewer's own country)."""
    form = SearchForm()
    if form.validate_on_submit():
        subject = subject_of(form.phone.data or "")
        if subject is not None:
            return redirect(url_for("console.number", subject=subject))
        form.phone.errors = [_("This is not a phone number we can read; add its country code.")]
        return render_template("console/search.html", form=form), 422
    return render_template("console/search.html", form=form)


def subject_of(raw: str) -> str | None:
    try:
        return story.subject_of(
            services().pseudonymize, raw, region_for_timezone(str(viewer_zone()))
        )
    except ValidationFailedError:
        return None


@bp.route("/numbers/<subject>")
def number(subject: str) -> str:
    """The number's story: consent now and over time, its texts and why, its tickets."""
    _check(subject)
    records = request.args.get("records", 1, type=int) or 1
    texts = request.args.get("texts", 1, type=int) or 1
    found = story.story(services().db, subject, records, texts)
    pages = f"records page {found.records_page.number}, texts page {found.texts_page.number}"
    log("view", subject=subject, detail=f"story: {pages}")
    return render_template(
        "console/number.html",
        story=found,
        revealed=_revealed(subject),
        action=ActionForm(),
        export=ExportForm(subject=subject),
        reveal_minutes=REVEAL_SECONDS // 60,
    )


@bp.route("/numbers/<subject>/reveal", methods=["POST"])
def reveal(subject: str) -> BaseResponse:
    """Show the number in full for a few minutes; the reveal is logged."""
    _check(subject)
    log("reveal", subject=subject)
    shown = {k: v for k, v in session.get("revealed", {}).items() if v > time.time()}
    shown[subject] = time.time() + REVEAL_SECONDS
    session["revealed"] = dict(sorted(shown.items(), key=lambda kv: kv[1])[-REVEALS_KEPT:])
    return redirect(url_for("console.number", subject=subject))


def _revealed(subject: str) -> bool:
    until = session.get("revealed", {}).get(subject)
    return isinstance(until, int | float) and until > time.time()


@bp.route("/numbers/<subject>/everything", methods=["POST"])
@admin_only
def everything(subject: str) -> BaseResponse:
    """Download everything held about the number, as one JSON document (GDPR Arts. 15, 20)."""
    _check(subject)
    svc = services()
    phone = story.phone_of(svc.db, subject)
    if phone is None:
        flash(_("The number is erased: only its pseudonymous records remain, in the exports."))
        return redirect(url_for("console.number", subject=subject))
    document = subjects.export(svc.work, phone)
    log("download", subject=subject, detail="everything held (JSON)")
    response = Response(document.model_dump_json(indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="subject.json"'
    return response


@bp.route("/numbers/<subject>/erase", methods=["GET", "POST"])
@admin_only
def erase(subject: str) -> BaseResponse | str | tuple[str, int]:
    """Erase the number's personal data, once the admin has typed the number again."""
    _check(subject)
    svc = services()
    phone = story.phone_of(svc.db, subject)
    if phone is None:
        flash(_("The number is erased already."))
        return redirect(url_for("console.number", subject=subject))
    form = EraseForm()
    if form.validate_on_submit():
        if subject_of(form.phone.data or "") == subject:
            done = subjects.erase(svc.work, phone, f"staff:{member().name}")
            gone = f"texts scrubbed: {done.messages_scrubbed}, tickets: {done.tickets_deleted}"
            log("erase", subject=subject, detail=gone)
            flash(_("The number's personal data is erased."))
            return redirect(url_for("console.number", subject=subject))
        form.phone.errors = [_("That is not this number: nothing was erased.")]
        return render_template("console/erase.html", form=form, subject=subject, phone=phone), 422
    return render_template("console/erase.html", form=form, subject=subject, phone=phone)


def _check(subject: str) -> None:
    if not PSEUDONYM.match(subject):
        abort(404, _("There is no such number page."))
