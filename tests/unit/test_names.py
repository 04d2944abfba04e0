"""The normalised words of a name (API.md "Finding clients"): the spellings a desk meets for one name are one name."""

import pytest

from application.names import name_words


@pytest.mark.parametrize("spelling", ["Müller", "MUELLER", "muller", "Muller", "MÜLLER", "mueller"])
def test_the_umlaut_its_two_letter_spelling_and_the_bare_vowel_are_one_letter(spelling: str) -> None:
    assert name_words(spelling) == ("muller",)


@pytest.mark.parametrize("spelling", ["Öztürk", "Ozturk", "Oeztuerk", "OEZTÜRK", "öztuerk"])
def test_turkish_names_written_with_or_without_umlauts_are_one_name(spelling: str) -> None:
    assert name_words(spelling) == ("ozturk",)


@pytest.mark.parametrize("spelling", ["Straße", "STRASSE", "Strasse", "strasse", "STRAẞE"])
def test_sharp_s_is_ss(spelling: str) -> None:
    assert name_words(spelling) == ("strasse",)


def test_the_two_letter_spellings_fold_to_the_bare_vowel_everywhere_in_a_word() -> None:
    assert name_words("Schäfer") == name_words("Schaefer") == name_words("Schafer") == ("schafer",)
    assert name_words("Goethe") == name_words("Göthe") == ("gothe",)
    assert name_words("Haeaee") == ("haa",)  # a run of e after the vowel counts as one


@pytest.mark.parametrize(
    ("spelling", "words"),
    [
        ("José García", ("jose", "garcia")),
        ("François Lefèvre", ("francois", "lefevre")),
        ("Ayşe Yılmaz", ("ayse", "yilmaz")),  # dotless ı has no decomposition: spelled i
        ("AYŞE YILMAZ", ("ayse", "yilmaz")),
        ("Łukasz Wałęsa", ("lukasz", "walesa")),
        ("Søren Ærø", ("soren", "aro")),
        ("Nguyễn Thị Minh Khai", ("nguyen", "thi", "minh", "khai")),
        ("Dvořák", ("dvorak",)),
    ],
)
def test_accents_are_stripped(spelling: str, words: tuple[str, ...]) -> None:
    assert name_words(spelling) == words


def test_anything_but_a_letter_separates_words() -> None:
    assert name_words("Olena Kovalenko-Schäfer") == ("olena", "kovalenko", "schafer")
    assert name_words("Kovalenko-Schäfer, Olena") == ("kovalenko", "schafer", "olena")
    assert name_words("  O'Brien   Jr.  ") == ("o", "brien", "jr")
    assert name_words("Anna\tMaria\nvon  der Heide") == ("anna", "maria", "von", "der", "heide")
    assert name_words("Klient 9586") == ("klient",)  # digits are no letters


@pytest.mark.parametrize("text", [None, "", " ", "--", "1234", " - , . ", "_"])
def test_a_text_without_letters_has_no_words(text: str | None) -> None:
    assert name_words(text) == ()


def test_scripts_other_than_latin_keep_their_letters_case_folded() -> None:
    assert name_words("Иван ПЕТРОВ") == ("иван", "петров")
    assert name_words("محمد") == ("محمد",)
    assert name_words("ΣΩΚΡΑΤΗΣ") == name_words("σωκρατης")


def test_compatibility_forms_are_plain_letters() -> None:
    assert name_words("ﬁnn") == ("finn",)  # the fi ligature
    assert name_words("Ｍüller") == ("muller",)  # a full-width M
