"""README.md's shell blocks, checked without running them.

``check_readme(text, parser, run_all_options, exists)`` is pure: the README's text in, a list of
problems out, one line each with the README line it is about. It checks that

- every ``steeldefect <subcommand> ...`` names a subcommand that exists and that its flags parse
  (through the real argparse parser, passed in);
- every ``./run_all.sh --flag`` is one of the options ``./run_all.sh --help`` lists;
- every repository path a command names (``scripts/...``, ``configs/...``) exists;
- a block meant to run as written on a fresh clone after ``./run_all.sh`` shows no optional
  ``[--x y]`` parts, keeps its paths under ``runs/demo`` (what run_all.sh writes), and reads only what
  run_all.sh or an earlier command of the README wrote.

A block whose first line is ``# needs: <what>`` (the Kaggle data, a GPU, ...) is still parsed, but
is not expected to run on a fresh clone, so only the first three checks apply to it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from dataclasses import dataclass
from typing import Callable, Iterable

NEEDS_MARKER = "# needs:"  # first line of a block that does not run on a fresh clone after ./run_all.sh
SHELL_LANGUAGES = ("bash", "sh", "shell", "console")
DEMO = "runs/demo"  # ./run_all.sh's output folder with no argument
RUN_ALL_OUTPUTS = tuple(f"{DEMO}/{name}" for name in (
    "data/train.csv", "data/train_images", "data/test_images", "data/sample_submission.csv",
    "data/test_labels.csv", "folds.csv", "classifier", "segmenter", "thresholds.yaml", "submission.csv",
    "summary.json", "stage_times.tsv", "eda", "report"))
REPOSITORY_FOLDERS = ("scripts/", "configs/", "benchmarks/", "docs/", "requirements/")
SEPARATORS = {"|", "||", "&&", ";", "&", "(", ")", ";;"}
REDIRECTIONS = {">", ">>", "<", "2>", "&>", ">&"}
KEYWORDS = {"until", "while", "if", "then", "do", "else", "elif", "time", "!", "{", "}"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")


@dataclass(frozen=True)
class Block:
    """A fenced code block: its language, the README line of its opening fence, its lines."""

    line: int
    language: str
    lines: tuple[str, ...]

    @property
    def needs(self) -> str | None:
        """What the block needs beyond a fresh clone after ./run_all.sh (its ``# needs:`` line), or None."""
        first = next((s.strip() for s in self.lines if s.strip()), "")
        return first[len(NEEDS_MARKER):].strip() if first.startswith(NEEDS_MARKER) else None


@dataclass(frozen=True)
class Command:
    """One simple command of a block (pipes, ``&&``, ``;`` and ``&`` split a line into several)."""

    line: int  # README line where it starts
    words: tuple[str, ...]

    def __str__(self) -> str:
        return shlex.join(self.words)


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced block of a Markdown text, with its language tag ('' when none)."""
    blocks, open_fence, start, language, body = [], None, 0, "", []
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if open_fence is None and match:
            open_fence, start, language, body = match.group(2), number, match.group(3).lower(), []
        elif open_fence is not None and line.strip().startswith(open_fence) and not line.strip().strip(open_fence[0]):
            blocks.append(Block(start, language, tuple(body)))
            open_fence = None
        elif open_fence is not None:
            body.append(line)
    return blocks


def shell_blocks(text: str) -> list[Block]:
    return [b for b in fenced_blocks(text) if b.language in SHELL_LANGUAGES]


def _logical_lines(block: Block) -> Iterable[tuple[int, str]]:
    """(README line, text) of each command line, continuation lines (``\\``) joined; for a console
    block only the lines after a ``$`` prompt."""
    pending, first = "", 0
    for offset, raw in enumerate(block.lines, block.line + 1):
        line = raw
        if block.language == "console" and not pending:
            if not line.lstrip().startswith("$ "):
                continue
            line = line.lstrip()[2:]
        if not pending:
            first = offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        yield first, pending + line
        pending = ""
    if pending:
        yield first, pending


def _split(line: str) -> list[list[str]]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands, words, skip_next = [], [], False
    for token in lexer:
        if skip_next:
            skip_next = False
        elif token in SEPARATORS:
            commands.append(words)
            words = []
        elif token in REDIRECTIONS:
            skip_next = True
        else:
            words.append(token)
    commands.append(words)
    return commands


def block_commands(block: Block) -> list[Command]:
    """The simple commands of a shell block, without comments, ``VAR=value`` prefixes and keywords."""
    out = []
    for line, text in _logical_lines(block):
        for words in _split(text):
            while words and (ASSIGNMENT.match(words[0]) or words[0] in KEYWORDS):
                words = words[1:]
            if words:
                out.append(Command(line, tuple(words)))
    return out


def run_all_options(help_text: str) -> frozenset[str]:
    """The options ``./run_all.sh --help`` lists (every ``--name`` it mentions, plus ``-h``)."""
    return frozenset(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", help_text)) | {"-h", "--help"}


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return {name: sub for action in parser._actions if isinstance(action, argparse._SubParsersAction)
            for name, sub in action.choices.items()}


def _parse_error(parser: argparse.ArgumentParser, argv: list[str]) -> str | None:
    """What is wrong with ``steeldefect argv`` (None when it parses): an unknown subcommand, a flag the
    subcommand does not have (spelled out in full: no abbreviations), or argparse's own complaint."""
    subparsers = _subparsers(parser)
    if argv and not argv[0].startswith("-") and argv[0] not in subparsers:
        return f"unknown subcommand '{argv[0]}' (choose from {', '.join(sorted(subparsers))})"
    own = subparsers[argv[0]] if argv and argv[0] in subparsers else parser
    unknown = [w.split("=", 1)[0] for w in argv[1:] if w.startswith("--") and w.split("=", 1)[0] not in
               own._option_string_actions]
    if unknown:
        flags = sorted(f for f in own._option_string_actions if f.startswith("--"))
        return f"unknown flag {', '.join(unknown)} (steeldefect {argv[0]} takes {', '.join(flags)})"
    if "-h" in argv or "--help" in argv:
        return None  # asking for help always parses
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(argv)
    except SystemExit as stop:
        if stop.code:
            lines = [s for s in stderr.getvalue().splitlines() if s.strip()]
            return lines[-1] if lines else f"exit status {stop.code}"
    return None


def _is_steeldefect(words: tuple[str, ...]) -> int:
    """How many leading words name the steeldefect command (0 when it is another one)."""
    if words[0].rsplit("/", 1)[-1] == "steeldefect":
        return 1
    if len(words) > 2 and words[0].rsplit("/", 1)[-1].startswith("python") and words[1:3] == ("-m", "steeldefect"):
        return 3
    return 0


def _paths(word: str) -> list[str]:
    """The path-like parts of a word: itself, and what follows ``=`` or ``@`` (``--x=a``, ``image=@a``)."""
    parts = [word] + [word.split(sep, 1)[1] for sep in ("=", "@") if sep in word]
    return [p[2:] if p.startswith("./") else p for p in parts]


def _covered(path: str, written: list[str]) -> bool:
    return any(path == w or path.startswith(w + "/") or w.startswith(path + "/") for w in written)


def check_readme(text: str, parser: argparse.ArgumentParser, run_all_flags: Iterable[str],
                 exists: Callable[[str], bool] = lambda path: True,
                 written: Iterable[str] = RUN_ALL_OUTPUTS) -> list[str]:
    """Problems of the README's shell blocks, one line each (an empty list when there are none); see
    the module docstring. ``exists(path)`` tells whether a repository path exists; ``written`` is what
    ./run_all.sh leaves in runs/demo."""
    run_all_flags, written = frozenset(run_all_flags), list(written)
    problems = []
    for block in shell_blocks(text):
        runnable = block.needs is None
        for command in block_commands(block):
            where = f"README.md line {command.line} (block of line {block.line}): `{command}`"
            words = command.words
            offset = _is_steeldefect(words)
            if offset:
                error = _parse_error(parser, list(words[offset:]))
                if error:
                    problems.append(f"{where}: {error}")
            elif words[0].rsplit("/", 1)[-1] == "run_all.sh" or words[:2] == ("bash", "run_all.sh"):
                for word in words:
                    flag = word.split("=", 1)[0]
                    if flag.startswith("-") and flag not in run_all_flags:
                        problems.append(f"{where}: run_all.sh has no option {flag} (./run_all.sh --help)")
            for word in words:
                for path in _paths(word):
                    if path.startswith(REPOSITORY_FOLDERS) and not exists(path):
                        problems.append(f"{where}: {path} does not exist in the repository")
            if runnable:
                problems.extend(f"{where}: {p}" for p in _runnable_problems(words, offset, written))
    return problems


def _runnable_problems(words: tuple[str, ...], offset: int, written: list[str]) -> list[str]:
    """What stops a command from running as written after ./run_all.sh; records its outputs."""
    problems, outputs = [], []
    for i, word in enumerate(words):
        if word.startswith("[") or (word.endswith("]") and "[" not in word) or word == "...":
            problems.append(f"'{word}' looks like an optional part or a placeholder; write a real command")
            continue
        is_output = offset and i > 0 and words[i - 1] == "--out"
        for path in _paths(word):
            if path == "runs" or (path.startswith("runs/") and not _covered(path, [DEMO])):
                problems.append(f"{path} is not under {DEMO}, the folder ./run_all.sh writes")
            elif path.startswith("data/"):
                problems.append(f"{path} is not made by ./run_all.sh; its data is {DEMO}/data")
            elif path.startswith(DEMO + "/") and not is_output and not _covered(path, written + outputs):
                problems.append(f"{path} is neither written by ./run_all.sh nor by an earlier command")
            elif path.startswith(DEMO) and is_output:
                outputs.append(path)
    written.extend(outputs)
    return problems
