#!/usr/bin/env python3
"""Lists every trap left in Sources/ and fails when one is not justified.

A trap (precondition, fatalError, try!, as!, a force unwrap) that a file, a name, an event order, a setting, a
database row or a server reply can reach kills the daemon. Each one left in Sources must say why input cannot
reach it, in a comment starting with `trap:` on its line or in the comment block right above it, e.g.

    // trap: the model's own tensor names, checked when the weights were loaded
    func at(_ name: String) -> UnsafePointer<Float> { base + offsets[name]! }

Run by `make test` (and `make check-traps`). Exit status 1 lists the unjustified ones.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "Sources"

# A force unwrap: `x!` followed by `.`, `,`, `)`, `]`, `(`, space or the end of the line, not `!=`.
FORCE_UNWRAP = re.compile(r"[A-Za-z0-9_)\]]!(?=[.,)\](\s]|$)")
CALL_TRAPS = re.compile(r"\b(precondition|preconditionFailure|fatalError)\(|\btry!|\bas!")
STRING = re.compile(r'"(?:\\.|[^"\\])*"')


def code_of(line: str) -> str:
    """The line without string literals and without a trailing `//` comment."""
    code = STRING.sub('""', line)
    cut = code.find("//")
    return code if cut < 0 else code[:cut]


def comment_block_above(lines: list, index: int) -> list:
    """The `//` lines directly above `lines[index]`."""
    block = []
    while index > 0 and lines[index - 1].lstrip().startswith("//"):
        index -= 1
        block.append(lines[index])
    return block


def main() -> int:
    found, unjustified = 0, []
    for path in sorted(ROOT.rglob("*.swift")):
        lines = path.read_text(encoding="utf-8").splitlines()
        in_block_string = False
        for number, line in enumerate(lines, start=1):
            if line.count('"""') % 2 == 1:
                in_block_string = not in_block_string
                continue
            if in_block_string or line.lstrip().startswith("//"):
                continue
            code = code_of(line)
            if not (CALL_TRAPS.search(code) or FORCE_UNWRAP.search(code)):
                continue
            found += 1
            justified = "trap:" in line or any(
                comment.lstrip().startswith("// trap:") for comment in comment_block_above(lines, number - 1))
            relative = path.relative_to(ROOT.parent)
            print(f"{'ok  ' if justified else 'TRAP'} {relative}:{number}: {line.strip()}")
            if not justified:
                unjustified.append(f"{relative}:{number}")
    print(f"check_traps: {found} trap(s) in Sources, {len(unjustified)} without a `// trap:` reason")
    if unjustified:
        print("make each one an error that names the file or setting, or say why input cannot reach it", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
