"""The standalone command: check, fix and explain, around the same analysis as the flake8 plugin."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from typing import Callable, Sequence

from . import __version__
from .catalog import LINEAR_ACTIVATIONS
from .codes import CODES, SAFE, UNSAFE, Code, applied, fix_offered
from .config import ACTIVATION_NAME, ConfigError, Configurations, Overrides, Config, selection
from .discovery import Unreadable, discover
from .documents import (
    Document,
    DocumentError,
    Fixed,
    Interrupted,
    Located,
    NotWritten,
    Problem,
    WriteFailed,
    from_bytes,
    load_for_writing,
    printable,
    read_stream,
    settle_interrupted,
    write_fixed,
)
from .formats import FORMATS, Style, wants_colour
from .formats import render as render_report
from .rules.collapse import DEFAULT_ACTIVATION, with_activation
from .selection import parse_codes
from .source import source_lines
from .workers import Task, check_all, default_jobs

PROG = "flake8-keras-activation"
SERVER_HINT = f"{PROG} server needs pygls: pip install 'flake8-keras-activation[lsp]'"
RUNTIME_HINT = f"{PROG} confirm needs Keras: pip install 'flake8-keras-activation[runtime]'"

# flake8's convention, which pre-commit relies on: 1 means "look at this"
EXIT_CLEAN = 0
EXIT_ATTENTION = 1
EXIT_USAGE = 2

_CODE_SPAN = re.compile(r"`[^`]*`")
_UNBREAKABLE = "\0"  # stands for a space inside a code span while the text is wrapped


# ---- arguments ------------------------------------------------------------------------------


def _activation(value: str) -> str:
    if not ACTIVATION_NAME.match(value):
        raise argparse.ArgumentTypeError(f"not an activation name: {value!r}")
    if value in LINEAR_ACTIVATIONS:
        raise argparse.ArgumentTypeError(f"{value!r} is linear: it would not fix anything")
    return value


def _call(value: str) -> str:
    module, _, function = value.partition(":")
    if not module or not function:
        raise argparse.ArgumentTypeError(f"expected MODULE:FUNCTION, got {value!r}")
    return value


def _shape(value: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in value.replace(" ", "").split(",") if part)
    except ValueError:
        shape = ()
    if not shape or any(d <= 0 for d in shape):
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, got {value!r}")
    return shape


def _codes(value: str) -> list[str]:
    # as ruff does: a code or prefix that matches none of ours is a typo, not an empty selection
    codes = list(parse_codes(value))
    unknown = [code for code in codes if not any(known.startswith(code) for known in CODES)]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown code or prefix {', '.join(unknown)} (the codes are {', '.join(CODES)})"
        )
    return codes


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("which codes", "comma-separated codes or prefixes, as flake8 takes them")
    group.add_argument(
        "--select",
        type=_codes,
        action="extend",
        metavar="CODES",
        help="only these codes; an explicit selection also turns on codes that are off by default (KA104)",
    )
    group.add_argument("--extend-select", type=_codes, action="extend", default=[], metavar="CODES",
                       help="these codes as well as the default ones")
    group.add_argument("--ignore", type=_codes, action="extend", metavar="CODES",
                       help="leave these codes out (instead of the configuration's ignore)")
    group.add_argument("--extend-ignore", type=_codes, action="extend", default=[], metavar="CODES",
                       help="leave these codes out as well")
    config = parser.add_argument_group("configuration", "[tool.flake8-keras-activation] in pyproject.toml, else "
                                       "[flake8] in setup.cfg, tox.ini or .flake8, the nearest to each file")
    config.add_argument("--config", metavar="FILE", help="read this file instead, for every path")
    config.add_argument("--isolated", action="store_true", help="read no configuration file")
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="the name of the source read from - (for the configuration and the output)")


def _add_unsafe_option(parser: argparse.ArgumentParser, description: str) -> None:
    parser.add_argument("--unsafe-fixes", action=argparse.BooleanOptionalAction, default=None, help=description)


def _unsafe_fixes(args: argparse.Namespace, config: Config) -> bool:
    """The command line's --unsafe-fixes or --no-unsafe-fixes, else the configuration's unsafe-fixes."""
    return bool(config.unsafe_fixes) if args.unsafe_fixes is None else bool(args.unsafe_fixes)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def _columns(default: int = 80) -> int:
    """The terminal's width as shutil.get_terminal_size tells it, without importing shutil
    (and the three compression modules shutil imports): a one-file check starts faster."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else default


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's own formatter, given the width it would otherwise import shutil for on every run."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser with that formatter; its subcommands' parsers are made of this class too."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def _add_check(commands: argparse._SubParsersAction) -> None:
    check = commands.add_parser(
        "check",
        help="report findings in Python files and notebooks",
        description="Report the findings of the flake8 plugin in Python files and Jupyter notebooks. "
        "Exit status: 0 when clean, 1 when there are findings or files that cannot be read, 2 on usage errors.",
    )
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files, or directories to walk (default: the current directory); - reads stdin")
    check.add_argument("--format", choices=FORMATS, default="text",
                       help="output format (github: workflow commands that annotate a pull request; gitlab: a "
                       "Code Quality report for a merge request)")
    check.add_argument("--output-file", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--statistics", action="store_true", help="a count per code at the end")
    check.add_argument("--show-source", action="store_true", help="each finding's line, and a caret under it")
    check.add_argument("-q", "--quiet", action="count", default=0,
                       help="only the names of files with findings; twice: nothing (the exit status tells)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                       help="colour the text format (auto: on a terminal, unless NO_COLOR; FORCE_COLOR forces it)")
    check.add_argument("--add-noqa", action="store_true",
                       help="append `# noqa: CODE` to the line of every finding, to adopt the tool on old code")
    check.add_argument("-j", "--jobs", type=_positive, metavar="N",
                       help="processes to check files in (default: the number of CPUs)")
    _add_unsafe_option(check, "count (and mark [*]) the unsafe fixes as fixable too (default: the "
                       "configuration's unsafe-fixes, else no)")
    _add_selection_options(check)


def _add_fix(commands: argparse._SubParsersAction) -> None:
    fix = commands.add_parser(
        "fix",
        help="make the mechanical fixes: the safe ones, and with --unsafe-fixes the others",
        description="Rewrite files in place: the fixes that keep what the model computes (remove each "
        "ignored KA102 argument, give a recurrent layer its sequences for KA302) and, with --unsafe-fixes, "
        "those that change it (an activation for each KA101 layer, ...). Exit status: 1 when a file "
        "changed (or would, with --diff) or could not be fixed, else 0.",
    )
    fix.add_argument("paths", nargs="*", metavar="PATH",
                     help="files, or directories to walk (default: the current directory); - reads stdin and "
                     "writes the fixed source to stdout")
    fix.add_argument("--activation", type=_activation,
                     help="activation to add (default: the configuration's activation, else relu)")
    fix.add_argument("--diff", action="store_true", help="print a unified diff and write nothing")
    _add_unsafe_option(fix, "also make the fixes that change what the model computes (KA101, KA201-KA203, "
                       "KA210; default: the configuration's unsafe-fixes, else only the safe fixes)")
    _add_selection_options(fix)


def _add_explain(commands: argparse._SubParsersAction) -> None:
    explain = commands.add_parser("explain", help="a rule's documentation", description="Print a rule's documentation.")
    explain.add_argument("code", nargs="?", help="a code (KA101) or its name; none lists every code")


def _add_server(commands: argparse._SubParsersAction) -> None:
    server = commands.add_parser(
        "server",
        help="a language server over stdio, for editors (needs the lsp extra)",
        description="Run a Language Server Protocol server on stdin and stdout: diagnostics as you type, "
        "quick fixes, noqa actions and rule documentation on hover.",
    )
    server.add_argument("--stdio", action="store_true", help="accepted for clients that pass it; stdio is the default")


def _add_confirm(commands: argparse._SubParsersAction) -> None:
    confirm = commands.add_parser(
        "confirm",
        help="confirm findings by building the models with Keras (needs the runtime extra)",
        description="Build the models with Keras and confirm the static findings on the real layers. "
        "Exit status: 1 when a collapse is confirmed, 2 when any error occurred (a missing file, a model "
        "Keras refuses, a failed check), else 0.",
    )
    confirm.add_argument("paths", nargs="*", metavar="PATH", help="files, or directories to walk (as check does)")
    confirm.add_argument("--call", type=_call, metavar="MODULE:FUNCTION", help="a function that returns a model")
    confirm.add_argument(
        "--input-shape",
        type=_shape,
        metavar="N[,N...]",
        help="the shape of one input sample of the --call model, for subclassed models not yet called (5, or 28,28,1)",
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given a command, only that command's parser is built under it.

    argparse asks gettext for the headings of each parser it makes, which looks for translation
    files each time: the parsers of the four commands a run does not use cost a one-file check
    several milliseconds.
    """
    parser = _Parser(
        prog=PROG,
        description="Find (and fix) Keras layers that make a model collapse into one affine map.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (add, _) in COMMANDS.items():
        if command in (None, name):
            add(commands)
    return parser


def _overrides(args: argparse.Namespace) -> Overrides:
    return Overrides(
        select=tuple(args.select) if args.select is not None else None,
        extend_select=tuple(args.extend_select),
        ignore=tuple(args.ignore) if args.ignore is not None else None,
        extend_ignore=tuple(args.extend_ignore),
    )


def _configurations(args: argparse.Namespace) -> Configurations:
    return Configurations(args.config, args.isolated)


class _Files:
    """What the paths stand for: the files to read (each with its configuration), or stdin."""

    def __init__(self, args: argparse.Namespace, configurations: Configurations) -> None:
        paths = list(args.paths) or ["."]
        self.stdin = paths == ["-"]
        if "-" in paths and not self.stdin:
            raise ConfigError("- (stdin) cannot be checked with other paths")
        self.shown = args.stdin_filename or "stdin"
        self.paths = paths
        self.missing: tuple[str, ...] = ()
        self.files: tuple[str, ...] = ()
        self.unreadable: tuple[Unreadable, ...] = ()
        self.outside: dict[str, str] = {}  # walked links to files outside the walked directory
        self.excluded: tuple[str, ...] = ()  # named files the configuration excludes
        if not self.stdin:
            discovered = discover(paths, configurations)
            self.missing, self.files, self.unreadable = discovered.missing, discovered.files, discovered.unreadable
            self.excluded = discovered.excluded
            self.outside = dict(discovered.outside)

    def not_to_write(self, path: str, verb: str) -> Problem | None:
        """Why a file the walk found must not be written, if it must not: it is a link to a file
        outside the walked directory (`fix DIR` rewrites DIR, not what its links point to)."""
        root = self.outside.get(path)
        if root is None:
            return None
        target = os.path.realpath(path)
        return Problem(path, f"not {verb}: it links to {target}, outside {root}; name it to have it {verb}",
                       label="")

    def problems(self) -> list[Problem]:
        """What the paths could not tell: arguments that name nothing, directories that cannot be
        listed (their files may hold findings: never a silent exit 0)."""
        return [
            *(Problem(missing, "no such file or directory") for missing in self.missing),
            *(Problem(item.path, f"cannot be read: {item.reason}") for item in self.unreadable),
        ]

    def stdin_bytes(self) -> bytes:
        """stdin's bytes, within the limit a file has; DocumentError past it."""
        return read_stream(sys.stdin.buffer)


def _problem(problems: list[Problem], problem: Problem) -> None:
    problems.append(problem)
    print(problem, file=sys.stderr)


def _nothing_checked(files: _Files) -> None:
    # never a silent no-op: an empty directory, or one whose files are all excluded
    if not files.stdin and not files.files:
        excluded = set(files.excluded)
        if excluded:
            named = ", ".join(printable(path) for path in files.excluded)
            verb = "is" if len(excluded) == 1 else "are"
            print(f"{PROG}: nothing checked: {named} {verb} excluded by the configuration", file=sys.stderr)
        others = [path for path in files.paths if path not in excluded and path not in files.missing]
        if others or not excluded:
            shown = ", ".join(printable(path) for path in (others or files.paths))
            print(f"{PROG}: nothing checked: no Python file or notebook in {shown}", file=sys.stderr)


def _usage_error(error: ConfigError) -> int:
    print(f"{PROG}: error: {printable(str(error))}", file=sys.stderr)
    return EXIT_USAGE


def _unreadable_stdin(files: _Files, error: DocumentError) -> int:
    # nothing was analysed, and `fix -` has no whole input to give back: the run failed as a whole
    print(Problem(files.shown, str(error)), file=sys.stderr)
    return EXIT_USAGE


def _targets(args: argparse.Namespace, files: _Files, configurations: Configurations) -> list[tuple[str, Config]]:
    """Each path to work on with the configuration that governs it; stdin's is found from the
    --stdin-filename, else from the current directory."""
    if files.stdin:
        where = files.shown if args.stdin_filename else os.path.join(os.getcwd(), "-")
        return [(files.shown, configurations.for_path(where))]
    return [(path, configurations.for_path(path)) for path in files.files]


def run_check(args: argparse.Namespace) -> int:
    overrides = _overrides(args)
    try:
        configurations = _configurations(args)
        files = _Files(args, configurations)
        data = files.stdin_bytes() if files.stdin else None
        targets = _targets(args, files, configurations)
        tasks = [Task(path, selection(config, path, overrides), data=data) for path, config in targets]
        unsafe = {path: _unsafe_fixes(args, config) for path, config in targets}
        # the remedies name what `fix` would write: the configuration's activation
        activations = {path: config.activation or DEFAULT_ACTIVATION for path, config in targets}
    except ConfigError as error:
        return _usage_error(error)
    except DocumentError as error:
        return _unreadable_stdin(files, error)
    if args.add_noqa:
        if files.stdin:
            print(f"{PROG}: error: --add-noqa rewrites files; it cannot read stdin", file=sys.stderr)
            return EXIT_USAGE
        return _add_noqa(tasks, files)
    detail = args.format in ("sarif", "github", "gitlab")
    tasks = [t._replace(detail=detail, show_source=args.show_source) for t in tasks]
    problems: list[Problem] = []
    for problem in files.problems():
        _problem(problems, problem)
    _nothing_checked(files)
    findings: list[Located] = []
    for outcome in check_all(tasks, args.jobs or default_jobs()):
        findings.extend(
            item._replace(finding=with_activation(item.finding, activations.get(item.path, DEFAULT_ACTIVATION)),
                          fixable=applied(item.finding, unsafe.get(item.path, False)))
            for item in outcome.findings
        )
        for problem in outcome.problems:
            _problem(problems, problem)
    terminal = args.output_file is None and sys.stdout.isatty()
    style = Style(wants_colour(args.color, terminal), args.show_source, args.quiet, args.statistics)
    report = render_report(args.format, findings, problems, style)
    if args.output_file is not None:
        try:
            with open(args.output_file, "w", encoding="utf-8") as stream:
                stream.write(report)
        except OSError as error:
            print(f"{printable(args.output_file)}: error: cannot be written: {error.strerror or error}",
                  file=sys.stderr)
            return EXIT_USAGE
    else:
        sys.stdout.write(report)
    if args.format == "text" and not args.quiet and findings:
        sys.stdout.flush()  # the report first, then what can be fixed, as ruff ends its report
        print(_summary(findings, args.unsafe_fixes is True), file=sys.stderr)
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_ATTENTION if findings or problems else EXIT_CLEAN


def _plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else words or word + 's'}"


def _summary(findings: Sequence[Located], unsafe_on_command_line: bool) -> str:
    """ruff's closing line: how many findings, how many `fix` fixes ([*]), how many more it would
    with --unsafe-fixes. On stderr, so that stdout stays flake8's lines."""
    line = f"Found {_plural(len(findings), 'finding')}"
    fixable = sum(1 for item in findings if item.fixable)
    hidden = sum(1 for item in findings if not item.fixable and fix_offered(item.finding) == UNSAFE)
    if not fixable and not hidden:
        return line + "."
    unsafe = f"`{PROG} fix --unsafe-fixes`"
    parts = []
    if fixable:
        parts.append(f"[*] {fixable} fixable with {unsafe if unsafe_on_command_line else f'`{PROG} fix`'}")
    if hidden:
        parts.append(f"{hidden} more fixable with {unsafe}" if fixable else f"{hidden} fixable with {unsafe}")
    return f"{line}; {'; '.join(parts)}."


def _add_noqa(tasks: Sequence[Task], files: _Files) -> int:
    """Silence every current finding with a comment on its line; a second run finds nothing to add."""
    problems: list[Problem] = []
    for problem in files.problems():
        _problem(problems, problem)
    _nothing_checked(files)
    added = 0
    for task in tasks:
        try:
            document, interrupted = load_for_writing(task.path)
            located = document.findings(task.selection)
        except DocumentError as error:
            _problem(problems, Problem(task.path, str(error)))
            continue
        new, left = document.add_noqa(located) if located else (None, [])
        for item in left:
            print(f"{item.place}: {item.finding.code} not silenced: a comment there would change the code",
                  file=sys.stderr)
        if left:
            problems.append(Problem(task.path, "some findings could not be silenced"))
        if new is None:
            if interrupted is not None:
                _settle(task.path, interrupted, problems, "changed")
            continue
        refused = files.not_to_write(task.path, "changed")
        if refused is not None:
            _problem(problems, refused)
            continue
        if not _write(document, new, interrupted, problems, "changed"):
            continue
        added += len(located) - len(left)
        print(f"Added noqa comments to {printable(document.path)}", file=sys.stderr)
    print(f"{PROG}: {added} finding{'s' if added != 1 else ''} silenced", file=sys.stderr)
    return EXIT_ATTENTION if problems else EXIT_CLEAN


# ---- fix ------------------------------------------------------------------------------------


def _write(document: Document, new: str, interrupted: Interrupted | None, problems: list[Problem],
           verb: str) -> bool:
    """Write a fixed document (`verb`: what the user is told it was not, when it is not); whether it was."""
    try:
        notes = write_fixed(document.path, document.encode(new), document.stamp, interrupted)
    except NotWritten as reason:
        _problem(problems, Problem(document.path, str(reason).replace("not fixed", f"not {verb}"), label=""))
        return False
    except WriteFailed as error:
        _problem(problems, Problem(document.path, str(error)))
        return False
    except (OSError, UnicodeError) as error:
        _problem(problems, Problem(document.path, f"cannot be written: {error}"))
        return False
    for note in notes:  # an interrupted run finished, a backup left behind
        print(Problem(document.path, note, label=""), file=sys.stderr)
    return True


def _settle(path: str, interrupted: Interrupted, problems: list[Problem], verb: str) -> None:
    """An interrupted rewrite of a file that needs nothing now: its backup goes, or both stay and are named."""
    try:
        notes = settle_interrupted(path, interrupted)
    except NotWritten as reason:
        _problem(problems, Problem(path, str(reason).replace("not fixed", f"not {verb}"), label=""))
        return
    for note in notes:
        _problem(problems, Problem(path, note, label=""))


def _diff(path: str, old: str, new: str) -> str:
    import difflib

    shown = printable(path)  # the header is one line; the lines of code are the user's own
    lines = difflib.unified_diff(source_lines(old), source_lines(new), fromfile=shown, tofile=shown)
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines)


def run_fix(args: argparse.Namespace) -> int:
    from .installed import keep_to_installed

    keep_to_installed()  # `python -m` would import a repository's own libcst/ in place of libcst
    from .fix import FIXABLE  # libcst comes with it: only this command loads it

    overrides = _overrides(args)
    try:
        configurations = _configurations(args)
        files = _Files(args, configurations)
        targets = _targets(args, files, configurations)
        data = files.stdin_bytes() if files.stdin else None
    except ConfigError as error:
        return _usage_error(error)
    except DocumentError as error:
        return _unreadable_stdin(files, error)
    problems: list[Problem] = []
    for problem in files.problems():
        _problem(problems, problem)
    _nothing_checked(files)
    changed = 0
    unsafe_left = 0  # the unsafe fixes not made, for one line saying how to make them
    for path, config in targets:
        activation = args.activation or config.activation or DEFAULT_ACTIVATION
        unsafe = _unsafe_fixes(args, config)
        interrupted = None
        try:
            if data is not None:
                document = from_bytes(path, data)
            else:
                document, interrupted = load_for_writing(path)
            for problem in document.problems():
                _problem(problems, problem)
            wanted = selection(config, path, overrides)
            located = [item for item in document.findings(wanted) if item.finding.code in FIXABLE]
        except DocumentError as error:
            _problem(problems, Problem(path, str(error)))
            if data is not None:  # a filter never loses its input
                sys.stdout.buffer.write(data)
            continue
        if not unsafe:
            unsafe_left += sum(1 for item in located if fix_offered(item.finding) == UNSAFE)
            # every finding of a safe code still goes to the fixer, which says why one has no fix
            located = [item for item in located if CODES[item.finding.code].fix_safety == SAFE]
        outcome = _fixed(document, located, activation, problems)
        if data is not None:
            # a filter: the source always comes back, fixed where it could be, in its own encoding
            new = outcome.new if outcome is not None and outcome.new is not None else None
            sys.stdout.flush()
            sys.stdout.buffer.write(document.encode(new) if new is not None else data)
            continue
        if interrupted is not None and args.diff:
            # its bytes are a mix, or not what the diff would start from: only fix can sort it out
            _problem(problems, Problem(path, f"not fixed: {interrupted.backup}, left by an interrupted fix, is "
                                             "beside it; run fix to finish", label=""))
            continue
        if outcome is None or outcome.new is None:
            if interrupted is not None:
                _settle(path, interrupted, problems, "fixed")
            continue
        refused = files.not_to_write(path, "fixed")
        if refused is not None:  # --diff too: it shows what fix would write
            _problem(problems, refused)
            continue
        changed += 1
        if args.diff:
            sys.stdout.write(_diff(document.path, outcome.old, outcome.new))
            continue
        if _write(document, outcome.new, interrupted, problems, "fixed"):
            print(f"Rewriting {printable(document.path)}", file=sys.stderr)
    if unsafe_left and data is None:  # a filter's stderr is the editor's; it has its own way to offer them
        print(f"{PROG}: {_plural(unsafe_left, 'unsafe fix', 'unsafe fixes')} not made (they change what the "
              "model computes); --unsafe-fixes makes them", file=sys.stderr)
    return EXIT_ATTENTION if changed or problems else EXIT_CLEAN


def _fixed(document: Document, located: list[Located], activation: str, problems: list[Problem]) -> Fixed | None:
    if not located:
        return None
    try:
        outcome = document.fix(located, activation)
    except Exception as error:  # a bug of ours: leave the file alone and go on with the others
        message = f"not fixed: the fixer failed ({type(error).__name__}: {error}); please report it"
        _problem(problems, Problem(document.path, message))
        return None
    for problem in outcome.problems:
        _problem(problems, problem)
    for skip in outcome.skipped:
        print(f"{skip.located.place}: {skip.located.finding.code} not fixed: {printable(skip.reason)}",
              file=sys.stderr)
    return outcome


# ---- explain --------------------------------------------------------------------------------


def _find_code(name: str) -> Code | None:
    wanted = name.strip()
    for code in CODES.values():
        if wanted.upper() == code.code or wanted.lower() == code.slug:
            return code
    return None


def render(code: Code, width: int = 88) -> str:
    """A rule's documentation for the terminal: what, why, example, use instead, fix, limits."""
    import textwrap  # explain only, as shutil below: `check` on one file starts in milliseconds

    def prose(title: str, body: str) -> str:
        # a `code span` is never broken across lines
        kept = _CODE_SPAN.sub(lambda match: match.group().replace(" ", _UNBREAKABLE), body)
        wrapped = textwrap.fill(kept, width, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False)
        return f"{title}\n" + wrapped.replace(_UNBREAKABLE, " ")

    def source(title: str, body: str) -> str:
        return f"{title}\n\n" + textwrap.indent(body, "    ")

    return "\n\n".join(
        [
            f"{code.code} ({code.slug}): {code.summary}",
            prose("What it does", code.what),
            prose("Why is this bad?", code.why),
            source("Example", code.example).rstrip("\n"),
            source("Use instead", code.instead).rstrip("\n"),
            prose("Fix safety", code.fix_section),
            prose("Known limits", code.limits),
        ]
    ) + "\n"


def run_explain(args: argparse.Namespace) -> int:
    width = max(40, min(88, _columns(88) - 1))
    if args.code is None:
        name_width = max(len(code.slug) for code in CODES.values())
        for code in CODES.values():
            print(f"{code.code}  {code.slug:<{name_width}}  {code.summary}")
        print(f"\nRun `{PROG} explain CODE` for a rule's documentation.")
        return EXIT_CLEAN
    found = _find_code(args.code)
    if found is None:
        print(f"{PROG} explain: unknown code {args.code!r}; the codes are {', '.join(CODES)}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(render(found, width))
    return EXIT_CLEAN


# ---- confirm --------------------------------------------------------------------------------


def run_confirm(args: argparse.Namespace) -> int:
    # The runtime half needs Keras; it is imported only when asked for, on the lightest backend.
    if args.input_shape is not None and not args.call:
        print(f"{PROG} confirm: error: --input-shape is for the model of --call", file=sys.stderr)
        return EXIT_USAGE
    from .installed import Shadowed, installed_only

    # The whole run, not only `import keras`: Keras and its backends import modules lazily (scipy,
    # tensorflow, ...), and any of them found in the current directory would run.
    try:
        with installed_only():
            from .backends import BackendMissing, prepare_process

            prepare_process()  # before the runtime package is imported, which leaves a chosen backend alone
            try:
                from .runtime.backend import load_keras

                load_keras()
                confirm = importlib.import_module("flake8_keras_activation.runtime.confirm")
            except BackendMissing as error:
                print(f"{PROG} confirm: error: {error}", file=sys.stderr)
                return EXIT_USAGE
            except ImportError as error:
                print(f"{RUNTIME_HINT} ({error})", file=sys.stderr)
                return EXIT_USAGE
            return int(confirm.main(list(args.paths), args.call, input_shape=args.input_shape))
    except Shadowed as error:
        print(f"{PROG} confirm: error: {error}", file=sys.stderr)
        return EXIT_USAGE


def run_server(args: argparse.Namespace) -> int:
    # pygls is an optional dependency, imported only for this command, and from the installed
    # environment only (the editor may start the server in the project's directory, with -m)
    from .installed import keep_to_installed

    keep_to_installed()
    try:
        lsp = importlib.import_module("flake8_keras_activation.server.lsp")
    except ImportError as error:
        print(f"{SERVER_HINT} ({error})", file=sys.stderr)
        return EXIT_USAGE
    return int(lsp.serve())


# Each command, in the order the help lists them: what adds its parser, and what runs it.
COMMANDS: dict[str, tuple[Callable[[argparse._SubParsersAction], None], Callable[[argparse.Namespace], int]]] = {
    "check": (_add_check, run_check),
    "fix": (_add_fix, run_fix),
    "explain": (_add_explain, run_explain),
    "server": (_add_server, run_server),
    "confirm": (_add_confirm, run_confirm),
}


def _tolerant_output() -> None:
    """Paths and labels may hold characters the terminal's encoding lacks: escape them, never crash."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_output()
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments[0] if arguments and arguments[0] in COMMANDS else None)
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(f"{PROG}: error: a command is required ({', '.join(COMMANDS)})", file=sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command][1](args)
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, and keep Python from complaining at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ATTENTION
    except KeyboardInterrupt:
        return 130
