"""The std.* actions every node has, with the signatures the API shows and input is checked against."""

from __future__ import annotations

from dataclasses import dataclass

from mistral_lite.lang.inputs import signature
from mistral_lite.lang.specs import InputParam


@dataclass(frozen=True)
class SystemAction:
    name: str
    params: tuple[InputParam, ...]
    description: str
    is_async: bool = False

    @property
    def input_string(self) -> str:
        return signature(self.params)


def _required(*names: str) -> tuple[InputParam, ...]:
    return tuple(InputParam(n) for n in names)


def _optional(**defaults: object) -> tuple[InputParam, ...]:
    return tuple(InputParam(n, True, v) for n, v in defaults.items())


_HTTP_PARAMS = _required("url") + _optional(
    method="GET", params=None, body=None, json=None, headers=None, cookies=None, auth=None,
    timeout=None, allow_redirects=None, proxies=None, verify=None,
)

SYSTEM_ACTIONS: dict[str, SystemAction] = {
    a.name: a
    for a in (
        SystemAction("std.noop", (), "Does nothing; its result is null."),
        SystemAction("std.echo", _required("output") + _optional(delay=0),
                     "Returns 'output' after waiting 'delay' seconds."),
        SystemAction("std.fail", _optional(error_data=None),
                     "Always fails; with error_data the error result is exactly that value."),
        SystemAction("std.sleep", _optional(seconds=1), "Sleeps for 'seconds'; its result is null."),
        SystemAction("std.test_dict", _optional(size=0, key_prefix="", val=""),
                     "Returns a mapping of 'size' entries key_prefix+N: val."),
        SystemAction("std.async_noop", (), "Does nothing and stays RUNNING until its result is set over the API.",
                     is_async=True),
        SystemAction("std.http", _HTTP_PARAMS,
                     "Sends an HTTP request; the result has content, status, headers, encoding and more."),
        SystemAction("std.mistral_http", _HTTP_PARAMS,
                     "Sends an HTTP request carrying the callback URL; the receiver sets the result later.",
                     is_async=True),
        SystemAction(
            "std.email",
            _required("from_addr", "to_addrs", "smtp_server")
            + _optional(reply_to=None, cc_addrs=None, bcc_addrs=None, smtp_password=None,
                        subject="<No subject>", body="<No body>", html_body=None),
            "Sends an e-mail over SMTP.",
        ),
    )
}
