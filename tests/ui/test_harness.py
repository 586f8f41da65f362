"""Without the system chromium the browser tests fail, and say the one command that installs it."""

from __future__ import annotations

import pytest

from tests.ui.conftest import INSTALL, chromium_path


def test_a_missing_chromium_fails_naming_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y chromium"):
        chromium_path()
    assert INSTALL == "apt-get install -y chromium"
