"""Mistral REST API v2 over aiohttp: one module per resource."""
