"""The words an occupation title is matched by (the catalogue's `occupation` filter and the matching of offers).

Titles are folded as names are (application/names.py: case, accents, ß/ss, the umlauts and their two-letter
spellings), and then so that the forms a title is written in compare equal:

- the feminine and masculine forms are one word: a word ending in "frau" is the same word ending in "mann"
  (Kauffrau → kaufmann, Pflegefachfrau → pflegefachmann), a word ending in "erin" the same word ending in "er"
  (Elektronikerin → elektroniker);
- the pieces of a gender-neutral spelling carry no meaning of their own: "/-frau", "/-in", "(m/w/d)" leave nothing;
- small connecting words (im, für, und, …) are left out.

"Kaufmann/-frau im Einzelhandel", "Kauffrau im Einzelhandel" and "Kaufmann im Einzelhandel" are all
{kaufmann, einzelhandel}.
"""

from functools import lru_cache

from application.names import name_words

# After folding (für → fur). Also the leftovers of gender-neutral spellings: "-in", "-frau"/"-mann", "(m/w/d)".
IGNORED = frozenset(
    {"im", "in", "fur", "und", "der", "die", "das", "des", "den", "dem", "zum", "zur", "am", "an", "auf", "mit"}
    | {"von", "oder", "bei", "als", "innen", "mann", "m", "w", "d"}
)


@lru_cache(maxsize=8192)  # a catalogue names a few hundred titles over and over; matching folds each of them
def occupation_words(title: str | None) -> frozenset[str]:
    """The normalised words of an occupation title (empty when it has none)."""
    return frozenset(word for word in map(_one_form, name_words(title)) if word not in IGNORED)


def search_words(text: str | None) -> tuple[str, ...]:
    """The words of a search for occupations, folded as titles are, in their order, without repeats."""
    return tuple(dict.fromkeys(word for word in map(_one_form, name_words(text)) if word not in IGNORED))


def _one_form(word: str) -> str:
    if word.endswith("frau"):
        return f"{word[:-4]}mann"
    if word.endswith("erin") and len(word) > 5:
        return word[:-2]
    return word
