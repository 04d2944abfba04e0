"""The base of what the API decodes from a request body: commands and their parts, never stored as they are."""

import msgspec


class Data(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Immutable, strictly decoded data."""
