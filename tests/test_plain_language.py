"""Plain language: the Dutch interface texts are written at B1 level. B1 guides (Direct
Duidelijk, Stichting Makkelijk Lezen) advise short sentences and short, common words; this
test holds every Dutch interface string to measurable limits of both."""

import re

from babel.messages.pofile import read_po

from kiosk.paths import LOCALE_DIR

MAX_SENTENCE_WORDS = 15  # B1 advice: at most 15 words to a sentence
MAX_MEAN_SENTENCE_WORDS = 9
MAX_WORD_LETTERS = 16  # longer compounds are hard to read: split them
MAX_LONG_WORD_SHARE = 0.05  # words of 13 letters or more


def dutch_sentences() -> list[str]:
    with (LOCALE_DIR / "nl" / "LC_MESSAGES" / "ontmoet.po").open("rb") as po:
        catalogue = read_po(po, locale="nl")
    sentences = []
    for message in catalogue:
        if not message.id:
            continue
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in texts:
            text = re.sub(r"\{\w*\}", "X", text)  # a placeholder reads as one word
            sentences += [s for s in re.split(r"(?<=[.!?:])\s+|\n", text) if s.strip()]
    return sentences


def words(sentence: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:['-][^\W\d_]+)*", sentence)


def test_sentences_are_short():
    sentences = dutch_sentences()
    too_long = [s for s in sentences if len(words(s)) > MAX_SENTENCE_WORDS]
    assert not too_long
    mean = sum(len(words(s)) for s in sentences) / len(sentences)
    assert mean <= MAX_MEAN_SENTENCE_WORDS, mean


def test_words_are_short():
    all_words = [w for s in dutch_sentences() for w in words(s)]
    too_long = sorted({w for w in all_words if len(w) > MAX_WORD_LETTERS})
    assert not too_long
    share = sum(len(w) >= 13 for w in all_words) / len(all_words)
    assert share <= MAX_LONG_WORD_SHARE, share


def test_the_measure_catches_officialese():
    # The limits are not a formality: a typical letter-from-the-council sentence fails them.
    officialese = (
        "Indien u gebruik wenst te maken van de mogelijkheid tot het indienen van een "
        "contactverzoek, dient u hiervoor toestemming te verlenen aan de betreffende "
        "maatschappelijke organisaties."
    )
    assert len(words(officialese)) > MAX_SENTENCE_WORDS
