"""The docs say what the code does: rule sections, the commands, the shipped examples."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from flake8_keras_activation.codes import CODES, markdown
from tests.conftest import run_flake8

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_rules_are_as_generated_from_the_code_table() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    from generate_rules import rewrite

    assert rewrite(README) == README, "run python docs/generate_rules.py"
    for code in CODES.values():
        assert markdown(code) in README


def test_each_rule_section_follows_the_template() -> None:
    for code in CODES.values():
        section = markdown(code)
        for heading in ("**What it does.**", "**Why is this bad?**", "**Example**", "**Use instead**",
                        "**Fix safety.**", "**Known limits.**"):
            assert heading in section


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci_command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    assert ci_command in blocks
    assert "pytest" in ci_command


def test_shipped_examples_report_what_the_readme_shows() -> None:
    result = run_flake8([ROOT / "examples"], "--select=KA")
    shown = [
        line for line in README.splitlines() if re.match(r"examples/(collapsed_mlp|torch_mlp)\.py:\d+:\d+: KA", line)
    ]
    reported = [line.replace(str(ROOT) + "/", "") for line in result.stdout.splitlines()]
    assert reported == shown


def test_examples_of_each_rule_in_the_docs_behave_as_documented() -> None:
    from flake8_keras_activation import analyze_source

    imports = (
        "import numpy as np\nfrom keras import Sequential, layers, Input\nimport keras\n"
        "from keras.layers import Conv2D, Dense, Flatten, LSTM, MaxPooling2D\n"
    )
    torch_imports = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
    for code in CODES.values():
        # a PyTorch example (KA306's) gets PyTorch's imports instead
        head = torch_imports if "nn." in code.example else imports
        flagged = {f.code for f in analyze_source(head + code.example)}
        assert code.code in flagged, code.code
        assert analyze_source(head + code.instead) == [], code.code
