"""The fixer: a libcst codemod for the findings that have a mechanical fix (KA101, KA102, KA201-KA203, KA210,
KA301, KA302)."""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .catalog import ACTIVATION_LAYER, FROM_LOGITS_ARG, layer_info
from .catalog.torch import torch_activation_module
from .codes import FIXABLE
from .finding import Finding
from .noqa import same_tree
from .unused_noqa import UNUSED_NOQA, remove_unused
from .config import ACTIVATION_NAME
from .rules.collapse import DEFAULT_ACTIVATION

__all__ = ["DEFAULT_ACTIVATION", "FIXABLE", "FixError", "FixResult", "Skipped", "fix_source", "preferred_quote"]

_Whitespace = Union[cst.SimpleWhitespace, cst.ParenthesizedWhitespace]


class FixError(Exception):
    """The text cannot be fixed (libcst cannot parse it); it is left as it is."""


@dataclass(frozen=True)
class Skipped:
    finding: Finding
    reason: str


@dataclass(frozen=True)
class FixResult:
    text: str
    fixed: tuple[Finding, ...]
    skipped: tuple[Skipped, ...]

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


def preferred_quote(text: str) -> str:
    """`'` when the text's one-line string literals mostly use it, else `"`."""
    counts = {'"': 0, "'": 0}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.STRING:
                continue
            body = token.string.lstrip("rbuRBU")
            if body[:3] in ('"""', "'''") or body[:1] not in counts:
                continue  # docstrings are triple-quoted whatever the style
            counts[body[0]] += 1
    except (tokenize.TokenError, SyntaxError, ValueError):
        pass
    return "'" if counts["'"] > counts['"'] else '"'


@dataclass
class _Plan:
    """What to do to the call at one position."""

    activation: Finding | None = None
    remove: list[Finding] = field(default_factory=list)
    sigmoid: Finding | None = None  # KA201: "softmax" becomes "sigmoid"
    logits: Finding | None = None  # KA202 (from_logits off) or KA203 (from_logits on)
    linear: Finding | None = None  # KA210: the output layer's activation goes
    batchless: Finding | None = None  # KA301: `x.shape` becomes `x.shape[1:]`
    sequences: Finding | None = None  # KA302: the feeding recurrent layer returns its sequences
    done: bool = False

    def findings(self) -> list[Finding]:
        chosen = (self.activation, *self.remove, self.sigmoid, self.logits, self.linear, self.batchless, self.sequences)
        return [f for f in chosen if f is not None]


def _newline_in(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace)


def _carries_comments(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.ParenthesizedWhitespace) and (
        whitespace.first_line.comment is not None or bool(whitespace.empty_lines)
    )


def _join(
    before: cst.BaseParenthesizableWhitespace, after: cst.BaseParenthesizableWhitespace, last: bool
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace left where an argument was, from the whitespace on each side of it."""
    if isinstance(before, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace):
        # the argument had a line of its own: the line goes, with the comment at its end
        return before.with_changes(
            empty_lines=(*before.empty_lines, *after.empty_lines), indent=after.indent, last_line=after.last_line
        )
    if _newline_in(before):
        return after if last and not _carries_comments(before) else before
    if _newline_in(after):
        return after
    return after if last else before


def _remove_keyword(call: cst.Call, name: str) -> cst.Call:
    at = next((i for i, arg in enumerate(call.args) if arg.keyword is not None and arg.keyword.value == name), None)
    return call if at is None else _remove_argument(call, at)


def _remove_argument(call: cst.Call, at: int) -> cst.Call:
    """The call without its argument at index `at`, the layout around it kept."""
    args = list(call.args)
    removed = args[at]
    last = at == len(args) - 1
    after = removed.comma.whitespace_after if isinstance(removed.comma, cst.Comma) else removed.whitespace_after_arg
    del args[at]
    if at == 0:
        joined = _join(call.whitespace_before_args, after, last)
        if not args and not _carries_comments(joined):
            joined = cst.SimpleWhitespace("")
        return call.with_changes(args=args, whitespace_before_args=joined)
    previous = args[at - 1]
    assert isinstance(previous.comma, cst.Comma)  # it was followed by the removed argument
    joined = _join(previous.comma.whitespace_after, after, last)
    if last and not isinstance(removed.comma, cst.Comma):
        args[at - 1] = previous.with_changes(comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=joined)
    else:
        args[at - 1] = previous.with_changes(comma=previous.comma.with_changes(whitespace_after=joined))
    return call.with_changes(args=args)


def _line_break(indent_from: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    """A bare line break followed by the indentation of `indent_from`."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=(),
        indent=indent_from.indent,
        last_line=indent_from.last_line,
    )


def _end_line(closing: cst.BaseParenthesizableWhitespace, next_line: cst.ParenthesizedWhitespace) -> _Whitespace:
    """End the line at `closing` (keeping its comment) and indent the next one like `next_line`."""
    if isinstance(closing, cst.ParenthesizedWhitespace):
        return closing.with_changes(indent=next_line.indent, last_line=next_line.last_line)
    return next_line


def _before_closing(closing: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    return _line_break(closing) if isinstance(closing, cst.ParenthesizedWhitespace) else closing


def _append(call: cst.Call, new: cst.Arg) -> cst.Call:
    """Add an argument after the last one, in the layout the call already has."""
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if len(args) == 1:
        before: cst.BaseParenthesizableWhitespace = call.whitespace_before_args
    else:
        comma = args[-2].comma
        before = comma.whitespace_after if isinstance(comma, cst.Comma) else cst.SimpleWhitespace(" ")
    if isinstance(before, cst.ParenthesizedWhitespace):
        # one argument per line: the new one gets a line of its own, indented like the last one
        indent = _line_break(before)
        if isinstance(last.comma, cst.Comma):
            closing = last.comma.whitespace_after
            last = last.with_changes(comma=last.comma.with_changes(whitespace_after=_end_line(closing, indent)))
            new = new.with_changes(comma=cst.Comma(whitespace_after=_before_closing(closing)))
        else:
            closing = last.whitespace_after_arg
            last = last.with_changes(
                comma=cst.Comma(whitespace_after=_end_line(closing, indent)),
                whitespace_after_arg=cst.SimpleWhitespace(""),
            )
            new = new.with_changes(whitespace_after_arg=_before_closing(closing))
    elif isinstance(last.comma, cst.Comma):  # a trailing comma stays last
        new = new.with_changes(comma=last.comma)
        last = last.with_changes(comma=last.comma.with_changes(whitespace_after=cst.SimpleWhitespace(" ")))
    else:
        new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        last = last.with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")), whitespace_after_arg=cst.SimpleWhitespace("")
        )
    return call.with_changes(args=[*args[:-1], last, new])


def _literal(name: str, replacing: cst.BaseExpression | None, quote: str) -> cst.SimpleString:
    if isinstance(replacing, cst.SimpleString) and replacing.quote in ('"', "'"):
        quote = replacing.quote  # the user's own quotes, where the literal was
    return cst.SimpleString(f"{quote}{name}{quote}")


class _Fixer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, plans: dict[tuple[int, int], _Plan], activation: str, quote: str) -> None:
        super().__init__()
        self.plans = plans
        self.activation = activation
        self.quote = quote
        self.fixed: list[Finding] = []
        self.skipped: list[Skipped] = []

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if isinstance(original_node.func, cst.Call):
            return updated_node  # `Dense(8)(x)` starts where `Dense(8)` does, and findings name the constructor
        updated_node = self._insert_activations(original_node, updated_node)
        start = self.get_metadata(PositionProvider, original_node).start
        plan = self.plans.get((start.line, start.column))
        if plan is None or plan.done or _torch_only(plan):
            return updated_node  # a PyTorch module gets its activation from the Sequential that holds it
        plan.done = True
        call = updated_node
        for finding in plan.remove:
            if not finding.arguments:
                self.skipped.append(Skipped(finding, "no automatic fix: give the batch shape to keras.Input"))
                continue
            before = call
            for name in finding.arguments:
                call = _remove_keyword(call, name)
            if call is before:
                self.skipped.append(Skipped(finding, "the argument is not a keyword of the call"))
            else:
                self.fixed.append(finding)
        rewrites: list[tuple[Finding | None, Callable[[cst.Call, Finding], cst.Call | str]]] = [
            (plan.activation, self._activate),
            (plan.sigmoid, _sigmoid),
            (plan.logits, _logits),
            (plan.linear, _linear),
            (plan.batchless, _batchless),
            (plan.sequences, _sequences),
        ]
        for wanted, rewrite in rewrites:
            if wanted is None:
                continue
            changed = rewrite(call, wanted)
            if isinstance(changed, str):
                self.skipped.append(Skipped(wanted, changed))
            else:
                call = changed
                self.fixed.append(wanted)
        return call

    def _insert_activations(self, original: cst.Call, call: cst.Call) -> cst.Call:
        """KA101 on a PyTorch module in `nn.Sequential(...)`: an `nn.ReLU()` goes right after it, spelled
        as the module's own prefix (`nn.Linear` -> `nn.ReLU()`, `torch.nn.Linear` -> `torch.nn.ReLU()`)."""
        func = original.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if name != "Sequential":
            return call
        args = list(call.args)
        at = 0
        for original_arg in original.args:
            value = original_arg.value
            start = self.get_metadata(PositionProvider, value).start
            plan = self.plans.get((start.line, start.column))
            at += 1
            if plan is None or plan.done or not _torch_only(plan) or plan.activation is None:
                continue
            module = value.func if isinstance(value, cst.Call) else None
            if not isinstance(module, cst.Attribute):
                continue  # `Linear(...)` imported by name: ReLU may not be; left to the end's reason
            plan.done = True
            relu = cst.Call(func=cst.Attribute(value=module.value, attr=cst.Name(self._torch_activation())))
            index = at - 1
            current = args[index]
            if index == len(args) - 1:
                args = list(_append(call.with_changes(args=args), cst.Arg(value=relu)).args)
            else:
                args.insert(index + 1, cst.Arg(value=relu, comma=current.comma))
            at += 1
            self.fixed.append(plan.activation)
            call = call.with_changes(args=args)
        return call

    def _torch_activation(self) -> str:
        """The PyTorch module of the activation `fix` writes (`--activation gelu` -> `GELU`)."""
        return torch_activation_module(self.activation)

    def _activate(self, call: cst.Call, finding: Finding) -> cst.Call | str:
        """The call with a nonlinear activation, or why it cannot be given one safely."""
        args = list(call.args)
        for i, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == "activation":
                args[i] = arg.with_changes(value=_literal(self.activation, arg.value, self.quote))
                return call.with_changes(args=args)
        if any(arg.star == "*" for arg in args):
            return "the call unpacks *args: the activation's position is unknown"
        info = layer_info(finding.layer)
        index = info.activation_arg if info is not None else None
        positional = [i for i, arg in enumerate(args) if arg.keyword is None and not arg.star]
        if index is not None and index < len(positional):
            at = positional[index]
            args[at] = args[at].with_changes(value=_literal(self.activation, args[at].value, self.quote))
            return call.with_changes(args=args)
        if any(arg.star == "**" for arg in args):
            return "the call passes **kwargs, which may hold an activation"
        keyword = cst.Arg(
            keyword=cst.Name("activation"),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
            ),
            value=_literal(self.activation, None, self.quote),
        )
        return _append(call, keyword)


# Why a KA101 on a PyTorch module is left: `fix` inserts `nn.ReLU()` only among the arguments of an
# `nn.Sequential(...)` call, after a module spelled with its namespace (`nn.Linear`, `torch.nn.Linear`),
# so that the activation's name is bound too; in `forward` the activation belongs to the data flow.
_TORCH_BY_HAND = (
    "no mechanical fix: an nn.ReLU() is inserted only after a module written as nn.Linear(...) among the "
    "arguments of nn.Sequential(...); apply an activation after it by hand (in forward: F.relu, or an "
    "nn.ReLU() module)"
)


def _torch_only(plan: _Plan) -> bool:
    """The plan is KA101 on a PyTorch module: nothing to change in the module's own call."""
    return plan.activation is not None and plan.activation.layer.startswith("nn.") and not plan.findings()[1:]


def _string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _sigmoid(call: cst.Call, finding: Finding) -> cst.Call | str:
    """KA201: the layer's "softmax" activation string becomes "sigmoid", in the user's quotes."""
    args = list(call.args)
    candidates = [i for i, arg in enumerate(args) if arg.keyword is not None and arg.keyword.value == "activation"]
    if not candidates:
        info = layer_info(finding.layer)
        index = 0 if finding.layer == ACTIVATION_LAYER else info.activation_arg if info is not None else None
        positional = [i for i, arg in enumerate(args) if arg.keyword is None and not arg.star]
        if any(arg.star == "*" for arg in args):
            return "the call unpacks *args: the activation's position is unknown"
        if index is not None and index < len(positional):
            candidates = [positional[index]]
    for at in candidates:
        value = args[at].value
        if _string_value(value) == "softmax" and isinstance(value, cst.SimpleString):
            args[at] = args[at].with_changes(value=_literal("sigmoid", value, '"'))
            return call.with_changes(args=args)
    return 'the softmax is not a "softmax" string argument of the call (a Softmax layer or a call): change it by hand'


def _linear(call: cst.Call, finding: Finding) -> cst.Call | str:
    """KA210: the output layer's activation argument goes, so that the layer is linear."""
    if not finding.arguments:
        return "no mechanical fix: the activation is not an argument of the output layer"
    args = list(call.args)
    if any(arg.keyword is not None and arg.keyword.value == "activation" for arg in args):
        return _remove_keyword(call, "activation")
    if any(arg.star for arg in args):
        return "the call unpacks arguments: the activation's position is unknown"
    info = layer_info(finding.layer)
    index = info.activation_arg if info is not None else None
    positional = [i for i, arg in enumerate(args) if arg.keyword is None]
    if index is None or index >= len(positional):
        return "the activation is not an argument of the call"
    at = positional[index]
    if at == positional[-1]:
        return _remove_argument(call, at)
    # later positional arguments keep their places: the activation becomes None, which is linear
    args[at] = args[at].with_changes(value=cst.Name("None"))
    return call.with_changes(args=args)


def _batchless(call: cst.Call, finding: Finding) -> cst.Call | str:
    """KA301: the input shape `x.shape` becomes `x.shape[1:]`, the shape of one sample."""
    if not finding.arguments:
        return "no mechanical fix: give the shape of one sample"
    name = finding.arguments[0]
    args = list(call.args)
    at = next((i for i, arg in enumerate(args) if arg.keyword is not None and arg.keyword.value == name), None)
    if at is None and name == "shape" and args and args[0].keyword is None and not args[0].star:
        at = 0
    if at is None:
        return f"{name} is not an argument of the call"
    value = args[at].value
    if not (isinstance(value, cst.Attribute) and value.attr.value == "shape"):
        return "the shape is not written as x.shape"
    rest = cst.SubscriptElement(cst.Slice(lower=cst.Integer("1"), upper=None))
    args[at] = args[at].with_changes(value=cst.Subscript(value=value, slice=[rest]))
    return call.with_changes(args=args)


def _sequences(call: cst.Call, finding: Finding) -> cst.Call | str:
    """KA302: the recurrent layer that feeds another one returns its whole sequence."""
    if not finding.arguments:
        return "no mechanical fix: " + finding.message.rsplit("; ", 1)[-1]
    args = list(call.args)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == "return_sequences":
            args[i] = arg.with_changes(value=_bool(True))
            return call.with_changes(args=args)
    if any(arg.star == "**" for arg in args):
        return "the call passes **kwargs, which may hold return_sequences"
    keyword = cst.Arg(
        keyword=cst.Name("return_sequences"),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
        value=_bool(True),
    )
    return _append(call, keyword)


def _no_fix(finding: Finding) -> str:
    """Why a loss finding has no mechanical fix, with the remedy its message names."""
    return "no mechanical fix: " + finding.message.rsplit("; ", 1)[-1]


def _bool(value: bool) -> cst.Name:
    return cst.Name("True" if value else "False")


def _logits(call: cst.Call, finding: Finding) -> cst.Call | str:
    """KA202: remove `from_logits=True`; KA203: give the loss `from_logits=True`."""
    if not finding.arguments:
        return _no_fix(finding)
    wanted = finding.code == "KA203"
    args = list(call.args)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == "from_logits":
            if wanted:
                args[i] = arg.with_changes(value=_bool(True))
                return call.with_changes(args=args)
            return _remove_keyword(call, "from_logits")
    if any(arg.star for arg in args):
        return "the call unpacks arguments, which may hold from_logits"
    index = FROM_LOGITS_ARG.get(finding.layer.rsplit(".", 1)[-1])
    positional = [i for i, arg in enumerate(args) if arg.keyword is None]
    if index is not None and index < len(positional):
        at = positional[index]
        args[at] = args[at].with_changes(value=_bool(wanted))
        return call.with_changes(args=args)
    if not wanted:
        return "from_logits is not an argument of the call"
    keyword = cst.Arg(
        keyword=cst.Name("from_logits"),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
        value=_bool(True),
    )
    return _append(call, keyword)


def _plans(findings: Iterable[Finding]) -> dict[tuple[int, int], _Plan]:
    plans: dict[tuple[int, int], _Plan] = {}
    for finding in findings:
        if finding.code not in FIXABLE:
            continue
        # a KA102 finding points at its argument; the fix needs the call that holds it
        plan = plans.setdefault(finding.call or (finding.line, finding.col), _Plan())
        if finding.code == "KA101":
            plan.activation = plan.activation or finding
        elif finding.code == "KA201":
            plan.sigmoid = plan.sigmoid or finding
        elif finding.code in ("KA202", "KA203"):
            plan.logits = plan.logits or finding
        elif finding.code == "KA210":
            plan.linear = plan.linear or finding
        elif finding.code == "KA301":
            plan.batchless = plan.batchless or finding
        elif finding.code == "KA302":
            plan.sequences = plan.sequences or finding
        else:
            plan.remove.append(finding)
    return plans


def fix_source(
    text: str, findings: Sequence[Finding], activation: str = DEFAULT_ACTIVATION, quote: str | None = None
) -> FixResult:
    """Apply the fixes for the findings of `text` that have one (FIXABLE); every other byte is kept.

    An unused `# noqa` code (KA900) is taken out of its comment first, as text: only the end of its
    line changes, so every other finding keeps its position for the rewrite of the calls."""
    if not ACTIVATION_NAME.match(activation):
        raise ValueError(f"not an activation name: {activation!r}")
    comments = [finding for finding in findings if finding.code == UNUSED_NOQA]
    if not comments:
        return _fix_calls(text, findings, activation, quote)
    uncommented, fixed = remove_unused(text, comments)
    if fixed and not same_tree(text, uncommented):  # never: a comment token holds no code
        raise FixError("removing the unused noqa codes would change the code; left unchanged")
    result = _fix_calls(uncommented, [f for f in findings if f.code != UNUSED_NOQA], activation, quote)
    skipped = [Skipped(f, "the comment is not where it was found") for f in comments if f not in fixed]
    return FixResult(result.text, (*fixed, *result.fixed), (*skipped, *result.skipped))


def _fix_calls(text: str, findings: Sequence[Finding], activation: str, quote: str | None) -> FixResult:
    """The rewrites of calls and arguments, by libcst."""
    plans = _plans(findings)
    if not plans:
        return FixResult(text, (), ())
    try:
        module = cst.parse_module(text)
    except Exception as error:  # libcst reports its own syntax errors; any failure leaves the text alone
        first = str(error).strip().splitlines()
        raise FixError(f"libcst cannot parse it: {first[0] if first else type(error).__name__}") from None
    # libcst drops a file's final lone "\r" (a classic-Mac line ending); anything else that does
    # not come back byte for byte is a text we must not rewrite.
    echoed = module.code
    if echoed != text and not (text.startswith(echoed) and text[len(echoed) :] == "\r"):
        raise FixError("libcst does not reproduce it byte for byte; left unchanged")
    lost = text[len(echoed) :]
    fixer = _Fixer(plans, activation, quote or preferred_quote(text))
    new = MetadataWrapper(module, unsafe_skip_copy=True).visit(fixer).code + lost
    skipped = list(fixer.skipped)
    for plan in plans.values():
        if not plan.done:
            for finding in plan.findings():
                if finding.code in ("KA202", "KA203") and not finding.arguments:
                    skipped.append(Skipped(finding, _no_fix(finding)))
                elif finding.code == "KA101" and finding.layer.startswith("nn."):
                    skipped.append(Skipped(finding, _TORCH_BY_HAND))
                else:
                    skipped.append(Skipped(finding, "no call starts at the reported position"))
    if new != text:
        try:
            ast.parse(new)
        except (SyntaxError, ValueError) as error:  # never write a file that no longer parses
            raise FixError(f"the fixed text would not parse ({error}); left unchanged") from None
    fixed = tuple(f for f in fixer.fixed) if new != text else ()
    return FixResult(new, fixed, tuple(skipped))
