"""Charts of the yearly figures, drawn by matplotlib: SVG for the staff page, PNG for the Word file.

matplotlib rather than pygal: one figure gives both the SVG the page shows and the PNG a Word
document needs (python-docx embeds raster images only; pygal needs cairosvg for that), its SVG
holds no script (pygal's embeds a tooltip script from a CDN unless told not to), and it is the
most used, most maintained plotting library in Python. The page shows the SVG as an image
(``data:`` URI, allowed by the strict CSP's ``img-src``), so nothing in it runs or is styled
inline on the page; the title, a description in words and the data table go beside it.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from functools import lru_cache
from xml.sax.saxutils import escape

from cspr.actions.rag import BY_VALUE
from cspr.reporting.figures import Table, YearlyFigures

#: The tables drawn as charts (the others are tables only).
CHARTED = ("notifications", "rapid_reviews", "decisions", "local_reviews", "late_reasons", "actions_rag",
           "actions_agency", "themes")
#: GOV.UK Design System colours: the bars, the text, and the RAG status colours.
BLUE, TEXT = "#1d70b8", "#0b0c0c"
#: matplotlib's settings for these charts: text kept as text, stable ids, the font matplotlib ships.
SETTINGS = {"svg.fonttype": "none", "svg.hashsalt": "cspr-figures", "font.family": "DejaVu Sans"}
RAG_COLOURS = {value: status.colour for value, status in BY_VALUE.items()}  # the one RAG key


@dataclass(frozen=True)
class Chart:
    """A chart of one table: its title, what it shows in words, and the drawings."""

    key: str
    title: str
    description: str
    svg: str
    png: bytes

    @property
    def data_uri(self) -> str:
        """The SVG as an ``img`` source."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def describe(table: Table) -> str:
    """The chart in words: every bar and its number."""
    bars = "; ".join(f"{f.label}: {f.count}" + (f" ({f.percent}% of {f.of})" if f.percent is not None else "")
                     for f in table.figures)
    return f"Bar chart of {table.title.lower()}. {bars or 'None in this year'}."


def chart(table: Table, year_label: str) -> Chart:
    """One table as a horizontal bar chart, in SVG and PNG."""
    labels = tuple(_wrap(f.label) for f in table.figures) or ("None in this year",)
    counts = tuple(f.count for f in table.figures) or (0,)
    colours = tuple(RAG_COLOURS.get(f.key.rsplit(".", 1)[-1], BLUE) if table.key == "actions_rag" else BLUE
                    for f in table.figures) or (BLUE,)
    svg, png = _draw(f"{table.title}, {year_label}", describe(table), labels, counts, colours)
    return Chart(table.key, f"{table.title}, {year_label}", describe(table), svg, png)


@lru_cache(maxsize=256)
def _draw(title: str, description: str, labels: tuple[str, ...], counts: tuple[int, ...],
          colours: tuple[str, ...]) -> tuple[str, bytes]:
    """The drawings of one chart (the same figures are drawn once: a page asks for eight)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure as Drawing  # no pyplot: no global state, safe in threads

    with rc_context(SETTINGS):
        drawing = Drawing(figsize=(7.5, 0.55 * len(labels) + 1.2), dpi=100)
        axes = drawing.add_subplot()
        positions = list(range(len(labels)))[::-1]
        bars = axes.barh(positions, counts, color=list(colours))
        axes.set_yticks(positions, labels=labels, fontsize=10, color=TEXT)
        axes.bar_label(bars, labels=[str(c) for c in counts], padding=3, fontsize=10, color=TEXT)
        axes.set_xlim(0, max([*counts, 1]) * 1.15)
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.set_title(title, fontsize=12, color=TEXT, loc="left")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        drawing.tight_layout()
        svg_out, png_out = io.StringIO(), io.BytesIO()
        drawing.savefig(svg_out, format="svg", metadata={"Date": None, "Creator": None})
        drawing.savefig(png_out, format="png", dpi=150, metadata={"Title": title, "Description": description})
    return _titled(svg_out.getvalue(), title, description), png_out.getvalue()


def charts(figures: YearlyFigures) -> dict[str, Chart]:
    """The charts of the year's main tables, by table key."""
    return {t.key: chart(t, figures.year.label) for t in figures.tables if t.key in CHARTED}


def _wrap(label: str, width: int = 34) -> str:
    """A long label on two or more lines."""
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def _titled(svg: str, title: str, description: str) -> str:
    """The SVG with a ``<title>`` and ``<desc>`` first, as screen readers and image tools read them."""
    head, sep, rest = svg.partition("<svg ")
    tag_end = rest.index(">") + 1
    open_tag = rest[:tag_end].replace(">", ' role="img" aria-labelledby="chart-title chart-desc">', 1) \
        if not rest[:tag_end].endswith("/>") else rest[:tag_end]
    inner = (f'<title id="chart-title">{escape(title)}</title>'
             f'<desc id="chart-desc">{escape(description)}</desc>')
    return head + sep + open_tag + inner + rest[tag_end:]
