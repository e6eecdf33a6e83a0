"""The cheap first screen, and what flake8 needs at start-up: nothing heavy is imported here."""

# Words without which a file cannot hold a finding: every affine layer's name contains one of
# the first three, KA102 needs an input-shape keyword, and a model needs its constructor.
TRIGGERS = ("Dense", "Conv", "LocallyConnected", "input_dim", "input_shape", "Sequential")

# The most source the analysis reads, counted in lines, calls, commas and brackets together (a
# cheap count of what becomes ast nodes; a long string literal costs nothing). Beyond it a file
# gets no KA findings and one message: the analysis is linear, but Python's ast tree and our
# graphs cost about 2 KB per unit, so a 50 MB generated file would need gigabytes.
MAX_SYNTAX_UNITS = 250_000
LIMIT_TEXT = f"more than {MAX_SYNTAX_UNITS:,} lines, calls, commas and brackets, the limit of the analysis"


def too_large(text: str) -> bool:
    """True for a source beyond MAX_SYNTAX_UNITS, which the analysis skips."""
    return sum(text.count(mark) for mark in "\n(,[") > MAX_SYNTAX_UNITS


# Codes flake8 leaves out unless they are selected.
OFF_BY_DEFAULT = ("KA104",)


def may_hold_finding(text: str) -> bool:
    """False means the file cannot hold a finding: it never names Keras, or no trigger word."""
    return "keras" in text and any(word in text for word in TRIGGERS)
