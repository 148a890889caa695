"""Rules for planning: pure functions, inputs in, new text or messages out (no I/O, no clock)."""
