"""Rules for knowledge: pure functions, inputs in, new text or messages out (no I/O, no clock)."""
