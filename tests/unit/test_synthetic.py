"""The demo and benchmark data speak the API's vocabulary exactly."""

from datetime import date

import msgspec

from application.synthetic import journeys
from domain.steps import OpenCase, Step


def test_every_generated_command_is_valid_api_input() -> None:
    for journey in journeys(200, seed=7, today=date(2026, 11, 22)):
        msgspec.convert(msgspec.to_builtins(journey.opening), OpenCase)
        for step in journey.steps:
            msgspec.convert(msgspec.to_builtins(step), Step)
            assert step.date <= date(2026, 11, 22)
