"""The rules a step must keep, by the part of the journey they concern; `domain.decisions` applies them."""
