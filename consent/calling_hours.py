"""The hours and days each US state's telephone-solicitation law leaves open for texts.

These are engineering rules, not legal advice: each window cites the law it follows. Where
a law exempts texts sent with prior consent, the service keeps the stricter rule anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import lru_cache

import holidays

Hours = tuple[time, time]  # first allowed local time, first local time no longer allowed


@dataclass(frozen=True)
class Window:
    """When texts may go: weekdays, Saturdays and Sundays (None: not that day), holidays."""

    weekdays: Hours
    saturday: Hours | None
    sunday: Hours | None
    no_holidays: bool = False  # no texts on the state's legal holidays

    def hours_on(self, state: str | None, day: date) -> Hours | None:
        """The allowed hours on `day` (local), or None when nothing may go that day."""
        if self.no_holidays and state and is_legal_holiday(state, day):
            return None
        weekday = day.weekday()
        if weekday == 6:
            return self.sunday
        return self.saturday if weekday == 5 else self.weekdays


def _every_day(start: int, end: int, *, sundays: bool = True, holidays: bool = False) -> Window:
    hours = (time(start), time(end))
    return Window(hours, hours, hours if sundays else None, holidays)


# 47 CFR 64.1200(c)(1): 8 a.m. to 9 p.m. at the called party's location.
DEFAULT = _every_day(8, 21)

STATE_WINDOWS = {
    # Fla. Stat. § 501.059(8)(a).
    "FL": _every_day(8, 20),
    # Okla. Stat. tit. 15, § 775C.4(A).
    "OK": _every_day(8, 20),
    # Maryland Stop the Spam Calls Act, Md. Code, Com. Law § 14-4501 et seq.
    "MD": _every_day(8, 20),
    # Mass. Gen. Laws ch. 159C and 201 CMR 12.00.
    "MA": _every_day(8, 20),
    # Ala. Admin. Code r. 770-X-5-.17(1)(b): none on Sundays or holidays.
    "AL": _every_day(8, 20, sundays=False, holidays=True),
    # La. R.S. 45:811 and LPSC General Order R-29617 § V(A)(2): none on Sundays or holidays.
    "LA": _every_day(8, 20, sundays=False, holidays=True),
    # Miss. Code Ann. § 77-3-723(1): none on Sundays (the holiday rule was repealed in 2024).
    "MS": _every_day(8, 20, sundays=False),
    # Conn. Gen. Stat. § 42-288a(c)(1).
    "CT": _every_day(9, 20),
    # Nev. Rev. Stat. ch. 228 (telephone solicitation).
    "NV": _every_day(9, 20),
    # Mich. Comp. Laws § 445.111 et seq. (Home Solicitation Sales Act).
    "MI": _every_day(9, 21),
    # Minn. Stat. § 325E.27.
    "MN": _every_day(9, 21),
    # N.M. Stat. § 57-12-22(A)(3).
    "NM": _every_day(9, 21),
    # Ky. Rev. Stat. § 367.46955(15).
    "KY": _every_day(10, 21),
    # RCW 80.36.390: 8 a.m. to 8 p.m.
    "WA": _every_day(8, 20),
    # Tex. Bus. & Com. Code § 301.051: 9 a.m. to 9 p.m. Monday to Saturday, noon to 9 p.m. Sunday.
    "TX": Window((time(9), time(21)), (time(9), time(21)), (time(12), time(21))),
    # 73 P.S. § 2245(a)(10): no telephone solicitation on a legal holiday.
    "PA": Window((time(8), time(21)), (time(8), time(21)), (time(8), time(21)), True),
    # R.I. Gen. Laws §§ 5-61-2 and 5-61-3.6: "hours of operation" are 9 a.m. to 6 p.m. Monday
    # to Friday and 10 a.m. to 5 p.m. Saturday, except state or federal holidays.
    "RI": Window((time(9), time(18)), (time(10), time(17)), None, True),
    # Utah Code § 13-25a-103(3): not 9 p.m. to 8 a.m., on a Sunday, or on a legal holiday.
    "UT": _every_day(8, 21, sundays=False, holidays=True),
}


def is_legal_holiday(state: str, day: date) -> bool:
    """True if `day` is a legal holiday in `state` (the `holidays` package's calendar)."""
    return day in _holidays(state, day.year)


@lru_cache(maxsize=256)
def _holidays(state: str, year: int) -> frozenset[date]:
    days = set(holidays.country_holidays("US", subdiv=state, years=year))
    if state == "PA":
        days |= _pennsylvania_extras(year)
    return frozenset(days)


def _pennsylvania_extras(year: int) -> set[date]:
    # 44 P.S. § 11 also names Good Friday, Flag Day and Election Day, which the package files
    # as unofficial (Good Friday) or not at all.
    unofficial = holidays.country_holidays("US", years=year, categories=("unofficial",))
    good_friday = {day for day, name in unofficial.items() if name == "Good Friday"}
    # Election Day: the Tuesday after the first Monday of November.
    first = date(year, 11, 1)
    election = first + timedelta(days=(7 - first.weekday()) % 7 + 1)
    return good_friday | {date(year, 6, 14), election}
