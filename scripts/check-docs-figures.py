#!/usr/bin/env python3
"""Checks that no figure of an earlier README was lost when its text moved into docs/.

Usage: python3 scripts/check-docs-figures.py [REV]   (default REV: the commit before README.md was split)

Every line of REV's README.md that holds a digit (prose, table rows, pasted output) must appear in today's README.md
or a page under docs/, compared with runs of white space made one space, so that text re-wrapped into another
paragraph still matches. A prose line whose wording changed passes when its numbers appear in the same order in one
paragraph of the new text ("numbers kept"); every picture the old README showed must still be shown. Prints each
missing line and exits 1 if there is one.
"""
import pathlib, re, subprocess, sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_REV = "1aeb398"  # the last commit with the README in one page (1,098 lines)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def collapse(text):
    return re.sub(r"\s+", " ", text).strip()


def main():
    rev = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_REV
    old = subprocess.run(["git", "show", f"{rev}:README.md"], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    texts = [p.read_text(encoding="utf-8") for p in pages]
    corpus = " ".join(collapse(t) for t in texts)
    paragraphs = [NUMBER.findall(p) for t in texts for p in re.split(r"\n\s*\n", t)]

    def numbers_kept(line):
        wanted = NUMBER.findall(line)
        for found in paragraphs:
            i = 0
            for n in found:
                if i < len(wanted) and n == wanted[i]:
                    i += 1
            if i == len(wanted):
                return True
        return False

    exact = kept = 0
    missing = []
    for number, line in enumerate(old.split("\n"), 1):
        if not re.search(r"\d", line):
            continue
        text = collapse(re.sub(r"^\s*(?:[-*] |\d+\. )", "", line))
        if text in corpus:
            exact += 1
        elif numbers_kept(line):
            kept += 1
            print(f"numbers kept, wording changed: {number}: {line.strip()[:110]}")
        else:
            missing.append((number, line))
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", old)
    lost_pictures = [p for p in pictures if pathlib.PurePosixPath(p).name not in corpus]
    for number, line in missing:
        print(f"MISSING {number}: {line.strip()}")
    for p in lost_pictures:
        print(f"MISSING picture: {p}")
    print(f"{exact + kept + len(missing)} number-bearing lines in {rev}:README.md: {exact} found as written, "
          f"{kept} with their numbers in order (wording changed), {len(missing)} missing; "
          f"{len(pictures) - len(lost_pictures)} of {len(pictures)} pictures shown")
    return 1 if missing or lost_pictures else 0


if __name__ == "__main__":
    sys.exit(main())
