"""Actions: the built-in std.* catalogue (and, with the executor, their implementations)."""
