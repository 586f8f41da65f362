"""mistral-lite: a Mistral-compatible workflow service in one process."""

__version__ = "0.1.0"
