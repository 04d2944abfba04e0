"""Use cases: the case service is the only door to the domain."""
