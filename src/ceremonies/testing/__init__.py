"""Test doubles we own and run for real (e.g. the Slack Web API emulator on loopback)."""
