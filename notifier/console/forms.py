"""The console's forms; Flask-WTF adds the CSRF token to each form that changes or reveals."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

EXPORT_KINDS = [
    SelectChoice("messages", _l("Texts decided (message log)")),
    SelectChoice("consents", _l("Consent ledger")),
]
FORMATS = [SelectChoice("csv", _l("CSV")), SelectChoice("jsonl", _l("JSON lines"))]


class SignInForm(FlaskForm):
    """Name and password; the browser's time zone comes along when scripts run."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    timezone = HiddenField()
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that does one thing (sign out, reveal, verify now): only the CSRF token."""


class SearchForm(FlaskForm):
    """A number, in any common format."""

    phone = StringField(_l("Phone number"), validators=[DataRequired(), Length(min=3, max=40)])


class EraseForm(FlaskForm):
    """The admin types the number again to confirm the erasure."""

    phone = StringField(
        _l("Type the number again to confirm"), validators=[DataRequired(), Length(max=40)]
    )


class ExportForm(FlaskForm):
    """Which export, in which format, for which days and (optionally) which number."""

    kind = SelectField(_l("Export"), choices=EXPORT_KINDS)
    format = SelectField(_l("Format"), choices=FORMATS)
    since = DateField(_l("From (first day)"), validators=[Optional()])
    until = DateField(_l("To (last day)"), validators=[Optional()])
    phone = StringField(_l("Only this number"), validators=[Optional(), Length(max=40)])
    # Set instead of `phone` by a number's own page, which knows it by its pseudonym.
    subject = HiddenField(validators=[Optional(), Regexp(r"^[0-9a-f]{64}$")])


class AccessExportForm(FlaskForm):
    """The staff-access log for some days, in a format."""

    format = SelectField(_l("Format"), choices=FORMATS)
    since = DateField(_l("From (first day)"), validators=[Optional()])
    until = DateField(_l("To (last day)"), validators=[Optional()])


class PeriodForm(FlaskForm):
    """The dashboard's period and queue, read from the query string (a link can be shared)."""

    class Meta:
        csrf = False

    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])
    queue = SelectField(_l("Queue"), choices=[], default="")

    def __init__(self, *args: Any, queues: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = SelectChoice("", str(_l("All queues")))
        self.queue.choices = [everything, *(SelectChoice(q, name) for q, name in queues)]
