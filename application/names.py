"""What "the same normalised name" means (API.md, "Finding clients"): the words a name is matched by.

A name is matched word by word, never as a whole, so that "Kovalenko-Schäfer, Olena" and "Olena Kovalenko Schaefer"
are the same name and `q=schaefer` finds her. Each word is folded so that the spellings a desk meets for one name
compare equal:

- case-folded (`casefold`, which also turns ß into ss),
- letters that Unicode does not decompose are spelled in Latin (ı→i, ł→l, ø→o, æ→ae, œ→oe, ð/đ→d, þ→th, ħ→h),
- accents stripped (NFKD, then every combining mark dropped): é→e, ç→c, ş→s, ğ→g, and ä/ö/ü→a/o/u,
- the two-letter spellings of the umlauts folded to the same form: ae→a, oe→o, ue→u (a run `aee` counts as one
  `ae`), so "Müller", "MUELLER" and "muller" are one word, and so are "Öztürk", "Ozturk" and "Oeztuerk".

Words are the runs of letters; anything else (spaces, hyphens, apostrophes, dots, digits) separates them. The price of
the umlaut folding: names that differ only by an `e` after a, o or u ("Michael" and "Michal", "Joel" and "Jol") are
one name too. For a search that is a little more found than asked; for "the same person" the birth date must match
as well (application/cases.py), and a counsellor sees the candidates (`possible_duplicates`) before she relies on them.
"""

import re
import unicodedata

# Letters with no Unicode decomposition into a base letter and a mark: their usual Latin spelling.
_SPELLED = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "đ": "d", "þ": "th", "ħ": "h"})
_LETTERS = re.compile(r"[^\W\d_]+")  # a run of letters: word characters that are neither digits nor underscores
_UMLAUT_SPELLING = re.compile(r"([aou])e+")


def name_words(text: str | None) -> tuple[str, ...]:
    """The normalised words of a name (or of a search text), in their order; empty when it has none."""
    if not text:
        return ()
    folded = text.casefold().translate(_SPELLED)
    stripped = "".join(char for char in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(char))
    # NFKD may compose new letters out of compatibility forms (ﬁ→fi): fold case once more.
    return tuple(_UMLAUT_SPELLING.sub(r"\1", word) for word in _LETTERS.findall(stripped.casefold()))
