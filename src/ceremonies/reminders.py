"""Rules for reminders: pure functions, inputs in, new text or messages out (no I/O, no clock)."""
