"""The client journey: step commands, events, the case aggregate and its rules. Pure: no clock, no I/O."""
