"""What names an import statement binds, as (local name, qualified name) pairs."""

from __future__ import annotations

import ast

STAR = "*"


def import_bindings(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """The bindings of one import statement; a star import binds STAR to its module.

    `import a.b` binds `a` to `a`; `import a.b as c` binds `c` to `a.b`;
    `from a import b as c` binds `c` to `a.b`. A relative import binds its names to a
    qualified name starting with "." so that they shadow, but never resolve to, Keras.
    """
    if isinstance(node, ast.Import):
        out = []
        for alias in node.names:
            if alias.asname:
                out.append((alias.asname, alias.name))
            else:
                head = alias.name.split(".", 1)[0]
                out.append((head, head))
        return out
    module = node.module or ""
    if node.level:
        module = "." * node.level + module
    return [
        (STAR, module) if alias.name == STAR else (alias.asname or alias.name, f"{module}.{alias.name}")
        for alias in node.names
    ]
