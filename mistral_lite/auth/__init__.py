"""Who is asking: API tokens, their roles and projects (docs/security.md)."""
