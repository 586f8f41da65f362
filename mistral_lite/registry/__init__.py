"""Definitions users upload and manage: workflows (and later workbooks, actions, environments)."""
