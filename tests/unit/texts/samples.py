"""Long but realistic values, and every text rendered with them, for the text tests."""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from notifier.texts import catalog as texts
from notifier.texts.waits import PeakWindow

TALLINN = ZoneInfo("Europe/Tallinn")

BRAND_NAME = "Tallinn Central Library Customer Service"  # 40 characters
CONTACT = "library.ee/help or +372 600 0000, Mon-Sat 9:00-21:00 (desk2)"  # 60 characters
COUNTER = "Counter 12 (second floor, east wing)"
ACTION = (
    "We have opened two extra counters and moved three colleagues from the back office "
    "to the front desk until the rush ends!"
)  # 120 characters
COMPENSATION = (
    "your next visit skips the line, and the coffee at the cafe on the ground floor is on us"
    " today, enjoy"
)  # 100 characters
TICKET = "A123"
POSITION = 123
ETA = 240

# Brands written in each language's own script: the ones outside GSM-7 turn the text to UCS-2.
NATIVE_BRANDS = {
    "en": BRAND_NAME,
    "es": "Biblioteca Pública Municipal de Tlaxcala",  # "ú" is outside GSM-7
    "zh": "上海市黄浦区南京东路第一百货商店顾客服务中心与会员积分兑换服务台一号窗口与投诉处",
    "et": "Tõnismäe Perearstikeskuse Registratuur A",  # "õ" is outside GSM-7
}

COME_BACK = datetime(2026, 11, 28, 14, 35, tzinfo=TALLINN)
PEAK = PeakWindow(
    datetime(2026, 11, 28, 12, 0, tzinfo=TALLINN), datetime(2026, 11, 28, 14, 0, tzinfo=TALLINN)
)

# How each language says the times above, and how it ends a first text.
TIMES = {"en": "2:35 PM", "es": "14:35", "zh": "14:35", "et": "14:35"}
OPT_OUT_LINES = {
    "en": "Reply STOP to opt out.",
    "es": "Responda STOP para darse de baja.",
    "zh": "回复STOP退订",
    "et": "Loobumiseks vastake STOP.",
}


def brand(name: str = BRAND_NAME, contact: str | None = CONTACT) -> texts.Brand:
    """A queue's brand in Tallinn."""
    return texts.Brand(name=name, contact=contact, tz=TALLINN)


def first_texts(locale: str, who: texts.Brand) -> dict[str, str]:
    """Every text that takes `first`, rendered as the first text to a number."""
    return {
        "joined": texts.joined(
            locale,
            who,
            ticket=TICKET,
            position=POSITION,
            eta_minutes=ETA,
            come_back=COME_BACK,
            peak=PEAK,
            quieter=PEAK.end,
            first=True,
        ),
        "position_update": texts.position_update(
            locale,
            who,
            ticket=TICKET,
            position=POSITION,
            eta_minutes=ETA,
            come_back=COME_BACK,
            first=True,
        ),
        "called": texts.called(
            locale, who, ticket=TICKET, counter=COUNTER, hold_minutes=15, first=True
        ),
        "delayed": texts.delayed(
            locale,
            who,
            ticket=TICKET,
            delay_minutes=ETA,
            come_back=COME_BACK,
            action=ACTION,
            compensation=COMPENSATION,
            apologize=True,
            first=True,
        ),
        "peak_alert": texts.peak_alert(
            locale, who, window=PEAK, quieter=PEAK.end, note=COMPENSATION, first=True
        ),
    }


def all_texts(locale: str, who: texts.Brand) -> dict[str, str]:
    """Every text there is, with the longest values each one can carry."""
    return {
        **first_texts(locale, who),
        "opt_out_confirmation": texts.opt_out_confirmation(locale, who),
        "opt_out_confirmation_unclear": texts.opt_out_confirmation_unclear(locale, who),
        "opt_in_confirmation": texts.opt_in_confirmation(locale, who),
        "help_reply": texts.help_reply(locale, who),
        "status_reply": texts.status_reply(
            locale, who, ticket=TICKET, position=POSITION, eta_minutes=ETA, come_back=COME_BACK
        ),
        "status_reply_none": texts.status_reply(
            locale, who, ticket=None, position=None, eta_minutes=None, come_back=None
        ),
        "acknowledgment": texts.acknowledgment(locale, who),
    }


def catalog(locale: str) -> dict[str, str]:
    """The templates of a catalog, as flat "section.key" strings, read straight from the file."""
    path = Path(texts.__file__).parent / "catalogs" / f"{locale}.toml"
    tables = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        f"{section}.{key}": text
        for section, entries in tables.items()
        if section != "rules"
        for key, text in entries.items()
    }
