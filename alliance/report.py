"""The city report: an A4 PDF built on the server from a `Comparison` (no Streamlit, no database).

Charts are drawn with fpdf2's own rectangles and lines, so nothing needs a browser or a chart renderer.
Text uses DejaVu Sans, shipped in data/fonts/ (free licence, see data/README.md): it covers French, German, Greek
and the other European alphabets, and no system font folder is consulted.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from alliance import actions
from alliance import comparison as cmp
from alliance import i18n, scoring
from alliance.i18n import fmt_date, fmt_number, label, t, tn
from alliance.practices import localized_text

FONT_DIR = Path(__file__).resolve().parent.parent / "data" / "fonts"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}

# colours as RGB, matching alliance.charts (Okabe-Ito)
INK = (27, 31, 36)
MUTED = (91, 101, 115)
CITY = (230, 159, 0)
PEER = (0, 114, 178)
BAND = (197, 223, 239)
RULE = (201, 207, 216)
NOTICE = (255, 244, 214)
PRIMARY = (31, 78, 137)

PAGE_WIDTH = 210
MARGIN = 16
CONTENT = PAGE_WIDTH - 2 * MARGIN


class ReportFontMissing(RuntimeError):
    """A font file of data/fonts/ is missing (an incomplete copy of the repository)."""


@dataclass
class ReportInput:
    """What the report shows: the comparison and the texts around it."""
    comparison: cmp.Comparison
    framework: cmp.Framework
    suggestions: pd.DataFrame | None
    peer_kind: str
    language: str
    demo: bool
    city_name: str
    generated_on: dt.date = field(default_factory=dt.date.today)
    peer_trend: pd.DataFrame | None = None  # bench_peer_trend (rounds with enough peers only)
    validation: str | None = None  # whether and by whom the round was validated (round_review.validation_note)
    plan: pd.DataFrame | None = None  # the city's actions: plan_city_actions with actions.level_change, shown_status


def font_dir() -> Path:
    missing = [name for name in FONT_FILES.values() if not (FONT_DIR / name).is_file()]
    if missing:
        raise ReportFontMissing(f"{', '.join(missing)} missing from {FONT_DIR}: the report's fonts ship with the "
                                "repository; restore that folder (git checkout data/fonts)")
    return FONT_DIR


class _ReportPDF(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        folder = font_dir()
        for style, name in FONT_FILES.items():
            self.add_font("DejaVu", style, str(folder / name))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=18)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*MUTED)
        self.cell(CONTENT / 2, 5, self.footer_text)
        self.cell(CONTENT / 2, 5, f"{self.page_no()} / {{nb}}", align="R")


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


# the action statuses' marks (Okabe-Ito); the status is always written out beside its mark
STATUS_COLOURS = {"not_started": (153, 153, 153), "on_track": (0, 114, 178), "at_risk": (230, 159, 0),
                  "late": (213, 94, 0), "done": (0, 158, 115), "dropped": (204, 121, 167)}


def build_pdf(data: ReportInput) -> bytes:
    """The report as PDF bytes, in ``data.language`` (the caller's language is restored afterwards)."""
    previous = i18n.get_language()
    i18n.set_language(data.language)
    try:
        return _Builder(data).build()
    finally:
        i18n.set_language(previous)


class _Builder:
    def __init__(self, data: ReportInput):
        self.data = data
        self.result = data.comparison
        fw = data.framework
        self.ids = fw.dimension_ids
        self.dim_label = {int(r["dimension_id"]): label(r) for _, r in fw.dimensions.iterrows()}
        self.group_label = {r["group_id"]: label(r, "group") for _, r in fw.groups.iterrows()}
        self.level_label = {(int(r["dimension_id"]), int(r["level"])): label(r, "level_label")
                            for _, r in fw.descriptors.iterrows()}
        self.measure_label = {cmp.OVERALL: t("report.overall"), **self.group_label}
        self.pdf = _ReportPDF(t("report.footer", city=data.city_name, date=fmt_date(data.generated_on)))
        self.pdf.alias_nb_pages()

    # ------------------------------------------------------------------------------------ helpers
    def font(self, size: float, style: str = "", colour=INK):
        self.pdf.set_font("DejaVu", style, size)
        self.pdf.set_text_color(*colour)

    def heading(self, text: str):
        pdf = self.pdf
        if pdf.get_y() > 250:
            pdf.add_page()
        pdf.ln(4)
        self.font(13, "B", PRIMARY)
        pdf.cell(CONTENT, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.set_draw_color(*RULE)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + CONTENT, pdf.get_y())
        pdf.ln(2)

    def para(self, text: str, size: float = 10, style: str = "", colour=INK, height: float = 5):
        self.font(size, style, colour)
        self.pdf.multi_cell(CONTENT, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    def ensure_space(self, mm: float):
        if self.pdf.get_y() + mm > self.pdf.h - 20:
            self.pdf.add_page()

    # ------------------------------------------------------------------------------------ sections
    def build(self) -> bytes:
        self.pdf.add_page()
        self.title_block()
        self.scores_section()
        self.dimensions_chart()
        self.trend_section()
        self.next_steps_section()
        self.plan_section()
        self.peers_section()
        self.answers_section()
        return bytes(self.pdf.output())

    def title_block(self):
        data, result, pdf = self.data, self.result, self.pdf
        self.font(9, "", MUTED)
        pdf.cell(CONTENT, 5, t("report.kicker"), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        self.font(22, "B")
        pdf.multi_cell(CONTENT, 10, data.city_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        country = result.city.get(f"country_{data.language}") or result.city.get("country_en") or ""
        population = result.city.get("population")
        facts = [country] if country else []
        if not _is_missing(population):
            facts.append(t("report.population", n=fmt_number(population)))
        self.para(" · ".join(facts), 10, "", MUTED)
        pdf.ln(2)
        group = result.group
        group_text = t(f"report.peer_kind.{data.peer_kind}")
        group_text += (" — " + tn("report.group_size", group.size) if group.ok
                       else " — " + t("report.group_hidden", min=scoring.MIN_PEER_GROUP))
        info = result.assessment
        rows = [
            (t("report.round"), str(result.round_year)),
            (t("report.status"), t(f"report.status_value.{info.get('status', 'submitted')}")
             + (f" · {fmt_date(info.get('assessed_on'))}" if info.get("assessed_on") is not None else "")),
            *([(t("round_review.report_label"), data.validation)] if data.validation else []),
            (t("report.peer_group"), group_text),
            (t("report.weights"), t("report.weights_custom") if result.custom_weights else t("report.weights_default")),
            (t("report.generated"), fmt_date(data.generated_on, "long")),
        ]
        for key, value in rows:
            self.font(10, "B")
            pdf.cell(50, 6, key)
            self.font(10)
            pdf.multi_cell(CONTENT - 50, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.ln(2)
        invented = data.demo or info.get("provenance") == "invented"
        status = t("report.data_invented") if invented else t("report.data_reported")
        pdf.set_fill_color(*NOTICE)
        self.font(10, "B")
        pdf.multi_cell(CONTENT, 6, t("report.data_status") + " " + status, fill=True, padding=2,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    def scores_section(self):
        result, pdf = self.result, self.pdf
        self.heading(t("report.scores_heading"))
        self.para(t("report.scores_intro"), 9, "", MUTED, 4.5)
        pdf.ln(1)
        cols = [54, 18, 36, 26, CONTENT - 54 - 18 - 36 - 26]
        head = [t("report.col_measure"), t("report.col_city"), t("report.col_median"), t("report.col_quartiles"),
                t("report.col_band")]
        self.font(9, "B", MUTED)
        for w, text in zip(cols, head):
            pdf.cell(w, 6, text)
        pdf.ln(6)
        for measure, row in result.positions.iterrows():
            shown = result.group.ok and not _is_missing(row["median"])
            values = [self.measure_label[measure], fmt_number(row["value"]),
                      fmt_number(row["median"]) if shown else "–",
                      f"{fmt_number(row['q1'])}–{fmt_number(row['q3'])}" if shown else "–",
                      t(f"report.quarter.{int(row['quarter'])}") if shown and not _is_missing(row["quarter"]) else "–"]
            self.font(10, "B" if measure == cmp.OVERALL else "")
            for w, text in zip(cols, values):
                pdf.cell(w, 7, text)
            pdf.ln(7)
        if result.group.ok:
            pdf.ln(2)
            self.strips([(self.measure_label[m], r["value"], r["q1"], r["median"], r["q3"])
                         for m, r in result.positions.iterrows()], label_width=58)
        else:
            self.para(t("report.no_comparison", min=scoring.MIN_PEER_GROUP), 9, "I", MUTED)

    def strips(self, rows, label_width: float):
        """Rows of a 0-100 scale: peers' interquartile band, their median as a tick, the city as a bar."""
        pdf = self.pdf
        x0 = MARGIN + label_width
        width = CONTENT - label_width - 12
        self.font(7, "", MUTED)
        for tick in (0, 25, 50, 75, 100):
            pdf.text(x0 + width * tick / 100 - 2, pdf.get_y() + 2.5, str(tick))
        pdf.ln(4)
        for text, value, q1, median, q3 in rows:
            self.font(8.5)
            lines = pdf.multi_cell(label_width - 3, 3.8, text, dry_run=True, output="LINES")[:2]
            row_h = max(6.0, 3.8 * len(lines) + 0.4)
            self.ensure_space(row_h + 2)
            y = pdf.get_y()
            pdf.set_xy(MARGIN, y + (6 - 3.8 * len(lines)) / 2 if len(lines) == 1 else y)
            pdf.multi_cell(label_width - 3, 3.8, "\n".join(lines), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            y += (row_h - 6) / 2
            pdf.set_fill_color(243, 245, 248)
            pdf.rect(x0, y + 0.5, width, 5, style="F")
            if not _is_missing(q1):
                pdf.set_fill_color(*BAND)
                pdf.rect(x0 + width * q1 / 100, y + 0.5, max(width * (q3 - q1) / 100, 0.6), 5, style="F")
            if not _is_missing(value):
                pdf.set_fill_color(*CITY)
                pdf.rect(x0, y + 2, max(width * value / 100, 0.6), 2, style="F")
            if not _is_missing(median):
                pdf.set_draw_color(*PEER)
                pdf.set_line_width(0.7)
                pdf.line(x0 + width * median / 100, y, x0 + width * median / 100, y + 6)
                pdf.set_line_width(0.2)
            self.font(8.5, "B")
            pdf.set_xy(x0 + width + 1, y)
            pdf.cell(11, 6, "–" if _is_missing(value) else fmt_number(value), align="R")
            pdf.set_y(y + 6 + (row_h - 6) / 2 + 1.2)
        self.legend()

    def legend(self):
        pdf = self.pdf
        y = pdf.get_y() + 1
        x = MARGIN
        self.font(8, "", MUTED)
        items = [(CITY, "bar", self.data.city_name), (PEER, "tick", t("report.legend_median")),
                 (BAND, "box", t("report.legend_band"))]
        for colour, shape, text in items:
            if shape == "bar":
                pdf.set_fill_color(*colour)
                pdf.rect(x, y + 1.5, 6, 2, style="F")
            elif shape == "tick":
                pdf.set_draw_color(*colour)
                pdf.set_line_width(0.7)
                pdf.line(x + 3, y, x + 3, y + 5)
                pdf.set_line_width(0.2)
            else:
                pdf.set_fill_color(*colour)
                pdf.rect(x, y, 6, 5, style="F")
            pdf.set_xy(x + 8, y)
            width = pdf.get_string_width(text) + 2
            pdf.cell(width, 5, text)
            x += 8 + width + 6
        pdf.set_y(y + 7)

    def _fit(self, text: str, width: float) -> str:
        if self.pdf.get_string_width(text) <= width:
            return text
        while text and self.pdf.get_string_width(text + "…") > width:
            text = text[:-1]
        return text + "…"

    def dimensions_chart(self):
        result = self.result
        self.ensure_space(135)  # keep the 14 rows on one page
        self.heading(t("report.dimensions_heading"))
        self.para(t("report.dimensions_intro") if result.group.ok else t("report.dimensions_intro_alone"),
                  9, "", MUTED, 4.5)
        self.pdf.ln(1)
        spread = result.spread.reindex(self.ids)
        rows = []
        for d in self.ids:
            score = result.city_scores.get(d)
            level = result.city_levels.get(d)
            text = self.dim_label[d] if level is not None else f"{self.dim_label[d]} ({t('report.not_applicable')})"
            s = spread.loc[d] if result.group.ok else None
            rows.append((text, None if _is_missing(score) else float(score),
                         None if s is None or _is_missing(s["q1"]) else float(s["q1"]),
                         None if s is None or _is_missing(s["median"]) else float(s["median"]),
                         None if s is None or _is_missing(s["q3"]) else float(s["q3"])))
        self.strips(rows, label_width=78)

    def trend_section(self):
        result, pdf = self.result, self.pdf
        self.heading(t("report.trend_heading"))
        trend = result.trend
        if len(trend) < 2:
            self.para(t("report.trend_single"), 9, "I", MUTED)
            return
        self.ensure_space(56)
        peers = self.data.peer_trend
        peer_median = ({} if peers is None or peers.empty or not result.group.ok
                       else dict(zip(peers["round_year"].astype(int), peers["median"])))
        chart_h, bar_w = 32, min(18, (CONTENT - 28) / len(trend) - 4)
        top = pdf.get_y() + 2
        base = top + chart_h
        pdf.set_draw_color(*RULE)
        self.font(7, "", MUTED)
        for tick in (50, 100):  # light scale lines, so that bar heights read as 0-100
            y = base - chart_h * tick / 100
            pdf.set_line_width(0.1)
            pdf.line(MARGIN + 8, y, MARGIN + CONTENT, y)
            pdf.text(MARGIN, y + 1, str(tick))
        pdf.set_line_width(0.2)
        pdf.line(MARGIN + 8, base, MARGIN + CONTENT, base)
        pdf.text(MARGIN + 3, base + 1, "0")
        for i, row in enumerate(trend.itertuples()):
            x = MARGIN + 12 + i * (bar_w + 4)
            h = chart_h * row.value / 100
            pdf.set_fill_color(*CITY if row.round_year == result.round_year else BAND)
            pdf.rect(x, base - h, bar_w, h, style="F")
            median = peer_median.get(int(row.round_year))
            if median is not None and not _is_missing(median):
                y = base - chart_h * median / 100
                pdf.set_draw_color(*PEER)
                pdf.set_line_width(0.7)
                pdf.line(x - 1.5, y, x + bar_w + 1.5, y)
                pdf.set_line_width(0.2)
            self.font(8, "B")
            pdf.set_xy(x - 2, base - h - 5)
            pdf.cell(bar_w + 4, 5, fmt_number(row.value), align="C")
            self.font(8, "", MUTED)
            pdf.set_xy(x - 2, base + 0.5)
            pdf.cell(bar_w + 4, 5, str(row.round_year), align="C")
        pdf.set_y(base + 7)
        if peer_median:
            self.font(8, "", MUTED)
            pdf.set_draw_color(*PEER)
            pdf.set_line_width(0.7)
            pdf.line(MARGIN, pdf.get_y() + 2.5, MARGIN + 6, pdf.get_y() + 2.5)
            pdf.set_line_width(0.2)
            pdf.set_x(MARGIN + 8)
            pdf.cell(CONTENT - 8, 5, t("report.legend_median_round"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        change = result.change_since_last_round()
        if change is not None:
            self.para(t("report.change", change=f"{change:+.0f}"), 10, "B")

    def next_steps_section(self):
        result = self.result
        self.heading(t("report.next_steps_heading"))
        if result.next_steps.empty:
            self.para(t("report.no_next_steps"), 10)
            return
        for _, step in result.next_steps.iterrows():
            d = int(step["dimension_id"])
            now, nxt = int(step["level"]), int(step["next_level"])
            self.ensure_space(20)
            self.para(self.dim_label[d], 10.5, "B")
            self.para(t("report.from_to", now=f"{now} · {self.level_label[(d, now)]}",
                        next=f"{nxt} · {self.level_label[(d, nxt)]}"), 9, "", MUTED, 4.5)
            self.para(label(step, "descriptor") or "", 10)
            self.pdf.ln(2)

    def plan_section(self):
        """The city's action plan: each action with its status in words (and a coloured mark), what, who, when,
        and the dimension's level before and after."""
        plan, pdf = self.data.plan, self.pdf
        self.heading(t("actions.report_heading"))
        if plan is None or plan.empty:
            self.para(t("actions.report_empty"), 10)
            return
        self.para(t("actions.report_intro"), 9, "", MUTED, 4.5)
        pdf.ln(1)
        for _, row in plan.iterrows():
            status = row["shown_status"]
            self.ensure_space(22)
            y = pdf.get_y()
            pdf.set_fill_color(*STATUS_COLOURS[status])
            pdf.rect(MARGIN, y + 1, 3, 3.5, style="F")
            pdf.set_x(MARGIN + 5)
            self.font(10, "B")
            invented = f" ({t('report.invented')})" if row.get("provenance") == "invented" else ""
            pdf.multi_cell(CONTENT - 5, 5, f"{t(f'actions.status.{status}')} · {self.dim_label[int(row['dimension_id'])]}"
                           + invented, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.set_x(MARGIN + 5)
            self.font(10)
            pdf.multi_cell(CONTENT - 5, 5, str(row["description"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            pdf.set_x(MARGIN + 5)
            self.font(9, "", MUTED)
            detail = t("actions.report_detail", due=fmt_date(row["due_date"]), role=str(row["responsible_role"]),
                       target=int(row["target_level"]))
            levels = t("actions.report_levels", value=actions.levels_text(row))
            pdf.multi_cell(CONTENT - 5, 4.5, f"{detail}\n{levels}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            if not _is_missing(row.get("status_reason")) and str(row["status_reason"]).strip():
                pdf.set_x(MARGIN + 5)
                pdf.multi_cell(CONTENT - 5, 4.5, str(row["status_reason"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT,
                               align="L")
            pdf.ln(2)

    def peers_section(self):
        sugg = self.data.suggestions
        self.heading(t("report.peers_heading"))
        if sugg is None or sugg.empty:
            self.para(t("report.no_peers"), 10)
            return
        self.para(t("report.peers_intro", level=scoring.LEARN_FROM_MIN_LEVEL), 9, "", MUTED, 4.5)
        for d in self.result.weak_dimensions:
            rows = sugg[sugg["dimension_id"] == d]
            if rows.empty:
                continue
            self.ensure_space(16)
            self.pdf.ln(1.5)
            self.para(self.dim_label[d], 10.5, "B")
            for member_id, acts in rows.groupby("member_id", sort=False):
                first = acts.iloc[0]
                self.para(f"• {first['name']} ({first['country_code']}) — {t('report.at_level', level=int(first['level']))}",
                          10)
                for _, act in acts.dropna(subset=["activity_id"]).drop_duplicates("activity_id").head(3).iterrows():
                    tag = f" ({t('report.invented')})" if act.get("provenance") == "invented" else ""
                    self.font(9, "", MUTED)
                    self.pdf.set_x(MARGIN + 6)
                    self.pdf.multi_cell(CONTENT - 6, 4.5, f"– {localized_text(act, 'title')[0]}{tag}", new_x=XPos.LMARGIN,
                                        new_y=YPos.NEXT)
            self.pdf.ln(1)

    def answers_section(self):
        result, pdf = self.result, self.pdf
        self.heading(t("report.answers_heading"))
        for _, ans in result.answers.iterrows():
            d = int(ans["dimension_id"])
            level = ans["level"]
            if bool(ans["not_applicable"]) or _is_missing(level):
                answer = t("report.not_applicable")
            else:
                answer = f"{int(level)} · {self.level_label[(d, int(level))]}"
            evidence = ans.get("evidence")
            self.ensure_space(14)
            self.font(10, "B")
            pdf.multi_cell(CONTENT, 5, f"{self.dim_label[d]}: {answer}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            self.para(t("report.evidence") + " " + (str(evidence) if not _is_missing(evidence) and str(evidence).strip()
                                                    else t("report.no_evidence")), 9, "", MUTED, 4.5)
            pdf.ln(1.5)
