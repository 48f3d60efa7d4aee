"""The dashboard's chart: an SVG drawn on the server by pygal, so no script is needed to see it."""

from __future__ import annotations

import sys
from datetime import date

import pygal
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from pygal.style import Style

from notifier.compliance.rollup import OUTCOMES

# pygal adds an import hook of the old kind for its map plugins, which this console does not use;
# with it, every import that fails anywhere in the process warns. It goes.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

LABELS = {
    "delivered": _l("delivered"),
    "sent": _l("sent, no receipt yet"),
    "failed": _l("failed"),
    "blocked": _l("blocked"),
    "skipped": _l("skipped, dropped or cancelled"),
    "waiting": _l("waiting to go"),
}
# Colours told apart also by people who do not see red and green apart (Okabe and Ito).
COLOURS = ("#009E73", "#56B4E9", "#D55E00", "#CC79A7", "#999999", "#E69F00")
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#373c44",
    foreground_strong="#1d2025",
    foreground_subtle="#8891a4",
    colors=COLOURS,
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    title_font_size=16,
)


def texts_per_day(days: list[tuple[date, dict[str, int]]], title: str) -> Markup:
    """A stacked bar per day: what became of the texts decided that day."""
    chart = pygal.StackedBar(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=960,
        height=380,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        print_values=False,
        show_minor_y_labels=False,
        x_label_rotation=0 if len(days) <= 14 else 45,
        truncate_legend=-1,
        no_data_text=str(_l("No texts in this period")),
        min_scale=1,
    )
    chart.title = title
    chart.x_labels = [format_date(day, "d MMM") for day, _ in days]
    for outcome in OUTCOMES:
        chart.add(str(LABELS[outcome]), [counts.get(outcome, 0) or None for _, counts in days])
    svg: str = chart.render(is_unicode=True)
    return Markup(svg)  # pygal escapes every label it draws
