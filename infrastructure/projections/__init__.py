"""Projections: views written in one transaction with their tracking position, the runner that follows the log,
and the queries on the views."""
