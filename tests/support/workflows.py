"""Small workflow documents used across tests."""


def simple(name: str = "hello", extra: str = "") -> str:
    return f"""---
version: '2.0'
{name}:
  description: says hello
  input:
    - name
    - greeting: Hello
  output:
    message: <% $.message %>
  tasks:
    greet:
      action: std.echo output="<% $.greeting %>, <% $.name %>"
      publish:
        message: <% task().result %>{extra}
"""


TWO = """---
version: '2.0'
first:
  tasks:
    a: {action: std.noop}
second:
  tags: [nightly, infra]
  tasks:
    b: {action: std.noop}
"""


HELLO = """---
version: '2.0'
hello:
  input: [name, {greeting: Hello}]
  output: {message: <% $.message %>}
  tasks:
    greet:
      action: std.echo output="<% $.greeting %>, <% $.name %>"
      publish: {message: <% task().result %>}
      on-success: [done]
    done: {action: std.noop}
"""
