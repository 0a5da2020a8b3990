"""`python -m alliance bench --load 50,500`: simulated phones and viewers against the app served on a copy of
the demonstration database, all in one run, on 127.0.0.1 only.

- Phones on the old Streamlit poll page speak Streamlit's own websocket protocol (`/_stcore/stream`): a
  `BackMsg` whose `rerun_script` holds the page name and query string, then ForwardMsgs until
  `script_finished`; answering sends the radios' and the submit button's widget states the same way.
- Phones on the light path (`/vote/{code}`) use plain HTTP: GET the form, POST the answers, follow the redirect.
- A big-screen session (`/present?slides=poll`) stays open during each phone run and reruns its fragment as a
  browser would; it records when the participants' count first shows the final figure.
- N viewer sessions open /map at the same moment (time to script finished).
Per request: p50, p95, max; errors; answers sent against answers stored (read from the file after the server
stopped); the server's memory before and after. Every loop is bounded in count and time.
"""
from __future__ import annotations

import asyncio
import html
import json
import math
import os
import random
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urljoin

# Imported with the module, never inside a timed request: the first import of Streamlit's protocol messages
# takes ~0.3 s, which bench/first_visit.py counted as the server's first visit of `/` (6x a warm one), the first
# page it measured, although the server ran that visit's script in 70 ms.
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

REQUEST_TIMEOUT_S = 180
SCENARIO_TIMEOUT_S = 900
QUESTIONS = 3


# ---------------------------------------------------------------------------------------------- figures
def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank) of `values`, None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": _round(percentile(ms, 50)), "p95_ms": _round(percentile(ms, 95)),
            "max_ms": _round(max(ms) if ms else None)}


def _round(value):
    return None if value is None else round(value, 1)


def memory_mb(pid: int) -> dict:
    """Resident (VmRSS) and peak resident (VmHWM) memory of a process, in MB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "VmHWM"):
                out[key] = round(int(line.split()[1]) / 1024, 1)
    return out


# ---------------------------------------------------------------------------------- Streamlit protocol
class StreamlitSession:
    """One browser session, spoken over Streamlit's websocket without a browser."""

    def __init__(self, base_url: str):
        self.ws_url = base_url.replace("http://", "ws://") + "/_stcore/stream"
        self.origin = base_url
        self.ws = None
        self.auto_rerun: tuple[float, str] | None = None  # (interval s, fragment id) of a fragment's timer
        self.fragments: set[str] = set()  # ids of the fragments the last runs drew

    async def open(self) -> None:
        import websockets

        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], origin=self.origin,
                                           max_size=None, open_timeout=REQUEST_TIMEOUT_S, ping_interval=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def run(self, page_name: str, query_string: str = "", widgets: list | None = None,
                  fragment_id: str = "", auto: bool = True) -> list:
        """Send one rerun and return the elements the run drew, once its script finished (not a run that
        ended early for a rerun)."""
        msg = BackMsg()
        state = msg.rerun_script
        state.page_name = page_name
        state.query_string = query_string
        if fragment_id:
            state.fragment_id = fragment_id
            state.is_auto_rerun = auto
        for widget in widgets or []:
            state.widget_states.widgets.append(widget)
        await self.ws.send(msg.SerializeToString())
        elements = []
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), REQUEST_TIMEOUT_S)
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                elements.append(forward.delta.new_element)
            if kind == "delta" and forward.delta.fragment_id:
                self.fragments.add(forward.delta.fragment_id)
            if kind == "auto_rerun":
                self.auto_rerun = (forward.auto_rerun.interval, forward.auto_rerun.fragment_id)
            elif kind == "script_finished":
                if forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    return elements
                elements = []


ENTRY_PAGES = [("", "")]  # ALLIANCE_WARM_VISITS=entry: the overview alone (app.py's first run)

# The pages a fresh server visits itself once, so that its first real visitors find the page scripts compiled,
# their imports done and their default views cached (issue 14: first visit at most 1.5x a warm one).
WARM_PAGES = [("", ""), ("map", ""), ("practices", ""), ("benchmark", ""), ("city", ""), ("events", ""),
              ("exchange", ""), ("explore", "")]


# A fresh server builds every scored city's default /benchmark and /city views before it says it is ready, when
# there are at most this many (the alliance: 57 in the demonstration data, ~25 s of start-up). A city's views are
# otherwise computed on their first request (~0.2 s, 3-5x a warm visit). A larger membership is not warmed: at
# 10,000 cities, 60 of them took 62 s and 450 MB more memory, for a small share of the first visits.
WARM_CITIES = int(os.environ.get("ALLIANCE_WARM_CITIES", "60"))


def warm_pages(cities: int = WARM_CITIES) -> list[tuple[str, str]]:
    """WARM_PAGES, one search (the full-text search's first run), and the default views of the cities scored in
    the newest round when there are at most `cities` of them."""
    from alliance.app import data

    pages = list(WARM_PAGES) + [("practices", "q=prevention")]
    rounds = data.query("bench_rounds")
    if rounds.empty:
        return pages
    scored = sorted(set(data.query("bench_round_scores", round_year=int(rounds.iloc[0, 0]),
                                   validated_only=False)["member_id"]))
    if len(scored) <= cities:
        for city in scored:
            pages += [("benchmark", f"city={city}"), ("city", f"city={city}")]
    return pages


async def visit_own_pages(base_url: str, ready, pages=None, timeout_s: float = 60) -> None:
    """Open one session on this server, run each page once, then set `ready` and keep the session open: with no
    session left Streamlit drops its compiled page scripts. A page that fails is skipped (the log says which)."""
    import logging

    import sys

    pages = warm_pages() if pages is None else pages
    keeper = StreamlitSession(base_url)
    started, warmed = time.perf_counter(), 0
    try:
        await keeper.open()
        for page, query in pages:
            try:
                await asyncio.wait_for(keeper.run(page, query), timeout_s)
                warmed += 1
            except Exception:  # noqa: BLE001 - a page not warmed is only slower for its first visitor
                logging.getLogger("alliance").warning("warm-up visit of /%s failed", page, exc_info=True)
    finally:
        import gc

        gc.collect()  # what the visits imported lives as long as the process: keep it out of every view's collection
        gc.freeze()
        ready.set()
        print(f"alliance: warmed {warmed} of {len(pages)} pages in {time.perf_counter() - started:.1f} s",
              file=sys.stderr, flush=True)
    await asyncio.Event().wait()  # for the life of the process (a daemon thread)


def element_texts(elements: list) -> list[str]:
    out = []
    for element in elements:
        kind = element.WhichOneof("type")
        if kind == "markdown":
            out.append(element.markdown.body)
        elif kind == "alert":
            out.append(element.alert.body)
    return out


def widget(widget_id: str, **value):
    state = WidgetState(id=widget_id)
    for key, val in value.items():
        setattr(state, key, val)
    return state


# ------------------------------------------------------------------------------------------- HTTP client
class HttpClient:
    """A minimal HTTP/1.1 client for our own loopback server (no outside package needed): one connection per
    request, cookies kept like a phone's browser."""

    def __init__(self, base_url: str):
        match = re.match(r"http://([^:/]+):(\d+)", base_url)
        self.host, self.port = match[1], int(match[2])
        self.cookies: dict[str, str] = {}

    async def request(self, method: str, path: str, form: dict | None = None,
                      headers: dict | None = None) -> tuple[int, dict, bytes]:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), REQUEST_TIMEOUT_S)
        try:
            body = urlencode(form).encode() if form is not None else b""
            headers = {"Accept-Language": "en", **(headers or {})}
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Connection: close"]
            if self.cookies:
                lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
            if form is not None:
                lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            await writer.drain()
            raw = await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT_S)
        finally:
            writer.close()
        head, _, payload = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        response_headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "set-cookie":
                cookie = value.strip().split(";")[0]
                key, _, val = cookie.partition("=")
                self.cookies[key] = val
            response_headers[name] = value.strip()
        if response_headers.get("transfer-encoding") == "chunked":
            payload = _dechunk(payload)
        return status, response_headers, payload


def _dechunk(data: bytes) -> bytes:
    out, rest = b"", data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


# ------------------------------------------------------------------------------------------------ phones
class Tally:
    def __init__(self):
        self.times: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.answers_sent = 0
        self.votes_sent = 0
        self.phones_done = 0
        self.last_answer_at = 0.0

    def time(self, kind: str, seconds: float) -> None:
        self.times.setdefault(kind, []).append(seconds)

    def error(self, text: str) -> None:
        self.errors.append(text[:200])


async def old_phone(base_url: str, code: str, delay: float, tally: Tally, sent_text: str) -> None:
    """A phone on the Streamlit poll page: load it, pick one answer per question, send."""
    await asyncio.sleep(delay)
    session = StreamlitSession(base_url)
    token = secrets.token_urlsafe(16)
    query = urlencode({"code": code, "p": token})
    try:
        started = time.perf_counter()
        await session.open()
        elements = await session.run("poll", query)
        tally.time("load", time.perf_counter() - started)
        radios = [e.radio for e in elements if e.WhichOneof("type") == "radio"]
        submit = [e.button for e in elements if e.WhichOneof("type") == "button" and e.button.is_form_submitter
                  and "poll-answers" in e.button.form_id]
        if len(radios) != QUESTIONS or not submit:
            tally.error(f"page: {len(radios)} questions, {len(submit)} send buttons")
            return
        states = [widget(r.id, string_value=random.choice(list(r.options))) for r in radios]
        states.append(widget(submit[0].id, trigger_value=True))
        started = time.perf_counter()
        elements = await session.run("poll", query, states)
        tally.time("answer", time.perf_counter() - started)
        if not any(sent_text in text for text in element_texts(elements)):
            tally.error("answer: no confirmation")
            return
        tally.answers_sent += len(radios)
        tally.phones_done += 1
        tally.last_answer_at = time.perf_counter()
    except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
        tally.error(f"{type(exc).__name__}: {exc}")
    finally:
        await session.close()


RADIO_INPUT = re.compile(r'<input[^>]*type="radio"[^>]*name="(q\d+)"[^>]*value="([^"]*)"')
HIDDEN_INPUT = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')


async def light_phone(base_url: str, code: str, delay: float, tally: Tally, sent_marker: str) -> None:
    """A phone on the light path: GET the form, POST one answer per question, follow the redirect."""
    await asyncio.sleep(delay)
    client = HttpClient(base_url)
    try:
        started = time.perf_counter()
        status, _, body = await client.request("GET", f"/vote/{code}")
        tally.time("load", time.perf_counter() - started)
        page = body.decode("utf-8", "replace")
        if status != 200:
            tally.error(f"load: HTTP {status}")
            return
        choices: dict[str, list[str]] = {}
        for name, value in RADIO_INPUT.findall(page):
            choices.setdefault(name, []).append(html.unescape(value))
        if len(choices) != QUESTIONS:
            tally.error(f"page: {len(choices)} questions")
            return
        form = {name: html.unescape(value) for name, value in HIDDEN_INPUT.findall(page)}
        form.update({name: random.choice(values) for name, values in choices.items()})
        started = time.perf_counter()
        status, headers, _ = await client.request("POST", f"/vote/{code}", form=form)
        tally.time("answer", time.perf_counter() - started)
        if status != 303:
            tally.error(f"answer: HTTP {status}")
            return
        started = time.perf_counter()
        status, _, body = await client.request("GET", urljoin(f"/vote/{code}", headers.get("location", "")))
        tally.time("after_answer", time.perf_counter() - started)
        if status != 200 or sent_marker not in body.decode("utf-8", "replace"):
            tally.error(f"after answer: HTTP {status}, no confirmation")
            return
        tally.answers_sent += len(choices)
        tally.phones_done += 1
        tally.last_answer_at = time.perf_counter()
    except Exception as exc:  # noqa: BLE001
        tally.error(f"{type(exc).__name__}: {exc}")


VOTE_FORM = re.compile(r'name="nonce" value="([^"]+)"><input type="hidden" name="lang" value="\w+">'
                       r'<input type="hidden" name="action" value="vote"><input type="hidden" name="question" '
                       r'value="(\d+)">')
ASK_FORM = re.compile(r'name="nonce" value="([^"]+)"><input type="hidden" name="lang" value="\w+">'
                      r'<input type="hidden" name="action" value="ask">')


async def qa_phone(base_url: str, code: str, delay: float, votes: int, tally: Tally, rng: random.Random) -> None:
    """A phone in the Q&A: load the page, ask one question, then vote for `votes` approved questions (each
    vote a POST with the nonce of the page before it, then the page again)."""
    await asyncio.sleep(delay)
    client = HttpClient(base_url)

    async def get() -> str:
        started = time.perf_counter()
        status, _, body = await client.request("GET", f"/vote/{code}")
        tally.time("load", time.perf_counter() - started)
        if status != 200:
            raise RuntimeError(f"load: HTTP {status}")
        return body.decode("utf-8", "replace")

    async def post(kind: str, form: dict) -> None:
        started = time.perf_counter()
        status, _, _ = await client.request("POST", f"/vote/{code}", form=form)
        tally.time(kind, time.perf_counter() - started)
        if status != 303:
            raise RuntimeError(f"{kind}: HTTP {status}")

    try:
        page = await get()
        await post("ask", {"nonce": ASK_FORM.search(page)[1], "lang": "en", "action": "ask",
                           "text": f"Question {secrets.token_hex(4)}: how do we fund prevention?"})
        tally.answers_sent += 1
        for _ in range(votes):
            page = await get()
            forms = VOTE_FORM.findall(page)
            if not forms:
                raise RuntimeError("no question left to vote for")
            nonce, question = rng.choice(forms)
            await post("vote", {"nonce": nonce, "lang": "en", "action": "vote", "question": question})
            tally.votes_sent += 1
        tally.phones_done += 1
        tally.last_answer_at = time.perf_counter()
    except Exception as exc:  # noqa: BLE001
        tally.error(f"{type(exc).__name__}: {exc}")


async def moderator_reruns(base_url: str, code: str, stop: asyncio.Event, times: list, errors: list) -> None:
    """An organiser signed in on /poll with the Q&A poll chosen, rerunning its moderation fragment every 2 s as
    a moderator's clicks do: the time of each rerun."""
    session = StreamlitSession(base_url)
    try:
        await session.open()
        elements = await session.run("poll")
        inputs = [e.text_input for e in elements if e.WhichOneof("type") == "text_input"
                  and "sign_in" in e.text_input.form_id]
        submit = [e.button for e in elements if e.WhichOneof("type") == "button" and e.button.is_form_submitter
                  and "sign_in" in e.button.form_id]
        if len(inputs) < 2 or not submit:
            raise RuntimeError("no sign-in form on /poll")
        elements = await session.run("poll", "", [widget(inputs[0].id, string_value="admin"),
                                                  widget(inputs[1].id, string_value="demo-admin-2015"),
                                                  widget(submit[0].id, trigger_value=True)])
        for _ in range(3):  # a busy server may answer the sign-in with a run that ends before the tools
            chooser = [e.selectbox for e in elements if e.WhichOneof("type") == "selectbox"
                       and e.selectbox.id.endswith("poll-manage")]
            if chooser:
                break
            elements = await session.run("poll")
        if not chooser:
            raise RuntimeError("not signed in: no poll chooser")
        state = [widget(chooser[0].id, string_value=code)]
        session.fragments.clear()
        await session.run("poll", "", state)
        if len(session.fragments) != 1:
            raise RuntimeError(f"{len(session.fragments)} fragments on /poll, expected the moderation one")
        fragment = next(iter(session.fragments))
        deadline = time.perf_counter() + SCENARIO_TIMEOUT_S
        while not stop.is_set() and time.perf_counter() < deadline:
            started = time.perf_counter()  # a moderator's click reruns the moderation fragment
            await session.run("poll", "", state, fragment_id=fragment, auto=False)
            times.append(time.perf_counter() - started)
            try:
                await asyncio.wait_for(stop.wait(), 2.0)
            except asyncio.TimeoutError:
                pass
    except Exception as exc:  # noqa: BLE001
        errors.append(f"moderator: {type(exc).__name__}: {exc}"[:200])
    finally:
        await session.close()


async def qa_run(base_url: str, code: str, phones: int, votes_each: int, arrive_s: float) -> dict:
    tally = Tally()
    moderator_times: list[float] = []
    stop = asyncio.Event()
    moderator = asyncio.create_task(moderator_reruns(base_url, code, stop, moderator_times, tally.errors))
    await asyncio.sleep(3.0)  # signed in before the room starts
    idle = list(moderator_times)
    rng = random.Random(phones)
    started = time.perf_counter()
    tasks = [qa_phone(base_url, code, rng.uniform(0, arrive_s), votes_each, tally, random.Random(i))
             for i in range(phones)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), SCENARIO_TIMEOUT_S)
    except asyncio.TimeoutError:
        tally.error(f"scenario stopped after {SCENARIO_TIMEOUT_S} s")
    wall = time.perf_counter() - started
    for _ in range(100):  # at least one moderator rerun with the room's questions in (at most 10 s more)
        if len(moderator_times) > len(idle) or moderator.done():
            break
        await asyncio.sleep(0.1)
    busy = moderator_times[len(idle):]
    stop.set()
    await asyncio.wait_for(moderator, REQUEST_TIMEOUT_S)
    return {"path": "qa", "phones": phones, "arrive_s": arrive_s, "wall_s": round(wall, 1),
            "requests": {k: summary(v) for k, v in tally.times.items()},
            "all_requests": summary([s for v in tally.times.values() for s in v]),
            "errors": len(tally.errors), "error_samples": sorted(set(tally.errors))[:5],
            "answers_sent": tally.answers_sent, "votes_sent": tally.votes_sent,
            "moderator_rerun": summary(busy), "screen_final_s": None}


async def watch_screen(base_url: str, code: str, stop: asyncio.Event, seen: list) -> None:
    """The big screen on the poll slide: rerun its fragment on its own timer, as a browser does, and note
    (time, participants shown) after each run."""
    from alliance.i18n import plurals, set_language

    set_language("en")
    forms = [text.split("{count}") for text in plurals("en")["present.poll.participants"].values()]
    pattern = re.compile("|".join(re.escape(before) + r"(\d[\d,.\s\u202f\u00a0]*)" + re.escape(after)
                                  for before, after in forms))
    session = StreamlitSession(base_url)
    query = urlencode({"slides": "poll", "poll": code})
    try:
        await session.open()
        elements = await session.run("present", query)
        deadline = time.perf_counter() + SCENARIO_TIMEOUT_S
        while not stop.is_set() and time.perf_counter() < deadline:
            for text in element_texts(elements):
                match = pattern.search(text)
                if match:
                    seen.append((time.perf_counter(), int(re.sub(r"\D", "", next(g for g in match.groups() if g)))))
            if session.auto_rerun is None:
                break
            interval, fragment = session.auto_rerun
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except asyncio.TimeoutError:
                pass
            elements = await session.run("present", query, fragment_id=fragment)
    finally:
        await session.close()


async def phone_run(kind: str, base_url: str, code: str, phones: int, arrive_s: float, sent_text: str) -> dict:
    tally = Tally()
    seen: list = []
    stop = asyncio.Event()
    screen = asyncio.create_task(watch_screen(base_url, code, stop, seen))
    await asyncio.sleep(1.0)  # the screen is up before the room arrives
    rng = random.Random(phones)
    phone = old_phone if kind == "streamlit" else light_phone
    started = time.perf_counter()
    tasks = [phone(base_url, code, rng.uniform(0, arrive_s), tally, sent_text) for _ in range(phones)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), SCENARIO_TIMEOUT_S)
    except asyncio.TimeoutError:
        tally.error(f"scenario stopped after {SCENARIO_TIMEOUT_S} s")
    wall = time.perf_counter() - started
    # the screen keeps refreshing until it shows every participant (at most 30 s more)
    for _ in range(300):
        if any(count >= tally.phones_done for _, count in seen if _ >= tally.last_answer_at):
            break
        await asyncio.sleep(0.1)
    stop.set()
    try:
        await asyncio.wait_for(screen, REQUEST_TIMEOUT_S)
    except Exception as exc:  # noqa: BLE001
        tally.error(f"screen: {type(exc).__name__}: {exc}")
    final = [at for at, count in seen if count >= tally.phones_done and at >= tally.last_answer_at]
    return {
        "path": kind, "phones": phones, "arrive_s": arrive_s, "wall_s": round(wall, 1),
        "requests": {k: summary(v) for k, v in tally.times.items()},
        "all_requests": summary([s for v in tally.times.values() for s in v]),
        "errors": len(tally.errors), "error_samples": sorted(set(tally.errors))[:5],
        "answers_sent": tally.answers_sent,
        "screen_final_s": round(final[0] - tally.last_answer_at, 2) if final and tally.phones_done else None,
    }


async def viewers_run(base_url: str, viewers: int, page: str = "map") -> dict:
    """`viewers` sessions open `page` at the same moment: time from the request to script finished."""
    sessions = [StreamlitSession(base_url) for _ in range(viewers)]
    errors: list[str] = []
    await asyncio.gather(*(s.open() for s in sessions))
    times: list[float] = []

    async def one(session):
        started = time.perf_counter()
        try:
            await session.run(page)
            times.append(time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{type(exc).__name__}: {exc}"[:200])

    try:
        await asyncio.wait_for(asyncio.gather(*(one(s) for s in sessions)), SCENARIO_TIMEOUT_S)
    except asyncio.TimeoutError:
        errors.append("stopped")
    await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    return {"viewers": viewers, "page": f"/{page}", **summary(times), "errors": len(errors),
            "error_samples": sorted(set(errors))[:3]}


async def warm(base_url: str, code: str) -> None:
    """A fresh server's first visits run a page once without app.py: warm every page the run uses."""
    session = StreamlitSession(base_url)
    await session.open()
    try:
        await session.run("")
        for page, query in (("poll", f"code={code}"), ("present", f"slides=poll&poll={code}"), ("map", "")):
            await session.run(page, query)
    finally:
        await session.close()
    if await _has_light_path(base_url, code):
        await HttpClient(base_url).request("GET", f"/vote/{code}")


async def _has_light_path(base_url: str, code: str) -> bool:
    try:
        status, _, _ = await HttpClient(base_url).request("GET", f"/vote/{code}")
    except OSError:
        return False
    return status == 200


# ------------------------------------------------------------------------------------------------- setup
QA_SEEDED = 20  # approved questions waiting for votes when the Q&A run starts


def prepare_database(source: Path, target: Path, polls: int, qa_poll: bool = False) -> list[str]:
    """Copy the demonstration database and open `polls` polls of QUESTIONS questions on the copy (and, with
    `qa_poll`, one Q&A poll with QA_SEEDED approved questions, its code last)."""
    from alliance import db, poll, qa

    shutil.copyfile(source, target)
    con = db.connect(target)
    try:
        db.apply_schema(con)
        dims = [r[0] for r in con.execute("SELECT id FROM dimensions ORDER BY id LIMIT $n", {"n": QUESTIONS}
                                          ).fetchall()]
        codes = [poll.open_poll(con, dims, "load-test") for _ in range(polls)]
        if qa_poll:
            code = poll.open_poll(con, [], "load-test", qa=True)
            for n in range(QA_SEEDED):
                question = qa.ask(con, code, f"seed-participant-{n:04d}", f"Seeded question {n + 1}?")
                qa.moderate(con, code, question, "approved", "load-test")
            codes.append(code)
        return codes
    finally:
        con.close()


def stored_qa(path: Path, code: str) -> tuple[int, int]:
    """Questions asked by the room (seeded ones left out) and votes stored for a Q&A poll."""
    from alliance import db

    con = db.connect(path, read_only=True)
    try:
        asked = con.execute("SELECT count(*) FROM poll_qa_questions WHERE poll_code = $c "
                            "AND participant NOT LIKE 'seed-%'", {"c": code}).fetchone()[0]
        votes = con.execute("SELECT count(*) FROM poll_qa_votes v JOIN poll_qa_questions q ON q.id = v.question_id "
                            "WHERE q.poll_code = $c", {"c": code}).fetchone()[0]
    finally:
        con.close()
    return int(asked), int(votes)


def stored_answers(path: Path, codes: list[str]) -> dict[str, int]:
    from alliance import db

    con = db.connect(path, read_only=True)
    try:
        rows = con.execute("SELECT poll_code, count(*) FROM poll_answers GROUP BY 1").fetchall()
    finally:
        con.close()
    counts = dict(rows)
    return {code: int(counts.get(code, 0)) for code in codes}


def _run(coro):
    """asyncio.run, in a thread of its own when this thread already runs an event loop (e.g. under Playwright's
    sync API in the same test process)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def run(phones: list[int], viewers: list[int], paths: list[str], arrive_s: float, out: Path,
        qa_phones: int = 0, qa_votes: int = 10, qa_arrive_s: float = 30.0) -> dict:
    from alliance import bench
    from alliance.i18n import set_language, t
    from alliance.serve import start_app, stop

    source, _ = bench.ensure_dataset("demo")
    work = Path(tempfile.mkdtemp(prefix="alliance-load-"))
    db_copy = work / "alliance.duckdb"
    scenarios = [(kind, n) for kind in paths for n in phones]
    codes = prepare_database(source, db_copy, len(scenarios) + 1, qa_poll=qa_phones > 0)
    qa_code = codes.pop() if qa_phones else None
    set_language("en")
    sent_text = t("poll.sent")
    report: dict = {"when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "cpus": os.cpu_count(),
                    "arrive_s": arrive_s, "phones": [], "viewers": []}
    proc, url = start_app(db_copy, work / "server.log")
    try:
        _run(warm(url, codes[-1]))
        light = _run(_has_light_path(url, codes[-1]))
        for (kind, n), code in zip(scenarios, codes):
            if kind == "light" and not light:
                report["phones"].append({"path": kind, "phones": n, "skipped": "no /vote route in this app"})
                continue
            print(f"[load] {n} phones on the {kind} path…", flush=True)
            before = memory_mb(proc.pid)
            marker = "data-sent" if kind == "light" else sent_text
            result = _run(phone_run(kind, url, code, n, arrive_s, marker))
            after = memory_mb(proc.pid)
            result.update(code=code, rss_before_mb=before["VmRSS"], rss_after_mb=after["VmRSS"],
                          rss_growth_mb=round(after["VmRSS"] - before["VmRSS"], 1), peak_rss_mb=after["VmHWM"])
            report["phones"].append(result)
        if qa_phones and light:
            print(f"[load] Q&A: {qa_phones} phones asking and voting {qa_votes} times each…", flush=True)
            before = memory_mb(proc.pid)
            result = _run(qa_run(url, qa_code, qa_phones, qa_votes, qa_arrive_s))
            after = memory_mb(proc.pid)
            result.update(code=qa_code, rss_before_mb=before["VmRSS"], rss_after_mb=after["VmRSS"],
                          rss_growth_mb=round(after["VmRSS"] - before["VmRSS"], 1), peak_rss_mb=after["VmHWM"])
            report["qa"] = result
        for n in viewers:
            print(f"[load] {n} viewers opening /map…", flush=True)
            report["viewers"].append(_run(viewers_run(url, n)))
    finally:
        stop(proc)
    stored = stored_answers(db_copy, [c for (_, _), c in zip(scenarios, codes)])
    for result in report["phones"]:
        if "code" in result:
            result["answers_stored"] = stored[result["code"]]
            # stored can exceed sent: a phone that gave up waiting (an error) may still have been stored
            result["answers_lost"] = max(0, result["answers_sent"] - result["answers_stored"])
    if "qa" in report:
        asked, votes = stored_qa(db_copy, qa_code)
        report["qa"].update(questions_stored=asked, votes_stored=votes,
                            questions_lost=max(0, report["qa"]["answers_sent"] - asked),
                            votes_lost=max(0, report["qa"]["votes_sent"] - votes))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(format_table(report))
    print(f"\nWritten to {out}")
    shutil.rmtree(work, ignore_errors=True)
    return report


def format_table(report: dict) -> str:
    lines = [f"\nLoad ({report['when']}, {report['cpus']} CPUs, phones arriving within {report['arrive_s']} s)",
             f"{'path':10} {'phones':>6} {'request':13} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
             f"{'errors':>6} {'sent':>5} {'stored':>6} {'screen s':>8} {'+MB':>6}"]
    for r in report["phones"]:
        if "skipped" in r:
            lines.append(f"{r['path']:10} {r['phones']:>6} skipped: {r['skipped']}")
            continue
        first = True
        for kind, s in [*r["requests"].items(), ("all", r["all_requests"])]:
            tail = (f" {r['errors']:>6} {r['answers_sent']:>5} {r.get('answers_stored', '-'):>6} "
                    f"{r['screen_final_s'] if r['screen_final_s'] is not None else '-':>8} {r['rss_growth_mb']:>6}"
                    if first else "")
            lines.append(f"{r['path'] if first else '':10} {r['phones'] if first else '':>6} {kind:13} {s['n']:>5} "
                         f"{_show(s['p50_ms'])} {_show(s['p95_ms'])} {_show(s['max_ms'])}{tail}")
            first = False
        for sample in r["error_samples"]:
            lines.append(f"{'':18}error: {sample}")
    if "qa" in report:
        r = report["qa"]
        lines.append(f"\nQ&A: {r['phones']} phones within {r['arrive_s']} s, {r['errors']} errors, questions sent "
                     f"{r['answers_sent']} / stored {r.get('questions_stored', '-')}, votes sent {r['votes_sent']} / "
                     f"stored {r.get('votes_stored', '-')}, {r['wall_s']} s in all, +{r['rss_growth_mb']} MB")
        for kind, s in [*r["requests"].items(), ("all", r["all_requests"]), ("moderator", r["moderator_rerun"])]:
            lines.append(f"{'':18}{kind:13} {s['n']:>5} {_show(s['p50_ms'])} {_show(s['p95_ms'])} {_show(s['max_ms'])}")
        for sample in r["error_samples"]:
            lines.append(f"{'':18}error: {sample}")
    if report["viewers"]:
        lines.append(f"\n{'viewers':>7} {'page':6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>6}")
        for v in report["viewers"]:
            lines.append(f"{v['viewers']:>7} {v['page']:6} {_show(v['p50_ms'])} {_show(v['p95_ms'])} "
                         f"{_show(v['max_ms'])} {v['errors']:>6}")
    return "\n".join(lines)


def _show(value) -> str:
    return f"{value:>8}" if value is not None else f"{'-':>8}"
