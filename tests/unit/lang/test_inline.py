import pytest

from mistral_lite.lang.inline import InlineError, parse


@pytest.mark.parametrize("text, name, params", [
    ("std.noop", "std.noop", {}),
    ("  std.noop  ", "std.noop", {}),
    ('std.echo output="hi"', "std.echo", {"output": "hi"}),
    ("std.echo output='single quoted'", "std.echo", {"output": "single quoted"}),
    ('std.echo output="<% $.a %>, <% $.b %>"', "std.echo", {"output": "<% $.a %>, <% $.b %>"}),
    ("std.echo output=<% $.a + 1 %> delay=2", "std.echo", {"output": "<% $.a + 1 %>", "delay": 2}),
    ("std.echo output={{ _.a }}", "std.echo", {"output": "{{ _.a }}"}),
    ('std.echo output=[1, "a]", {"k": 2}]', "std.echo", {"output": [1, "a]", {"k": 2}]}),
    ("x a=true b=false c=null d=3", "x", {"a": True, "b": False, "c": None, "d": 3}),
    ('fail msg="stopped"', "fail", {"msg": "stopped"}),
    ('fail(msg="stopped: <% $.why %>")', "fail", {"msg": "stopped: <% $.why %>"}),
    ("wb.sub_wf level=2", "wb.sub_wf", {"level": 2}),
    ("x code=007 zero=0", "x", {"code": "007", "zero": 0}),  # as Mistral: JSON has no leading zeros
    ("<% $.dynamic %> a=1", "<% $.dynamic %>", {"a": 1}),
    ('std.http url="http://x?a=1&b=2" method="POST"', "std.http", {"url": "http://x?a=1&b=2", "method": "POST"}),
])
def test_inline_parameters(text, name, params):
    assert parse(text) == (name, params)


@pytest.mark.parametrize("text, fragment", [
    ("std.echo output=Hi", "cannot read the value of 'output'"),
    ('std.echo output="unclosed', "unclosed"),
    ("std.echo output=<% $.x", "unclosed <%"),
    ("std.echo output=[1, 2", "unclosed ["),
    ("std.echo just words", "expected key=value"),
    ("std.echo output={'a': 1}", "cannot read the value"),
    # Mistral reads 1.5 as 1 and drops -3: refused, with the way to write them
    ("std.sleep seconds=1.5", r"write seconds=<% 1.5 %> for the number"),
    ("std.echo output=-3", "only whole numbers"),
    ("x left=[1] right=[2]", "up to the last ']'"),  # Mistral reads left as "[1] right=[2]"
])
def test_unreadable_inline_parameters_are_errors(text, fragment):
    with pytest.raises(InlineError, match=fragment.replace("[", r"\[")):
        parse(text)
