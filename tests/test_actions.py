"""The action plans writer and rules (alliance.actions): permissions, history, conflicts, status rules, level
before/after, aggregation across the alliance, and exports that never hold a person's name."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from alliance import actions, auth, db, dictionary, exporter
from alliance.actions import ActionConflict, ActionInvalid, ActionRefused
from alliance.sandbox import Sandbox

EDITOR = auth.User("editor-aarhus", "editor", frozenset({"aarhus-dk"}))
SECOND = auth.User("colleague-aarhus", "editor", frozenset({"aarhus-dk"}))
OTHER = auth.User("editor-liege", "editor", frozenset({"liege-be"}))
ADMIN = auth.User("admin", "admin")
PERSON = "Karen Kildegaard-Østergaard"


def record(**changes) -> dict:
    base = actions.new_record(9, 3, 2025, today=dt.date(2026, 1, 10)) | {
        "description": "Open a *community* forum <b>monthly</b>", "responsible_role": "Citizens' services",
        "practices": [], "peers": ["rotterdam-nl"], "evidence": ["https://aarhus.dk/forum"]}
    return base | changes


def count(con, sql: str, params=None) -> int:
    return con.execute(sql, params or []).fetchall()[0][0]


def test_create_from_a_next_step_keeps_links_history_audit_and_the_text_as_written(con):
    before = count(con, "SELECT count(*) FROM actions")
    made = actions.create(con, EDITOR, "aarhus-dk", record(person_name=PERSON))
    assert made.version == 1 and made.member_id == "aarhus-dk" and made.provenance == "reported"
    assert made.record["description"] == "Open a *community* forum <b>monthly</b>"
    assert made.record["status"] == "not_started" and made.record["due_date"] == dt.date(2027, 1, 10)
    assert made.record["peers"] == ["rotterdam-nl"] and made.record["evidence"] == ["https://aarhus.dk/forum"]
    assert made.record["person_name"] == PERSON
    assert count(con, "SELECT count(*) FROM actions") == before + 1
    assert [(c.version, c.changed_by, c.change) for c in made.history] == [(1, "editor-aarhus", "create")]
    assert count(con, "SELECT count(*) FROM app_audit WHERE object_kind = 'action' AND object_id = ? "
                      "AND action = 'action_create'", [str(made.id)]) == 1


def test_editors_act_only_for_their_own_city_and_viewers_never(con):
    before = count(con, "SELECT count(*) FROM actions")
    with pytest.raises(ActionRefused) as refused:
        actions.create(con, OTHER, "aarhus-dk", record())
    assert refused.value.reason == "not_your_city"
    with pytest.raises(ActionRefused) as refused:
        actions.create(con, None, "aarhus-dk", record())
    assert refused.value.reason == "not_signed_in"
    made = actions.create(con, ADMIN, "aarhus-dk", record())  # an admin writes for every city
    with pytest.raises(ActionRefused) as refused:
        actions.update(con, OTHER, made.id, record(status="done"), made.version)
    assert refused.value.reason == "not_your_city"
    assert count(con, "SELECT count(*) FROM actions") == before + 1
    assert actions.load(con, made.id).record["status"] == "not_started"


def test_update_keeps_every_version_with_who_when_and_what_changed(con):
    made = actions.create(con, EDITOR, "aarhus-dk", record())
    risky = actions.update(con, EDITOR, made.id, made.record | {"status": "at_risk"}, 1,
                           now=dt.datetime(2026, 3, 1, 10))
    assert risky.version == 2 and risky.record["status"] == "at_risk"
    done = actions.update(con, SECOND, made.id, risky.record | {"status": "done", "evidence": [
        "https://aarhus.dk/forum", "https://aarhus.dk/report.pdf"]}, 2, now=dt.datetime(2026, 6, 1, 9))
    assert done.version == 3
    assert [(c.version, c.changed_by) for c in done.history] == [(1, "editor-aarhus"), (2, "editor-aarhus"),
                                                                   (3, "colleague-aarhus")]
    assert done.history[1].changes == (("status", "not_started", "at_risk"),)
    assert ("status", "at_risk", "done") in done.history[2].changes
    assert done.history[2].changed_at == dt.datetime(2026, 6, 1, 9)
    assert count(con, "SELECT count(*) FROM action_links WHERE action_id = ? AND kind = 'evidence'", [made.id]) == 2
    assert count(con, "SELECT version FROM actions WHERE id = ?", [made.id]) == 3
    same = actions.update(con, EDITOR, made.id, done.record, 3)  # nothing changed: no new version
    assert same.version == 3 and len(same.history) == 3


def test_a_concurrent_update_is_refused_with_what_changed_and_loses_nothing(con):
    made = actions.create(con, EDITOR, "aarhus-dk", record())
    first = actions.update(con, SECOND, made.id, made.record | {"status": "on_track", "responsible_role": "Mayor's office"}, 1)
    with pytest.raises(ActionConflict) as conflict:
        actions.update(con, EDITOR, made.id, made.record | {"status": "at_risk"}, 1)
    assert conflict.value.by == "colleague-aarhus"
    assert set(conflict.value.changes) == {("status", "not_started", "on_track"),
                                           ("responsible_role", "Citizens' services", "Mayor's office")}
    assert "colleague-aarhus" in str(conflict.value)
    kept = actions.load(con, made.id)
    assert kept.version == first.version == 2 and kept.record["status"] == "on_track"
    assert kept.record["responsible_role"] == "Mayor's office"


def test_table_rules_and_status_rules_refuse_with_reasons_and_write_nothing(con):
    before = count(con, "SELECT count(*) FROM actions")
    with pytest.raises(ActionInvalid) as invalid:
        actions.create(con, EDITOR, "aarhus-dk", record(description="  ", responsible_role=None, target_level=7,
                                                        due_date=dt.date(2025, 1, 1), peers=["aarhus-dk", "nowhere-xx"],
                                                        evidence=["javascript:alert(1)"], practices=["no-such-practice"]))
    fields = {f for f, _ in invalid.value.problems}
    assert {"description", "responsible_role", "target_level", "due_date", "peers", "evidence",
            "practices"} <= fields
    with pytest.raises(ActionInvalid) as invalid:
        actions.create(con, EDITOR, "aarhus-dk", record(status="dropped"))
    assert [f for f, _ in invalid.value.problems] == ["status_reason"]
    with pytest.raises(ActionInvalid):
        actions.create(con, EDITOR, "aarhus-dk", record(status="finished"))
    with pytest.raises(ActionRefused):
        actions.create(con, EDITOR, "aarhus-dk", record(start_date="next spring"))
    assert count(con, "SELECT count(*) FROM actions") == before
    dropped = actions.create(con, EDITOR, "aarhus-dk", record(status="dropped", status_reason="Merged into X."))
    assert dropped.record["status"] == "dropped"


def test_an_open_action_past_its_due_date_shows_as_late():
    today = dt.date(2026, 11, 26)
    assert actions.shown_status("on_track", dt.date(2026, 11, 25), today) == "late"
    assert actions.shown_status("at_risk", "2026-11-25", today) == "late"
    assert actions.shown_status("on_track", dt.date(2026, 11, 26), today) == "on_track"
    assert actions.shown_status("done", dt.date(2020, 1, 1), today) == "done"
    assert actions.shown_status("dropped", dt.date(2020, 1, 1), today) == "dropped"


def test_level_before_and_after_compare_the_start_round_with_the_next_one():
    plan = pd.DataFrame({"id": [1, 2, 3, 4], "dimension_id": [9, 9, 4, 4], "from_round": [2021, 2023, 2025, None]})
    history = pd.DataFrame({
        "round_year": [2021, 2021, 2023, 2023, 2025, 2025],
        "dimension_id": [9, 4, 9, 4, 9, 4],
        "level": [1, 2, 3, None, 4, 2],
        "not_applicable": [False, False, False, True, False, False]})
    out = actions.level_change(plan, history)
    assert list(out["level_before"].astype(object)) == [1, 3, 2, pd.NA]
    assert list(out["after_round"].astype(object)) == [2023, 2025, pd.NA, pd.NA]
    assert list(out["level_after"].astype(object)) == [3, 4, pd.NA, pd.NA]
    # a city whose rounds skip one: the next round it answered counts
    skipped = actions.level_change(plan.head(1), history[history["round_year"] != 2023])
    assert skipped["after_round"].iloc[0] == 2025 and skipped["level_after"].iloc[0] == 4


def test_level_change_on_the_demo_plans_reads_the_citys_rounds(con):
    plan = db.run_query(con, "plan_city_actions", member_id="aarhus-dk")
    history = db.run_query(con, "bench_city_history", member_id="aarhus-dk")
    out = actions.level_change(plan, history)
    from_2023 = out[out["from_round"] == 2023].iloc[0]
    expected = history[(history["round_year"] == 2025) & (history["dimension_id"] == from_2023["dimension_id"])]
    assert from_2023["after_round"] == 2025
    assert from_2023["level_after"] == expected["level"].iloc[0]
    assert out[out["from_round"] == 2025]["level_after"].isna().all()


def test_aggregate_counts_per_dimension_and_status_without_cities():
    plan = pd.DataFrame({"dimension_id": [1, 1, 1, 3, 3], "status": ["done", "on_track", "on_track", "dropped", "at_risk"],
                         "due_date": [dt.date(2027, 1, 1)] * 4 + [dt.date(2026, 1, 1)]})
    out = actions.aggregate(plan, [1, 2, 3], today=dt.date(2026, 11, 26)).set_index("dimension_id")
    assert out.loc[1, "on_track"] == 2 and out.loc[1, "done"] == 1 and out.loc[1, "total"] == 3
    assert out.loc[2, "total"] == 0
    assert out.loc[3, "late"] == 1 and out.loc[3, "at_risk"] == 0 and out.loc[3, "dropped"] == 1
    assert "member_id" not in out.columns and list(out.index) == [1, 2, 3]


def test_the_alliance_query_names_no_city(con):
    frame = db.run_query(con, "plan_alliance_status")
    assert len(frame) == count(con, "SELECT count(*) FROM actions") > 0
    assert not {"member_id", "description", "responsible_role"} & set(frame.columns)


def test_exports_sandbox_and_dictionary_hold_the_role_but_never_a_persons_name(con, tmp_path):
    tmp_path = tmp_path / "export"  # the database copy lives in tmp_path itself
    actions.create(con, EDITOR, "aarhus-dk", record(person_name=PERSON, responsible_role="Youth department"))
    files = exporter.export(con, tmp_path, "csv")
    names = {p.stem for p in files}
    assert {"actions", "action_links"} <= names and not {"action_contacts", "action_history"} & names
    exported = pd.read_csv(tmp_path / "actions.csv")
    assert "Youth department" in set(exported["responsible_role"])
    assert "responsible_role" in set(pd.read_csv(tmp_path / "dictionary.csv").query("table == 'actions'")["column"])
    for path in tmp_path.iterdir():
        assert PERSON not in path.read_text(encoding="utf-8", errors="ignore"), path.name
        assert "editor-aarhus" not in path.read_text(encoding="utf-8", errors="ignore"), path.name
    box = Sandbox(con)
    try:
        assert "actions" in box.tables and "action_contacts" not in box.tables
        assert "action_history" not in box.tables
        with pytest.raises(Exception):
            box.run("SELECT * FROM action_contacts")
        shown = box.run("SELECT * FROM actions").frame
        assert PERSON not in shown.astype(str).to_csv()
    finally:
        box.close()
    assert actions.export_columns() == [c for c in dictionary.describe(con).query("table == 'actions'")["column"]]
    assert "person_name" not in actions.export_columns()


def test_the_demo_plans_are_marked_invented_with_history(con):
    rows = con.execute("SELECT member_id, provenance FROM actions").fetchall()
    assert len({m for m, _ in rows}) >= 3 and {p for _, p in rows} == {"invented"}
    history = con.execute("SELECT changed_by, changes FROM action_history WHERE version = 1").fetchall()
    assert len(history) == len(rows) and all(by == "demo-generator" for by, _ in history)
    assert all(any(c["field"] == "status" for c in json.loads(js)) for _, js in history)


def test_record_at_gives_back_an_earlier_version(con):
    made = actions.create(con, EDITOR, "aarhus-dk", record())
    later = actions.update(con, EDITOR, made.id, made.record | {"status": "at_risk", "due_date": dt.date(2027, 6, 1),
                                                                "peers": []}, 1)
    assert actions.record_at(later, 1) == made.record
    assert actions.record_at(later, 2) == later.record


def _members(n: int) -> pd.DataFrame:
    """n cities: c0 in region north with 100,000 people, then alternating regions and growing sizes."""
    return pd.DataFrame({"id": [f"c{i}" for i in range(n)],
                         "region": ["north" if i % 2 == 0 else "south" for i in range(n)],
                         "population": [100_000 * (i + 1) for i in range(n)]})


def test_peer_choices_suggest_the_strong_cities_most_alike_first_and_keep_every_city_in_a_short_list():
    members = _members(8)
    strong = pd.DataFrame({"member_id": ["c0", "c7", "c2", "c3", "c6"], "level": [5, 4, 4, 5, 4]})
    suggested, options = actions.peer_choices("c0", members, strong, limit=3)
    # the city itself is never its own peer; same region (c2, c6) before the other (c3, c7), closest size first
    assert suggested == ["c2", "c6", "c3"]
    assert options[:3] == suggested and sorted(options) == [f"c{i}" for i in range(1, 8)]
    assert options[3:] == ["c1", "c4", "c5", "c7"]  # then the others in the members' order


def test_peer_choices_above_the_full_list_hold_only_the_suggested_and_the_most_alike_cities():
    members = _members(400)
    strong = pd.DataFrame({"member_id": [f"c{i}" for i in range(300, 400)], "level": [4] * 100})
    suggested, options = actions.peer_choices("c10", members, strong, limit=5, full_list=100)
    assert suggested == ["c300", "c302", "c304", "c306", "c308"]  # strong, same region as c10, smallest gap first
    # then the five most alike at any level: same region, closest size (c10 has 1.1 million people: c12 with
    # 1.3 million is closer than c8 with 0.9 in orders of magnitude, c16 with 1.7 closer than c6 with 0.7)
    assert options == [*suggested, "c12", "c8", "c14", "c16", "c6"]
    # nothing strong in the dimension (or no round): the most alike only
    assert actions.peer_choices("c10", members, strong.iloc[0:0], limit=2, full_list=100) == ([], ["c12", "c8"])
