import pytest

from mistral_lite.lang.errors import DslError
from mistral_lite.lang.yaml_source import load

TEXT = """\
version: '2.0'
wf:
  input:
    - a
    - b: 1
  tasks:
    t1:
      action: std.echo output=@home &anchor *alias
"""


def test_lines_of_keys_and_items():
    source = load(TEXT)
    assert source.line_of(("wf",)) == 2
    assert source.line_of(("wf", "input", 1)) == 5
    assert source.line_of(("wf", "tasks", "t1", "action")) == 8
    # unknown deeper paths fall back to the nearest known parent
    assert source.line_of(("wf", "tasks", "t1", "action", "x")) == 8


def test_anchors_aliases_and_at_signs_are_plain_text():
    source = load(TEXT + "other: *alias\nthird: @x\nfourth: &a b\n")
    assert source.data["wf"]["tasks"]["t1"]["action"] == "std.echo output=@home &anchor *alias"
    assert source.data["other"] == "*alias"
    assert source.data["third"] == "@x"
    assert source.data["fourth"] == "&a b"


def test_syntax_error_has_line():
    with pytest.raises(DslError) as err:
        load("version: '2.0'\nwf:\n  tasks: [\n    a: b\n  c\n")
    assert "Definition could not be parsed" in str(err.value)
    assert err.value.line is not None and err.value.line >= 3
