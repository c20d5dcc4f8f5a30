"""The ```python blocks of a Markdown page, with the output each one prints.

An *output block* is a ```text fence right after a ```python block, marked by
the line ``<!-- output -->`` (invisible on GitHub and in the built docs)::

    ```python
    print(1 + 1)
    ```

    <!-- output -->
    ```text
    2
    ```

``tests/test_docs.py`` runs every block and compares what it prints with its
output block (doctest's rules: ``...`` matches anything, runs of whitespace
are equal); ``tools/docs_outputs.py`` writes the output blocks.
"""

import contextlib
import doctest
import io
import re

BLOCK = re.compile(
    r"^```python\n(?P<code>.*?)^```\n(?:\n<!-- output -->\n```text\n(?P<output>.*?)^```\n)?",
    re.MULTILINE | re.DOTALL,
)
_CHECKER = doctest.OutputChecker()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def blocks(text):
    """``(code, expected output or None)`` of every ```python block, in order."""
    return [(m.group("code"), m.group("output")) for m in BLOCK.finditer(text)]


def run(code, namespace, name):
    """Run one block in ``namespace``; return what it printed."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, name, "exec"), namespace)  # noqa: S102 - the docs' own code
    return out.getvalue()


def matches(expected, got):
    """Whether ``got`` is the ``expected`` output (doctest's ELLIPSIS and whitespace)."""
    return _CHECKER.check_output(expected, got, _FLAGS)


def with_outputs(text, outputs):
    """``text`` with each block's output block set to ``outputs[i]`` (None: kept).

    An empty output removes the block's output block.
    """
    found = iter(outputs)

    def replace(match):
        new = next(found)
        if new is None:
            return match.group(0)
        head = f"```python\n{match.group('code')}```\n"
        if not new:
            return head
        body = new if new.endswith("\n") else new + "\n"
        return f"{head}\n<!-- output -->\n```text\n{body}```\n"

    return BLOCK.sub(replace, text)
