"""AppTest of /present (slides, URL control, buttons, automatic advance, poll slide) and /poll (phone answers,
organiser tools). Each test gets a private copy of the database, because polls are written."""
from __future__ import annotations

import json
import time

import pytest

from alliance import auth, db, poll, present
from alliance.app.session import SESSION_KEY
from conftest import app_test as _app_test


def app_test(page: str, query: dict | None = None):
    """The page opened first, then its query parameters set (as a visitor's link would carry them). AppTest
    does not feed ?lang= to the bound language widget, so the language goes into its session state."""
    at = _app_test(page)
    for key, value in (query or {}).items():
        if key == "lang":
            at.session_state["lang"] = at.session_state["language"] = value
        else:
            at.query_params[key] = value
    return at


@pytest.fixture
def poll_env(writable_db, monkeypatch):
    monkeypatch.setenv("ALLIANCE_DB", str(writable_db))
    con = db.connect(writable_db)  # same configuration as the app's connection: one database instance
    db.apply_schema(con)
    yield con
    con.close()


def _texts(at) -> str:
    parts = [e.value for kind in ("title", "markdown", "caption", "subheader", "header", "info", "error", "success",
                                  "warning") for e in getattr(at, kind)]
    parts += [m.label for m in at.metric]
    return "\n".join(str(p) for p in parts)


def _title(at) -> str:
    return at.title[0].value


def test_figures_slide_shows_the_database_figures_and_bad_every_falls_back(poll_env, writable_db):
    at = app_test("present", {"slides": "figures,poll", "every": "soon"})
    at.run()
    assert not at.exception, at.exception
    assert _title(at) == "The alliance in figures"
    members = poll_env.execute("SELECT count(*) FROM members WHERE status <> 'former'").fetchone()[0]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Member cities and regions"] == str(members)
    assert f"Slide 1 of 2 · Next slide in {present.DEFAULT_EVERY} s" in _texts(at)


@pytest.mark.parametrize("slide", present.SLIDES)
def test_every_slide_draws_without_error(poll_env, slide):
    at = app_test("present", {"slides": slide, "every": "30"})
    at.run()
    assert not at.exception, at.exception
    assert _title(at) == {"map": "Our members across Europe", "figures": "The alliance in figures",
                          "practices": "Prevention practices by approach",
                          "assessment": "Where cities stand: the latest self-assessment round",
                          "plans": "Action plans: what cities committed to",
                          "poll": "Live poll: where is your city?", "qa": "Your questions"}[slide]
    assert "Slide 1 of 1 · Next slide in 30 s" in _texts(at)


def test_map_slide_has_every_current_member_and_a_text_alternative(poll_env):
    at = app_test("present", {"slides": "map"})
    at.run()
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    members_layer = next(layer for layer in spec["layers"] if layer["id"] == "members")
    current = poll_env.execute("SELECT count(*) FROM members WHERE status <> 'former'").fetchone()[0]
    assert len(members_layer["data"]) == current
    assert "http" not in at.get("deck_gl_json_chart")[0].proto.json  # nothing to fetch: offline
    countries = poll_env.execute("SELECT count(DISTINCT country_code) FROM members WHERE status <> 'former'"
                                 ).fetchone()[0]
    assert f"{current} members in {countries} countries" in _texts(at)
    assert len(at.table) == 1 and len(at.table[0].value) == 8


def test_assessment_slide_is_a_distribution_never_a_league_table(poll_env):
    at = app_test("present", {"slides": "assessment"})
    at.run()
    assert not at.exception, at.exception
    assert any("invented" in i.value for i in at.info), "invented scores must be labelled"
    names = {r[0] for r in poll_env.execute("SELECT name FROM members").fetchall()}
    shown = _texts(at) + "".join(str(t.value.to_dict()) for t in at.table)
    shown += "".join(c.proto.spec for c in at.get("plotly_chart"))
    assert not [n for n in names if n in shown], "a city is named on the assessment slide"
    year = poll_env.execute("SELECT max(round_year) FROM assessments WHERE status IN ('submitted', 'validated')"
                            ).fetchone()[0]
    assessed = poll_env.execute("SELECT count(*) FROM assessments a JOIN members m ON m.id = a.member_id "
                                "WHERE round_year = ? AND a.status IN ('submitted', 'validated') "
                                "AND m.status <> 'former'", [year]).fetchone()[0]
    assert int(at.table[0].value.iloc[:, 1].sum()) == assessed  # the bands hold every assessed city


def test_buttons_move_back_and_forth_and_pause(poll_env):
    at = app_test("present", {"slides": "map,figures,practices", "start": "figures"})
    at.run()
    assert _title(at) == "The alliance in figures"
    at.button(key="present-next").click().run()
    assert _title(at) == "Prevention practices by approach"
    at.button(key="present-next").click().run()
    assert _title(at) == "Our members across Europe"  # wraps round
    at.button(key="present-back").click().run()
    assert _title(at) == "Prevention practices by approach"
    at.button(key="present-pause").click().run()
    assert at.button(key="present-pause").label == "Resume"
    assert "Paused" in _texts(at)
    at.session_state["present_changed"] = 0.0  # long ago: would be due, but paused
    at.run()
    assert _title(at) == "Prevention practices by approach"


def test_slides_advance_by_themselves(poll_env):
    at = app_test("present", {"slides": "figures,practices", "every": "5"})
    at.run()
    assert _title(at) == "The alliance in figures"
    at.run()  # not yet due
    assert _title(at) == "The alliance in figures"
    at.session_state["present_changed"] = 0.0
    at.run()
    assert _title(at) == "Prevention practices by approach"


def test_poll_slide_shows_the_open_poll_and_new_answers(poll_env):
    code = poll.open_poll(poll_env, [2, 5], "organiser")
    poll.record_answer(poll_env, code, 2, "participant-0001-abcdefgh", 3)
    at = app_test("present", {"slides": "poll"})
    at.run()
    assert not at.exception, at.exception
    assert f"Poll code: {code}" in _texts(at)
    assert "1 participant so far" in _texts(at)
    first = at.table[0].value
    assert first.iloc[:, 1].tolist() == [0, 0, 0, 1, 0, 0]
    poll.record_answer(poll_env, code, 2, "participant-0002-abcdefgh", 3)
    poll.record_answer(poll_env, code, 2, "participant-0001-abcdefgh", 5)  # changed mind
    time.sleep(1.05)  # the screen reads results through a 1 s cache (poll.live_results)
    at.run()
    assert "2 participants so far" in _texts(at)
    assert at.table[0].value.iloc[:, 1].tolist() == [0, 0, 0, 1, 0, 1]


def test_poll_slide_without_a_poll_says_so(poll_env):
    at = app_test("present", {"slides": "poll", "poll": "<b>nope"})
    at.run()
    assert not at.exception, at.exception
    assert "No poll is open" in _texts(at)


def test_present_in_french(poll_env):
    at = app_test("present", {"slides": "figures", "lang": "fr"})
    at.run()
    assert _title(at) == "L'alliance en chiffres"
    assert at.button(key="present-next").label == "Suivante"


# ------------------------------------------------------------------------------------------------ /poll
def test_participant_answers_and_changes_an_answer(poll_env):
    code = poll.open_poll(poll_env, [1, 4], "organiser")
    at = app_test("poll", {"code": code.lower()})
    at.run()
    assert not at.exception, at.exception
    token = at.query_params["p"][0] if isinstance(at.query_params["p"], list) else at.query_params["p"]
    assert poll.valid_token(token)
    assert len(at.radio) == 2 and at.radio[0].index is None
    at.radio(key="poll-q1").set_value(2)
    at.radio(key="poll-q4").set_value(5)
    at.button[0].click()  # the form's submit button
    at.run()
    assert at.success, _texts(at)
    assert poll.participant_answers(poll_env, code, token) == {1: 2, 4: 5}
    at.radio(key="poll-q1").set_value(4)
    at.button[0].click()
    at.run()
    assert poll.participant_answers(poll_env, code, token) == {1: 4, 4: 5}
    assert poll.participant_count(poll_env, code) == 1


def test_a_fresh_visit_with_the_same_link_sees_its_answers(poll_env):
    code = poll.open_poll(poll_env, [1], "organiser")
    token = "participant-0042-abcdefgh"
    poll.record_answer(poll_env, code, 1, token, 3)
    at = app_test("poll", {"code": code, "p": token})
    at.run()
    assert at.radio[0].value == 3
    assert "earlier answers" in _texts(at)


def test_participant_view_refuses_bad_or_closed_polls(poll_env):
    at = app_test("poll", {"code": "<script>"})
    at.run()
    assert not at.exception, at.exception
    assert "is not a poll code" in _texts(at)
    at = app_test("poll", {"code": "ZZZZ22"})
    at.run()
    assert "No poll has the code ZZZZ22" in _texts(at)
    code = poll.open_poll(poll_env, [1], "organiser")
    poll.close_poll(poll_env, code)
    at = app_test("poll", {"code": code})
    at.run()
    assert "This poll is closed" in _texts(at) and not at.radio


def test_empty_submission_is_a_warning_and_writes_nothing(poll_env):
    code = poll.open_poll(poll_env, [1], "organiser")
    at = app_test("poll", {"code": code})
    at.run()
    at.button[0].click()
    at.run()
    assert at.warning and poll.participant_count(poll_env, code) == 0


def test_organiser_must_sign_in(poll_env):
    at = app_test("poll")
    at.run()
    assert not at.exception, at.exception
    assert "Sign in" in _texts(at)
    assert not at.multiselect


def test_organiser_opens_closes_and_exports_a_poll(poll_env):
    auth.add_user(poll_env, "organiser", "a long enough password 1", "editor", members=["aarhus-dk"])
    at = app_test("poll")
    at.session_state[SESSION_KEY] = "organiser"
    at.run()
    assert not at.exception, at.exception
    at.multiselect[0].set_value([3, 7])
    at.button(key="FormSubmitter:poll-open-Open the poll").click()
    at.run()
    assert not at.exception, at.exception
    code = poll.latest_open_poll(poll_env).code
    assert f"Poll {code} is open." in _texts(at)
    assert poll.questions(poll_env, code)["dimension_id"].tolist() == [3, 7]
    assert poll.get_poll(poll_env, code).created_by == "organiser"
    assert at.get("download_button"), "no export button"
    at.button(key="poll-close").click().run()
    assert not poll.get_poll(poll_env, code).is_open
    assert not at.exception, at.exception


def test_open_with_no_question_is_refused(poll_env):
    auth.add_user(poll_env, "organiser", "a long enough password 1", "editor", members=["aarhus-dk"])
    at = app_test("poll")
    at.session_state[SESSION_KEY] = "organiser"
    at.run()
    at.button(key="FormSubmitter:poll-open-Open the poll").click()
    at.run()
    assert "Choose between 1 and 3 questions." in _texts(at)
    assert poll_env.execute("SELECT count(*) FROM polls").fetchone()[0] == 0



# ------------------------------------------------------------------------------- issue 19: the conference room
def test_poll_slide_holds_while_the_poll_is_open_and_the_organiser_can_move_on(poll_env):
    code = poll.open_poll(poll_env, [2], "organiser")
    at = app_test("present", {"slides": "figures,poll", "start": "poll", "every": "5"})
    at.run()
    assert _title(at) == "Live poll: where is your city?"
    assert "Poll open: this slide stays" in _texts(at)
    at.session_state["present_changed"] = 0.0  # long overdue: would advance if the poll were closed
    at.run()
    assert _title(at) == "Live poll: where is your city?"
    at.button(key="present-next").click().run()  # the organiser moves on
    assert _title(at) == "The alliance in figures"
    at.button(key="present-back").click().run()
    assert _title(at) == "Live poll: where is your city?"
    poll.close_poll(poll_env, code)
    at.session_state["present_changed"] = 0.0
    at.run()
    assert _title(at) == "The alliance in figures"  # closed: the cycle goes on


@pytest.mark.parametrize("public_url", [None, "http://localhost:8501"])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_projector_shows_no_technical_warning(poll_env, monkeypatch, public_url, lang):
    if public_url:
        monkeypatch.setenv("ALLIANCE_PUBLIC_URL", public_url)
    else:
        monkeypatch.delenv("ALLIANCE_PUBLIC_URL", raising=False)
    code = poll.open_poll(poll_env, [2], "organiser")
    at = app_test("present", {"slides": "poll", "lang": lang})
    at.run()
    assert not at.exception, at.exception
    text = _texts(at)
    assert code in text
    assert "ALLIANCE_PUBLIC_URL" not in text and "(localhost)" not in text and "en localhost" not in text


@pytest.mark.parametrize("public_url, warned", [("http://localhost:8501", True), ("http://127.0.0.1:8501", True),
                                                ("http://192.168.1.20:8501", False)])
def test_the_organiser_is_warned_when_phones_cannot_reach_the_app(poll_env, monkeypatch, public_url, warned):
    monkeypatch.setenv("ALLIANCE_PUBLIC_URL", public_url)
    auth.add_user(poll_env, "organiser", "a long enough password 1", "editor", members=["aarhus-dk"])
    at = app_test("poll")
    at.session_state[SESSION_KEY] = "organiser"
    at.run()
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert any("Phones cannot reach this address" in w and "ALLIANCE_PUBLIC_URL" in w for w in warnings) is warned


@pytest.mark.parametrize("lang, placeholder", [("en", "Type a word"), ("fr", "Tapez un mot")])
def test_question_picker_has_no_select_all_and_speaks_the_language(poll_env, lang, placeholder):
    auth.add_user(poll_env, "organiser", "a long enough password 1", "editor", members=["aarhus-dk"])
    at = app_test("poll", {"lang": lang})
    at.session_state[SESSION_KEY] = "organiser"
    at.run()
    picker = at.multiselect[0]
    assert picker.proto.placeholder.startswith(placeholder)  # not Streamlit's "Choose options"
    assert not picker.proto.select_all  # typing a word and Enter can never pick "Select N matches"
    mode = picker.proto.DESCRIPTOR.fields_by_name["filter_mode"].enum_type.values_by_number[picker.proto.filter_mode]
    assert mode.name == "FILTER_MODE_CONTAINS"  # "leader" lists the questions holding it, not 12 fuzzy matches
    assert any(option.startswith("Leadership: ") or option.startswith("Portage politique : ")
               for option in picker.options)


# ------------------------------------------------------------------------------- issue 12: own questions
def test_organiser_opens_a_poll_with_own_questions_and_moderates_its_texts(poll_env):
    auth.add_user(poll_env, "organiser", "a long enough password 1", "editor", members=["aarhus-dk"])
    at = app_test("poll")
    at.session_state[SESSION_KEY] = "organiser"
    at.run()
    at.multiselect[0].set_value([3])
    at.selectbox(key="poll-own-kind-1").set_value("choice")
    at.text_input(key="poll-own-prompt-1").set_value("Which partner first?")
    at.text_area(key="poll-own-options-1").set_value("Schools\nPolice\n")
    at.selectbox(key="poll-own-kind-2").set_value("text")
    at.text_input(key="poll-own-prompt-2").set_value("One word for prevention")
    at.button(key="FormSubmitter:poll-open-Open the poll").click()
    at.run()
    assert not at.exception, at.exception
    code = poll.latest_open_poll(poll_env).code
    assert [(i["position"], i["kind"], i["options"]) for i in poll.items(poll_env, code)] == [
        (2, "choice", ["Schools", "Police"]), (3, "text", [])]
    poll.record_answers(poll_env, code, "participant-0001-abcdefgh", {}, item_answers={3: "<i>Trust</i> first"})
    at.run()
    assert "Answers received: 1 · shown on the screen: 0 · waiting for you: 1" in _texts(at)
    assert at.dataframe[-1].value.iloc[0, 0] == "<i>Trust</i> first"  # literal text for the moderator
    at.button(key="poll-show-3").click().run()
    assert not at.exception, at.exception
    assert poll.item_results(poll_env, code)[1]["texts"] == ["<i>Trust</i> first"]


def test_a_bad_own_question_is_refused_with_its_reason(poll_env):
    auth.add_user(poll_env, "organiser", "a long enough password 1", "editor", members=["aarhus-dk"])
    at = app_test("poll")
    at.session_state[SESSION_KEY] = "organiser"
    at.run()
    at.selectbox(key="poll-own-kind-1").set_value("choice")
    at.text_input(key="poll-own-prompt-1").set_value("Which one?")
    at.text_area(key="poll-own-options-1").set_value("Only one")
    at.button(key="FormSubmitter:poll-open-Open the poll").click()
    at.run()
    assert "needs 2 to 8 different answers" in _texts(at)
    assert poll_env.execute("SELECT count(*) FROM polls").fetchone()[0] == 0


@pytest.mark.parametrize("lang, kind, shown", [("en", "In a few words", "Answers received: 2 · shown: 1"),
                                               ("fr", "En quelques mots", "Réponses reçues : 2 · affichées : 1")])
def test_poll_slide_draws_every_own_question_kind(poll_env, lang, kind, shown):
    code = poll.open_poll(poll_env, [], "organiser", [poll.Item("choice", "Which first?", ("Schools", "<b>Police</b>")),
                                                      poll.Item("scale", "How ready?"), poll.Item("text", "One word")])
    poll.record_answers(poll_env, code, "participant-0001-abcdefgh", {},
                        item_answers={1: 1, 2: 5, 3: "Trust <script>x</script> schools"})
    poll.show_texts(poll_env, code, 3)
    poll.record_answers(poll_env, code, "participant-0002-abcdefgh", {}, item_answers={3: "Hidden until shown"})
    at = app_test("present", {"slides": "poll", "poll": code, "lang": lang})
    at.run()
    assert not at.exception, at.exception
    assert kind in _texts(at) and shown in _texts(at)
    cloud = next(m.value for m in at.markdown if "flex-wrap:wrap" in m.value)
    assert "trust" in cloud and "schools" in cloud and "<script>" not in cloud and "hidden" not in cloud
    tables = [table.value for table in at.table]
    assert [0, 1] in [t.iloc[:, 1].tolist() for t in tables]  # the multiple choice: Police once
    assert [0, 0, 0, 0, 1] in [t.iloc[:, 1].tolist() for t in tables]  # the scale: 5 once


def test_moderator_approves_and_the_qa_slide_shows_it_by_votes(poll_env):
    from alliance import qa

    auth.add_user(poll_env, "organiser", "a long enough password 1", "editor", members=["aarhus-dk"])
    code = poll.open_poll(poll_env, [], "organiser", qa=True)
    first = qa.ask(poll_env, code, "participant-0001-abcdefgh", "Who pays for <b>this</b>?")
    second = qa.ask(poll_env, code, "participant-0002-abcdefgh", "When do we start?")
    screen = app_test("present", {"slides": "qa", "poll": code})
    screen.run()
    assert not screen.exception, screen.exception
    assert "Questions received: 2 · shown: 0" in _texts(screen) and "Who pays" not in _texts(screen)
    at = app_test("poll")
    at.session_state[SESSION_KEY] = "organiser"
    at.run()
    assert "Questions received: 2 · waiting for you: 2 · shown on the screen: 0" in _texts(at)
    assert "Who pays for <b>this</b>?" in [t.value for t in at.text]  # literal text for the moderator
    at.button(key=f"poll-qa-approved-{first}").click().run()
    at.button(key=f"poll-qa-approved-{second}").click().run()
    assert not at.exception, at.exception
    qa.upvote(poll_env, code, "participant-0003-abcdefgh", second)
    time.sleep(1.05)  # the slide reads through a 1 s cache
    screen.run()
    texts = _texts(screen)
    assert "Questions received: 2 · shown: 2" in texts
    assert texts.index("When do we start?") < texts.index("Who pays for \\<b\\>this\\</b\\>?")
    at.button(key=f"poll-qa-hidden-{first}").click().run()
    assert qa.screen(poll_env, code)[0]["id"].tolist() == [second]


def test_css_string_keeps_our_text_inside_its_quotes_and_the_style_element():
    from alliance.app.ui import css_string

    assert css_string('Espace') == "Espace"
    assert css_string('a "b" \\ c') == 'a \\"b\\" \\\\ c'
    assert "<" not in css_string("</style><script>")
