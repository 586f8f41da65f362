"""The engine: a pure state machine. State + event in, commands + effects out; no I/O."""
