import io
import json
import sys

import structlog

from mistral_lite import logs
from mistral_lite.masking import MASK, mask_data


def test_secret_keys_masked_at_any_depth_case_insensitively():
    data = {"user": "ann", "DB_Password": "pw1", "nested": [{"api_key": "k", "n": 1}],
            "headers": {"Authorization": "Basic x", "Accept": "json"}, "private_key": "-----BEGIN"}
    masked = mask_data(data)
    assert masked == {"user": "ann", "DB_Password": MASK, "nested": [{"api_key": MASK, "n": 1}],
                      "headers": {"Authorization": MASK, "Accept": "json"}, "private_key": MASK}
    assert data["DB_Password"] == "pw1"  # the original is untouched


def test_configured_keys_replace_the_defaults():
    assert mask_data({"pin": "1", "password": "p"}, keys=["pin"]) == {"pin": MASK, "password": "p"}


def test_structured_log_lines_are_masked(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    logs.configure("info", "json")
    try:
        logs.get("t").info("login", user="ann", password="hunter2", params={"auth_token": "s3cr3t-tok"})
    finally:
        structlog.reset_defaults()
    line = json.loads(out.getvalue().strip().splitlines()[-1])
    assert "hunter2" not in out.getvalue() and "s3cr3t-tok" not in out.getvalue()
    assert line["password"] == MASK and line["params"] == {"auth_token": MASK} and line["user"] == "ann"
