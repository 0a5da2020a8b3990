"""The word cloud of open answers on the big screen: word frequencies with English, French and German stop words
removed, drawn as sized text (HTML spans, every word escaped), so nothing is fetched from outside and the
words stay real text (legible, selectable, read by screen readers)."""
from __future__ import annotations

import html
import math
import re
from collections import Counter

STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
off on once only or other our ours ourselves out over own same she should so some such than that the their
theirs them themselves then there these they this those through to too under until up very was we were what
when where which while who whom why will with would you your yours yourself yourselves us get got make made
much many one two lot lots really thing things way
au aux avec ce ces cet cette dans de des du elle elles en et eux il ils je la le les leur leurs lui ma mais me
même mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un
une vos votre vous c d j l m n s t y été être avoir ai as avons avez ont est sont était sera fait faire plus
moins très bien aussi comme donc car ni si tout tous toute toutes autre autres chaque quand alors ça cela
ceci celui celle ceux celles dont lorsque puis sans sous entre vers chez encore déjà ici là leur peu peut
aber alle allem allen aller alles als also am an andere anderen auch auf aus bei beim bin bis bist da damit dann
das dass dein deine dem den denn der des dich die dies diese diesem diesen dieser dir doch dort du durch ein
eine einem einen einer eines er es etwas euch euer für gegen gibt hat hatte haben hier hin hinter ich ihm ihn
ihnen ihr ihre im in ins ist ja jede jeder jedes jetzt kann kein keine können man mehr mein meine mich mir mit
muss nach nicht nichts noch nun nur ob oder ohne sehr sein seine sich sie sind so soll sollen über um und uns
unser unsere unter viel vom von vor war waren was weil welche wenn wer werden wie wieder wir wird wo zu zum zur
""".split())
ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
MIN_PX, MAX_PX = 30, 110  # at 1920x1080 the smallest word stays readable from the back of a room


def words(text: str) -> list[str]:
    """The words of one text that count: lower case, French elisions (l', d', qu') dropped, stop words and
    one-letter words left out."""
    out = []
    for match in WORD.finditer(text or ""):
        word = ELISION.sub("", match.group(0).lower()).strip("'’-")
        if len(word) > 1 and word not in STOP_WORDS:
            out.append(word)
    return out


def frequencies(texts, hidden=(), limit: int = 40) -> list[tuple[str, int]]:
    """The `limit` most frequent words of `texts` (each text counts a word once), without `hidden` words;
    ties in alphabetical order so that the cloud does not jump between refreshes."""
    hidden = {h.lower() for h in hidden}
    counts: Counter = Counter()
    for text in texts:
        counts.update(set(words(text)) - hidden)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


EM_WIDTH = 0.62  # a bold letter's width in em, generous: a word sized to fit is never cut


def cloud_html(freqs: list[tuple[str, int]], colours=("#1F4E89", "#000000"), width_px: int = 1200) -> str:
    """The words as one wrapped, centred block of spans sized by frequency (square root, so one frequent word
    does not dwarf the rest), the most frequent in the middle; no word wider than `width_px`, the column it
    is drawn in. Every word is HTML-escaped."""
    if not freqs:
        return ""
    top = freqs[0][1]
    low = freqs[-1][1]
    spans = []
    for rank, (word, count) in enumerate(freqs):
        share = 1.0 if top == low else (math.sqrt(count) - math.sqrt(low)) / (math.sqrt(top) - math.sqrt(low))
        size = round(MIN_PX + share * (MAX_PX - MIN_PX))
        size = max(min(size, int(width_px / (EM_WIDTH * len(word)))), min(MIN_PX, size))
        weight = 700 if share > 0.5 else 600
        spans.append(f'<span style="font-size:{size}px;font-weight:{weight};color:{colours[rank % len(colours)]};'
                     f'line-height:1.05;padding:0 .25em;white-space:nowrap" title="{count}">{html.escape(word)}</span>')
    # the most frequent word in the middle, the others alternating around it
    ordered: list[str] = []
    for rank, span in enumerate(spans):
        if rank % 2:
            ordered.insert(0, span)
        else:
            ordered.append(span)
    return ('<div style="display:flex;flex-wrap:wrap;justify-content:center;align-items:center;'
            'align-content:center;gap:.1em .2em;min-height:420px">' + "".join(ordered) + "</div>")
