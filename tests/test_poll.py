"""Live audience polls: the writer, counting, closing, export and the load of a room answering at once."""
from __future__ import annotations

import csv
import io
import threading
import time

import duckdb
import pytest

from alliance import db, poll


def _token(i: int) -> str:
    return f"participant-{i:06d}-abcdef"


def test_schema_is_idempotent(con):
    db.apply_schema(con)
    db.apply_schema(con)
    assert con.execute("SELECT count(*) FROM polls").fetchone()[0] == 0


def test_open_poll_keeps_the_question_order(con):
    code = poll.open_poll(con, [5, 2, 9], "organiser")
    assert poll.normalize_code(code) == code
    questions = db.run_query(con, "poll_questions", code=code)
    assert questions["dimension_id"].tolist() == [5, 2, 9]
    assert questions["question_fr"].str.len().min() > 10
    choices = db.run_query(con, "poll_choices", code=code)
    assert len(choices) == 3 * 6 and choices["descriptor_en"].notna().all()
    assert poll.get_poll(con, code).is_open
    assert poll.latest_open_poll(con).code == code


@pytest.mark.parametrize("ids, reason", [([], "question_count"), ([1, 2, 3, 4], "question_count"),
                                         ([1, 999], "unknown_dimension")])
def test_open_poll_refuses_bad_questions_and_writes_nothing(con, ids, reason):
    with pytest.raises(poll.PollError) as err:
        poll.open_poll(con, ids, "organiser")
    assert err.value.reason == reason
    assert con.execute("SELECT count(*) FROM polls").fetchone()[0] == 0


def test_a_changed_answer_replaces_the_earlier_one(con):
    code = poll.open_poll(con, [1, 2], "organiser")
    poll.record_answer(con, code, 1, _token(1), 2)
    poll.record_answer(con, code, 1, _token(1), 4)
    poll.record_answer(con, code, 2, _token(1), 0)
    poll.record_answer(con, code, 1, _token(2), 4)
    res = poll.results(con, code)
    counts = {(r.dimension_id, r.level): r.answers for r in res.itertuples()}
    assert counts[(1, 4)] == 2 and counts[(1, 2)] == 0 and counts[(2, 0)] == 1
    assert int(res["answers"].sum()) == 3
    assert len(res) == 2 * 6  # every level listed, zeros too
    assert poll.participant_answers(con, code, _token(1)) == {1: 4, 2: 0}
    assert poll.participant_count(con, code) == 2
    assert con.execute("SELECT changes FROM poll_answers WHERE participant = ? AND dimension_id = 1",
                       [_token(1)]).fetchone()[0] == 1


@pytest.mark.parametrize("kwargs, reason", [
    (dict(dimension_id=3), "unknown_question"),
    (dict(level=6), "bad_level"),
    (dict(level=-1), "bad_level"),
    (dict(level="3"), "bad_level"),
    (dict(level=True), "bad_level"),
    (dict(participant="short"), "bad_participant"),
    (dict(participant="<script>alert(1)</script>xxxxxxxx"), "bad_participant"),
    (dict(code="ZZZZZZ"), "unknown_poll"),
])
def test_bad_answers_are_refused_and_nothing_is_written(con, kwargs, reason):
    code = poll.open_poll(con, [1], "organiser")
    args = dict(code=code, dimension_id=1, participant=_token(1), level=3) | kwargs
    with pytest.raises(poll.PollError) as err:
        poll.record_answer(con, **args)
    assert err.value.reason == reason
    assert con.execute("SELECT count(*) FROM poll_answers").fetchone()[0] == 0


def test_a_closed_poll_keeps_its_answers_and_refuses_new_ones(con):
    code = poll.open_poll(con, [1], "organiser")
    poll.record_answer(con, code, 1, _token(1), 3)
    poll.close_poll(con, code)
    poll.close_poll(con, code)  # twice is harmless
    assert not poll.get_poll(con, code).is_open
    with pytest.raises(poll.PollError) as err:
        poll.record_answer(con, code, 1, _token(2), 3)
    assert err.value.reason == "closed"
    assert poll.participant_count(con, code) == 1
    assert poll.latest_open_poll(con) is None
    with pytest.raises(poll.PollError):
        poll.close_poll(con, "NOPE22")


def test_export_holds_every_answer(con):
    code = poll.open_poll(con, [1, 7], "organiser")
    for i in range(5):
        poll.record_answer(con, code, 1, _token(i), i)
        poll.record_answer(con, code, 7, _token(i), 5 - i)
    rows = list(csv.DictReader(io.StringIO(poll.answers_csv(con, code).decode("utf-8-sig"))))
    assert len(rows) == 10
    assert {r["participant"] for r in rows} == {_token(i) for i in range(5)}
    assert sorted(int(r["level"]) for r in rows if r["question"] == "1") == [0, 1, 2, 3, 4]
    assert set(rows[0]) == {"poll_code", "question", "dimension", "participant", "level", "answered_at", "changes"}


def test_fifty_participants_answering_at_once_lose_nothing(con):
    """50 threads, each a participant with its own cursor, answer 3 questions, then change one answer,
    all released together: every final answer is stored, once."""
    code = poll.open_poll(con, [1, 2, 3], "organiser")
    participants = 50
    start = threading.Barrier(participants)
    errors: list[BaseException] = []

    def participant(i: int) -> None:
        try:
            start.wait()
            for dim in (1, 2, 3):
                poll.record_answer(con, code, dim, _token(i), (i + dim) % 6)
            poll.record_answer(con, code, 2, _token(i), i % 6)  # a changed mind
        except BaseException as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=participant, args=(i,)) for i in range(participants)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors, errors[:3]
    stored = con.execute("SELECT participant, dimension_id, level FROM poll_answers WHERE poll_code = ?",
                         [code]).fetchall()
    assert len(stored) == participants * 3
    expected = {(_token(i), dim, (i % 6) if dim == 2 else (i + dim) % 6) for i in range(participants)
                for dim in (1, 2, 3)}
    assert set(stored) == expected
    res = poll.results(con, code)
    assert res.groupby("dimension_id")["answers"].sum().tolist() == [participants] * 3


def test_a_transaction_conflict_is_retried(con, monkeypatch):
    """A write that meets a conflict is rolled back and tried again, so the answer is not lost."""
    code = poll.open_poll(con, [1], "organiser")
    real_execute = duckdb.DuckDBPyConnection.execute
    failures = []

    class FlakyCursor:
        def __init__(self, cursor):
            self._cursor = cursor

        def execute(self, sql, *args):
            if sql.lstrip().startswith("INSERT INTO poll_answers") and not failures:
                failures.append(sql)
                raise duckdb.TransactionException("Transaction conflict: simulated")
            return real_execute(self._cursor, sql, *args)

        def __getattr__(self, name):
            return getattr(self._cursor, name)

    class FlakyConnection:
        def cursor(self):
            return FlakyCursor(con.cursor())

    poll.record_answer(FlakyConnection(), code, 1, _token(1), 3)
    assert failures, "the simulated conflict never happened"
    assert poll.participant_answers(con, code, _token(1)) == {1: 3}


@pytest.mark.parametrize("value, expected", [("abc234", "ABC234"), (" AB C2 34 ", "ABC234"), ("ab", None),
                                             ("ABC0OI", None), (None, None), (42, None), ("ABCDEFGHJ", None)])
def test_normalize_code(value, expected):
    assert poll.normalize_code(value) == expected


@pytest.mark.parametrize("page_url, override, expected", [
    ("http://10.0.0.5:8501/present", None, "http://10.0.0.5:8501"),
    ("http://10.0.0.5:8501/", None, "http://10.0.0.5:8501"),
    ("https://example.org/alliance/present", None, "https://example.org/alliance"),
    ("http://localhost:8501/present", "http://192.168.0.9:8501/", "http://192.168.0.9:8501"),
    ("http://localhost:8501/present", "not a url", "http://localhost:8501"),
    (None, None, None),
])
def test_base_url(page_url, override, expected):
    assert poll.base_url_from(page_url, override) == expected


def test_qr_code_decodes_to_the_join_url():
    import zxingcpp  # in requirements-dev.txt: a missing decoder must fail, not skip
    from PIL import Image

    url = poll.join_url("http://192.168.1.20:8501", "ABC234")
    assert url == "http://192.168.1.20:8501/vote/ABC234"
    assert poll.join_url("http://h:8501/", "ABC234", "fr") == "http://h:8501/vote/ABC234?lang=fr"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(poll.qr_png(url))))
    assert [d.text for d in decoded] == [url]
    svg = poll.qr_svg(url)
    assert svg.startswith("<svg") and "<script" not in svg


@pytest.mark.parametrize("base, reachable", [
    (None, False), ("", False), ("http://localhost:8501", False), ("http://127.0.0.1:34305", False),
    ("http://[::1]:8501", False), ("http://0.0.0.0:8501", False), ("http://LOCALHOST", False),
    ("http://192.168.0.9:8501", True), ("https://alliance.example.org/app", True),
    ("http://localhost.example.org", True),
])
def test_phones_can_reach(base, reachable):
    assert poll.phones_can_reach(base) is reachable


def test_live_results_are_reused_for_a_second_then_fresh(con):
    """The big screen's reads: a room answering does not mean a query per refresh, and a new answer shows
    once the short cache has expired."""
    code = poll.open_poll(con, [1], "organiser")
    poll.record_answer(con, code, 1, _token(1), 2)
    count = poll.live_results(con, code, max_age_s=60).participants
    poll.record_answer(con, code, 1, _token(2), 2)
    assert poll.live_results(con, code, max_age_s=60).participants == count == 1  # reused
    fresh = poll.live_results(con, code, max_age_s=0)
    assert fresh.participants == 2 and fresh.levels.loc[fresh.levels["level"] == 2, "answers"].tolist() == [2]


def test_forms_sent_together_are_written_together_and_checked_one_by_one(con):
    """Group commit: forms waiting while a write is under way go in one transaction, yet a replayed, closed
    or foreign form among them is refused on its own and the others are stored."""
    code = poll.open_poll(con, [1, 2], "organiser")
    closed = poll.open_poll(con, [1], "organiser")
    poll.close_poll(con, closed)
    outcomes = {}

    def send(name, *args, **kwargs):
        try:
            outcomes[name] = poll.record_answers(con, *args, **kwargs)
        except poll.PollError as exc:
            outcomes[name] = exc.reason

    with poll._write_lock:  # hold the writer so that the forms below queue up behind the first
        first = threading.Thread(target=send, args=("first", code, _token(0), {1: 1}), kwargs={"nonce": "n0"})
        first.start()
        time.sleep(0.2)
        senders = [threading.Thread(target=send, args=(f"p{i}", code, _token(i), {1: i % 6, 2: 0}),
                                    kwargs={"nonce": f"n{i}"}) for i in range(1, 41)]
        senders += [threading.Thread(target=send, args=("replay", code, _token(99), {1: 5}), kwargs={"nonce": "n0"}),
                    threading.Thread(target=send, args=("closed", closed, _token(98), {1: 5})),
                    threading.Thread(target=send, args=("foreign", code, _token(97), {1: 5, 7: 1}))]
        for thread in senders:
            thread.start()
        time.sleep(0.3)
    for thread in [first, *senders]:
        thread.join(10)
    assert outcomes.pop("replay") == "replayed" and outcomes.pop("closed") == "closed"
    assert outcomes.pop("foreign") == "unknown_question"
    assert outcomes == {"first": 1, **{f"p{i}": 2 for i in range(1, 41)}}
    assert con.execute("SELECT count(*) FROM poll_answers WHERE poll_code = $c", {"c": code}).fetchone()[0] == 81
    assert poll.participant_answers(con, code, _token(97)) == {}


def test_own_questions_take_the_places_after_the_framework_ones(con):
    code = poll.open_poll(con, [1], "organiser", [poll.Item("choice", " Which first? ", ("Schools", "Police", "")),
                                                   poll.Item("text", "One word for prevention")])
    assert [(i["position"], i["kind"], i["prompt"], i["options"]) for i in poll.items(con, code)] == [
        (2, "choice", "Which first?", ["Schools", "Police"]), (3, "text", "One word for prevention", [])]


@pytest.mark.parametrize("items, reason", [
    ([poll.Item("choice", "Q", ("only one",))], "item_options"),
    ([poll.Item("poll", "Q")], "item_kind"),
    ([poll.Item("scale", "")], "prompt_empty"),
    ([poll.Item("scale", "x" * 281)], "prompt_too_long"),
    ([poll.Item("text", "bad \x00 byte")], "prompt_binary"),
    ([poll.Item("scale", "a"), poll.Item("scale", "b"), poll.Item("scale", "c")], "question_count"),
])
def test_bad_own_questions_are_refused_and_nothing_opened(con, items, reason):
    with pytest.raises(poll.PollError) as err:
        poll.open_poll(con, [1], "organiser", items)
    assert err.value.reason == reason
    assert con.execute("SELECT count(*) FROM polls").fetchone()[0] == 0


def test_answers_to_every_kind_are_stored_and_counted(con):
    code = poll.open_poll(con, [], "organiser", [poll.Item("choice", "Q", ("a", "b", "c")),
                                                 poll.Item("scale", "How much?"), poll.Item("text", "Why?")])
    poll.record_answers(con, code, _token(1), {}, item_answers={1: 2, 2: 5, 3: "Trust and schools"})
    poll.record_answers(con, code, _token(2), {}, item_answers={1: 2, 2: 1})
    poll.record_answers(con, code, _token(1), {}, item_answers={2: 4})  # changed mind
    found = {r["position"]: r for r in poll.item_results(con, code)}
    assert found[1]["counts"] == [0, 0, 2] and found[2]["counts"] == [1, 0, 0, 1, 0]
    assert found[3]["texts"] == [] and found[3]["received"] == 1 and found[3]["waiting"] == 1  # moderated
    assert poll.participant_count(con, code) == 2
    assert poll.participant_item_answers(con, code, _token(1)) == {1: 2, 2: 4, 3: "Trust and schools"}
    csv_text = poll.item_answers_csv(con, code).decode("utf-8-sig")
    assert "Trust and schools" in csv_text and ",c," in csv_text


@pytest.mark.parametrize("answer, reason", [({1: 3}, "bad_choice"), ({2: 0}, "bad_choice"), ({2: 6}, "bad_choice"),
                                            ({1: "text"}, "bad_choice"), ({3: 2}, "bad_choice"),
                                            ({3: "   "}, "text_empty"), ({3: "x" * 281}, "text_too_long"),
                                            ({3: "a\x00b"}, "text_binary"), ({9: 1}, "unknown_question"),
                                            ({1: True}, "bad_choice")])
def test_bad_answers_to_own_questions_store_nothing(con, answer, reason):
    code = poll.open_poll(con, [], "organiser", [poll.Item("choice", "Q", ("a", "b", "c")),
                                                 poll.Item("scale", "How much?"), poll.Item("text", "Why?")])
    with pytest.raises(poll.PollError) as err:
        poll.record_answers(con, code, _token(1), {}, item_answers={**answer})
    assert err.value.reason == reason
    assert con.execute("SELECT count(*) FROM poll_item_answers").fetchone()[0] == 0


def test_texts_reach_the_screen_only_when_shown_and_later_ones_wait(con):
    code = poll.open_poll(con, [], "organiser", [poll.Item("text", "Why?")])
    poll.record_answers(con, code, _token(1), {}, item_answers={1: "<b>Trust</b> schools"})
    assert poll.item_results(con, code)[0]["texts"] == []
    assert poll.waiting_texts(con, code, 1) == ["<b>Trust</b> schools"]
    poll.show_texts(con, code, 1)
    time.sleep(0.01)
    poll.record_answers(con, code, _token(2), {}, item_answers={1: "Later text"})
    result = poll.item_results(con, code)[0]
    assert result["texts"] == ["<b>Trust</b> schools"] and result["waiting"] == 1
    assert poll.waiting_texts(con, code, 1) == ["Later text"]
    poll.hide_words(con, code, 1, ["Schools", " "])
    assert poll.items(con, code)[0]["hidden_words"] == ["schools"]
