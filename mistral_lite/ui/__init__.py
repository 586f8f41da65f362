"""The built-in web UI: static files under static/, served at /ui/ by the API's aiohttp application."""
