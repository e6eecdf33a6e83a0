"""The cheap first screen, and what flake8 needs at start-up: nothing heavy is imported here."""

# Words without which a file cannot hold a finding: every affine layer's name contains one of
# the first three, KA102 needs an input-shape keyword, and a model needs its constructor.
TRIGGERS = ("Dense", "Conv", "LocallyConnected", "input_dim", "input_shape", "Sequential")

# Codes flake8 leaves out unless they are selected.
OFF_BY_DEFAULT = ("KA104",)


def may_hold_finding(text: str) -> bool:
    """False means the file cannot hold a finding: it never names Keras, or no trigger word."""
    return "keras" in text and any(word in text for word in TRIGGERS)
