#!/usr/bin/env python3
# ragsync — deterministic markdown corpus for `make bench` (Python standard library only).
"""Writes N markdown files (1-8 KB, YAML frontmatter, headings, paragraphs, lists, tables, code) into nested
folders. The same seed and count always give the same bytes, so runs on different days compare.

    python3 bench/corpus.py DIR --files 1000 [--seed 42]

Also importable: `edit_paragraph`, `insert_paragraph_at_top` make the benchmark's edits deterministically.
"""

import argparse
import os
import random

SYLLABLES = ["ka", "lo", "mi", "ren", "tu", "sa", "vel", "do", "ni", "or", "pe", "qua", "ri", "st", "ta", "um",
             "ve", "xi", "yo", "ze", "an", "ber", "cor", "dis", "en", "fal", "gra", "hel", "in", "jor"]
TOPICS = ["projects", "experience", "talks", "notes", "skills", "education", "writing", "research"]
CATEGORIES = ["project", "experience", "skill", "education", "writing", "talk"]
LANGUAGES = ["swift", "python", "sql", "bash"]


def vocabulary(rng, size=3000):
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


class Writer:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.words = vocabulary(random.Random(seed ^ 0x5EED))

    def sentence(self, rng=None):
        rng = rng or self.rng
        words = [rng.choice(self.words) for _ in range(rng.randint(6, 18))]
        return words[0].capitalize() + " " + " ".join(words[1:]) + rng.choice([".", ".", ".", "?", "!"])

    def paragraph(self, rng=None):
        rng = rng or self.rng
        return " ".join(self.sentence(rng) for _ in range(rng.randint(2, 6)))

    def block(self):
        rng = self.rng
        kind = rng.random()
        if kind < 0.55:
            return self.paragraph()
        if kind < 0.75:
            return "\n".join(f"- {self.sentence()}" for _ in range(rng.randint(2, 6)))
        if kind < 0.88:
            header = "| " + " | ".join(rng.choice(self.words).capitalize() for _ in range(3)) + " |"
            rows = ["| " + " | ".join(rng.choice(self.words) for _ in range(3)) + " |" for _ in range(rng.randint(2, 5))]
            return "\n".join([header, "| --- | --- | --- |"] + rows)
        language = rng.choice(LANGUAGES)
        lines = [f"let {rng.choice(self.words)} = {rng.randint(0, 9999)}" for _ in range(rng.randint(2, 8))]
        return f"```{language}\n" + "\n".join(lines) + "\n```"

    def document(self, index):
        rng = self.rng
        target = rng.randint(1024, 7400)
        title = " ".join(rng.choice(self.words).capitalize() for _ in range(rng.randint(2, 4)))
        tags = ", ".join(rng.sample(self.words, 3))
        parts = [f"---\ntitle: {title} {index}\ncategory: {rng.choice(CATEGORIES)}\ntags: [{tags}]\n---\n",
                 f"# {title}\n"]
        size = sum(len(part) for part in parts)
        while size < target:
            if rng.random() < 0.25:
                part = "## " + " ".join(rng.choice(self.words) for _ in range(rng.randint(2, 6))).capitalize() + "\n"
            else:
                part = self.block() + "\n"
            if size + len(part) > 8192:
                break
            parts.append(part)
            size += len(part) + 1
        return "\n".join(parts)


def relative_path(index):
    """Nested folders, up to three levels: topic/group/file."""
    topic = TOPICS[index % len(TOPICS)]
    return os.path.join(topic, f"group-{index // 40 % 25:02d}", f"doc-{index:05d}.md")


def write_corpus(directory, files, seed=42):
    """Writes the corpus; returns (paths relative to directory, total bytes)."""
    writer = Writer(seed)
    paths, total = [], 0
    for index in range(files):
        path = relative_path(index)
        text = writer.document(index).encode()
        full = os.path.join(directory, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as handle:
            handle.write(text)
        paths.append(path)
        total += len(text)
    return paths, total


def edit_paragraph(text, seed):
    """Replaces one sentence of one paragraph in the body: a one-paragraph edit."""
    rng = random.Random(seed)
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines)
                  if line and line[0].isalpha() and line.count(".") + line.count("?") + line.count("!") >= 2]
    if not candidates:
        return text + f"\nEdited paragraph {seed}.\n"
    i = rng.choice(candidates)
    lines[i] = lines[i] + f" Revised in edit {seed} with a new closing sentence."
    return "\n".join(lines)


def insert_paragraph_at_top(text, paragraph):
    """Inserts a paragraph right after the document's first heading."""
    body_start = text.index("\n# ") + 1
    heading_end = text.index("\n", body_start) + 1
    return text[:heading_end] + "\n" + paragraph + "\n" + text[heading_end:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    paths, total = write_corpus(args.directory, args.files, args.seed)
    print(f"{len(paths)} files, {total / 1e6:.1f} MB in {args.directory}")


if __name__ == "__main__":
    main()


def pathological_files(seed=1):
    """Files that stress one document's memory and chunking, as name -> text: one 2 MB line, 20,000 one-line
    sections, a 60,000-row table, a 50,000-item list nested 40 deep, 30,000 headings cycling through six levels,
    a 150,000-line code block; and blocks with no end for megabytes: a 1 MB line of brackets, 8 MB of nested
    emphasis, a 5.6 MB paragraph of CRLF lines, 5.3 MB of lines ended by CR alone, a 2.2 MB table of 20,000 columns,
    and 20,000 tags over 800 sections; and millions of tiny blocks: 8.1 MB of one-letter paragraphs and 8 MB of
    empty fenced code blocks (each within RAGSYNC_MAX_FILE_BYTES' default of 8 MB)."""
    rng = random.Random(seed)
    words = ["alpha", "beta", "gamma", "delta", "vector", "index", "daemon", "folder", "markdown", "chunk"]
    # The later files draw from a generator of their own, so the earlier ones are the same as before they were added.
    later = random.Random(seed + 1)
    sections = "\n\n".join("## s%d\n\n%s" % (i, " ".join(later.choice(words) for _ in range(300))) for i in range(800))
    lines = ["line %d %s" % (i, later.choice(words)) for i in range(300000)]
    columns = 20000
    return {
        "single-line.md": " ".join(rng.choice(words) for _ in range(330000)),
        "sections.md": "\n\n".join("## s%d\n\nline %d" % (i, i) for i in range(20000)),
        "table.md": "| a | b | c |\n|---|---|---|\n" + "".join(
            "| %d | %s | %s |\n" % (i, rng.choice(words), rng.choice(words)) for i in range(60000)),
        "deep-list.md": "".join("  " * min(i % 40, 39) + "- item %d\n" % i for i in range(50000)),
        "many-headings.md": "".join("#" * (1 + i % 6) + " heading %d\n\nbody %d\n\n" % (i, i) for i in range(30000)),
        "code.md": "```\n" + "\n".join("let x%d = %d" % (i, i) for i in range(150000)) + "\n```\n",
        "brackets.md": "[" * 500000 + "a" + "]" * 500000 + "\n",
        "nested-emphasis.md": "".join("*" * (i % 50 + 1) + "w" for i in range(300000)) + "\n",
        "crlf-paragraph.md": "# t\r\n\r\n" + "\r\n".join(lines),
        "cr-only.md": "# t\r\r" + "\r".join(lines),
        "wide-table.md": "|" + "|".join("c%d" % i for i in range(columns)) + "|\n|" + "|".join("-" * columns) + "|\n"
                         + ("|" + "|".join("v" * columns) + "|\n") * 50,
        "many-tags.md": "---\ntitle: t\ntags: [" + ", ".join("t%d" % i for i in range(20000)) + "]\n---\n\n" + sections,
        "tiny-paragraphs.md": "a\n\n" * 2700000,
        "empty-fences.md": "```\n```\n" * 1000000,
    }
