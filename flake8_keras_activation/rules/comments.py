"""The codes about the source's comments rather than its models: KA900, an unused `# noqa` code
(found by unused_noqa.py, from the other families' findings)."""

from __future__ import annotations

from ..finding import SAFE, Code
from ..screen import UNUSED_NOQA

KA900 = Code(
    code=UNUSED_NOQA,
    slug="unused-noqa",
    summary="A `# noqa` lists a code of ours that silences nothing",
    what=(
        "Reports a `# noqa: KA...` comment that lists a code of ours (or a prefix such as `KA1`) under "
        "which nothing is found on the lines the comment covers, as ruff's RUF100 does. A code is used "
        "when a finding of it, selected or not, is there: a comment written for a code that is off in "
        "one run (KA104 in plain flake8) is not reported in another. Other tools' codes in the comment "
        "are never judged. This code is off by default: enable it with `--extend-select=KA900`."
    ),
    why=(
        "A `# noqa` left after the model was fixed, or put on the wrong line, silences the next "
        "finding of that code there without anyone deciding it."
    ),
    example=(
        "model = Sequential([\n"
        "    Dense(64, activation=\"relu\", input_shape=(8,)),  # noqa: KA101\n"
        "    Dense(1),\n"
        "])\n"
    ),
    instead=(
        "model = Sequential([\n"
        "    Dense(64, activation=\"relu\", input_shape=(8,)),\n"
        "    Dense(1),\n"
        "])\n"
    ),
    fix=(
        "`flake8-keras-activation fix` takes the unused codes out of the comment, and the whole "
        "`# noqa` when no code is left (text after it stays a comment): `# noqa: E501, KA101` becomes "
        "`# noqa: E501`. What the comment silences is unchanged."
    ),
    fix_safety=SAFE,
    limits=(
        "A bare `# noqa` is never reported: it may silence another tool's finding (a line too long), "
        "which this tool cannot see. A `# noqa` inside a string is not a comment and is not judged, "
        "though flake8 reads it. A file that never names Keras is not read, nor its comments. Under "
        "flake8, `--disable-noqa` makes every comment silence nothing, and KA900 does not know it."
    ),
)

CODES = (KA900,)
