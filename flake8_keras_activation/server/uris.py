"""Document URIs as clients spell them: one identity whatever the escaping, and the file a URI names."""

from __future__ import annotations

import os
import re
from urllib.parse import unquote, urlsplit

_DRIVE = re.compile(r"/[A-Za-z]:(?:/|$)")


def key(uri: str) -> str:
    """The identity of a document, whatever escaping its URI has.

    Clients escape differently (VS Code on Windows sends `file:///c%3A/...`, a space is `%20`,
    a non-ASCII letter its UTF-8 bytes), and pygls keeps its open documents under the unescaped
    URI: the same key finds them there, and every table of ours uses it too. It is never handed
    back to pygls, which would unescape it a second time (`%2520` would become a space).
    """
    return unquote(uri)


def path_of(uri: str, windows: bool = os.name == "nt") -> str | None:
    """The local file a `file:` URI names; None for any other scheme (an unsaved buffer, a
    notebook cell) or another host's file.

    On Windows `file:///c%3A/x/model.py` is `c:\\x\\model.py` and `file://server/share/m.py` a
    UNC path; elsewhere the path is taken as it is, so that `/c:/x/model.py` stays absolute
    rather than becoming a path relative to the server's directory.
    """
    parts = urlsplit(uri)
    if parts.scheme.lower() != "file":
        return None
    path = unquote(parts.path)
    host = unquote(parts.netloc)
    if windows:
        if host and host.lower() != "localhost":
            return "\\\\" + host + path.replace("/", "\\")
        if _DRIVE.match(path):
            path = path[1:]
        return path.replace("/", "\\") or None
    if host and host.lower() != "localhost":
        return None
    return path or None
