"""Carrier adapters: the simulated carrier (the embedded default and every test key) and Twilio."""
