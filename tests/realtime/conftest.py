"""Fixtures shared by the carrier tests: the fake Twilio and a Twilio carrier against it."""

from tests.realtime.test_twilio_carrier import fake, pro, twilio

__all__ = ["fake", "pro", "twilio"]
