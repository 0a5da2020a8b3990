"""The city report PDF: A4, the city's name and all 14 dimensions in the chosen language, the data status,
text from data printed as text."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from alliance import comparison as cmp
from alliance import db, i18n, report

from test_comparison import build, framework


def squeeze(text: str) -> str:
    """Whitespace removed, so that a label wrapped over two lines still matches."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def con(demo_db):
    return db.connect(demo_db, read_only=True)


def make_pdf(con, language: str, kind: str = "all", evidence: str | None = None) -> tuple[bytes, cmp.Comparison]:
    result = build(con, kind=kind)
    if evidence is not None:
        result.answers.loc[0, "evidence"] = evidence
    answers = db.run_query(con, "bench_round_scores", round_year=2025)
    candidates = cmp.learn_from_candidates(result, answers)
    acts = db.run_query(con, "bench_member_activities", member_ids=sorted(set(candidates["member_id"])))
    peers = cmp.suggested_peers(result, candidates, acts, framework(con), db.run_query(con, "bench_members"))
    data = report.ReportInput(result, framework(con), peers, kind, language, demo=True, city_name="Aarhus")
    return report.build_pdf(data), result


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_report_has_city_and_all_14_dimensions(con, language):
    pdf, result = make_pdf(con, language)
    assert pdf.startswith(b"%PDF")
    reader, text = pdf_text(pdf)
    flat = squeeze(text)
    assert "Aarhus" in text
    labels = framework(con).dimensions[f"label_{language}"]
    assert len(labels) == 14
    missing = [lab for lab in labels if squeeze(lab) not in flat]
    assert not missing, missing
    # A4 portrait: 595 x 842 points
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == 595 and round(float(box.height)) == 842


def test_report_is_in_the_chosen_language_and_says_the_data_is_invented(con):
    previous = i18n.get_language()
    _, text_fr = pdf_text(make_pdf(con, "fr")[0])
    _, text_en = pdf_text(make_pdf(con, "en")[0])
    assert i18n.get_language() == previous  # the caller's language is restored
    assert squeeze("Prochaines étapes") in squeeze(text_fr) and squeeze("Next steps") not in squeeze(text_fr)
    assert squeeze("Next steps") in squeeze(text_en)
    assert squeeze("données de démonstration") in squeeze(text_fr)
    assert squeeze("These scores are invented") in squeeze(text_en)
    _, text_de = pdf_text(make_pdf(con, "de")[0])
    assert squeeze("Nächste Schritte") in squeeze(text_de) and squeeze("Next steps") not in squeeze(text_de)
    assert squeeze("Politische Führung und Engagement") in squeeze(text_de)
    assert squeeze("All members") in squeeze(text_en) and "2025" in text_en


def test_report_without_peer_comparison_says_why(con):
    _, text = pdf_text(make_pdf(con, "en", kind="country")[0])
    assert squeeze("fewer than 5 cities") in squeeze(text)
    assert "Aarhus" in text


def test_evidence_from_data_is_printed_as_text(con):
    evidence = "Conseil municipal <script>alert(1)</script> — délibération n° 2024-17, Liège & Göteborg"
    _, text = pdf_text(make_pdf(con, "fr", evidence=evidence)[0])
    assert squeeze("<script>alert(1)</script>") in squeeze(text)
    assert squeeze("Liège & Göteborg") in squeeze(text)


def test_missing_font_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(report, "FONT_DIR", tmp_path)
    with pytest.raises(report.ReportFontMissing, match="DejaVuSans.ttf.*git checkout data/fonts"):
        report.font_dir()


# Builds the report in a fresh interpreter that refuses to open anything in the system's font folders (an audit
# hook raises on the "open" event), as on a machine without Debian's fonts-dejavu-core.
NO_SYSTEM_FONTS = """
import sys
HIDDEN = ("/usr/share/fonts", "/usr/local/share/fonts", "/etc/fonts")
def refuse(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(HIDDEN):
        raise PermissionError(f"system font folder hidden from this test: {args[0]}")
    if event in ("os.listdir", "os.scandir") and args and str(args[0]).startswith(HIDDEN):
        raise PermissionError(f"system font folder hidden from this test: {args[0]}")
sys.addaudithook(refuse)
sys.path[:0] = [sys.argv[2], sys.argv[3]]
from alliance import db
from test_report import make_pdf
con = db.connect(sys.argv[1], read_only=True)
for language in ("en", "fr"):
    pdf, _ = make_pdf(con, language)
    open(f"{sys.argv[4]}/{language}.pdf", "wb").write(pdf)
"""


def test_report_builds_with_only_the_repositorys_fonts(demo_db, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", NO_SYSTEM_FONTS, str(demo_db), str(root), str(root / "tests"),
                           str(tmp_path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for language, heading in (("en", "Next steps"), ("fr", "Prochaines étapes")):
        reader, text = pdf_text((tmp_path / f"{language}.pdf").read_bytes())
        assert squeeze(heading) in squeeze(text) and "Aarhus" in text
        fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
                 for font in page["/Resources"]["/Font"].values()}
        assert any("DejaVuSans" in f for f in fonts), fonts


def test_peers_practices_are_named_in_the_reports_language(con):
    """The French report lists the peers' practices by their French titles (as /benchmark does)."""
    _, text_fr = pdf_text(make_pdf(con, "fr")[0])
    listed = con.execute("""SELECT title, title_fr FROM activities WHERE id = 'nordic-safe-cities'""").fetchone()
    assert listed[1] and listed[1] != listed[0]
    assert squeeze(listed[1]) in squeeze(text_fr) and squeeze(listed[0]) not in squeeze(text_fr)
