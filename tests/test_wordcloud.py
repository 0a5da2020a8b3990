"""The word cloud of open answers: which words count, and the drawing stays literal text."""
from alliance import wordcloud


def test_stop_words_and_elisions_are_left_out_in_english_and_french():
    assert wordcloud.words("The youth workers and the schools") == ["youth", "workers", "schools"]
    assert wordcloud.words("L'écoute des jeunes et d'autres familles, c'est la clé") == \
        ["écoute", "jeunes", "familles", "clé"]
    assert wordcloud.words("123 a b -- !!") == []


def test_frequencies_count_each_text_once_and_hide_words():
    texts = ["trust trust schools", "Trust and youth", "schools"]
    assert wordcloud.frequencies(texts) == [("schools", 2), ("trust", 2), ("youth", 1)]
    assert wordcloud.frequencies(texts, hidden=["Trust"]) == [("schools", 2), ("youth", 1)]
    assert wordcloud.frequencies(texts, limit=1) == [("schools", 2)]


def test_cloud_is_escaped_sized_and_largest_in_the_middle():
    html = wordcloud.cloud_html([("<script>", 9), ("alpha", 4), ("beta", 1)])
    assert "<script>" not in html and "&lt;script&gt;" in html
    sizes = [int(s) for s in __import__("re").findall(r"font-size:(\d+)px", html)]
    assert max(sizes) == wordcloud.MAX_PX and min(sizes) == wordcloud.MIN_PX
    assert html.index("alpha") < html.index("&lt;script&gt;") < html.index("beta")
    assert wordcloud.cloud_html([]) == ""


def test_german_stop_words_are_left_out():
    from alliance import wordcloud

    assert wordcloud.words("Wir brauchen mehr Vertrauen und einen Dialog mit der Stadt") == \
        ["brauchen", "vertrauen", "dialog", "stadt"]


def test_no_word_is_wider_than_its_column():
    html = wordcloud.cloud_html([("confiance", 9), ("dialogue", 4), ("écoute", 1)], width_px=360)
    import re
    for word, size in [(w, int(px)) for px, w in re.findall(r"font-size:(\d+)px[^>]*>([^<]+)<", html)]:
        assert size * wordcloud.EM_WIDTH * len(word) <= 360 or size == wordcloud.MIN_PX, (word, size)
    assert "font-size:110px" not in html
