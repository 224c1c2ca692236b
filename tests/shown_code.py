"""Run the code a page shows, as a learner who copies it would, and read back what it made."""

from __future__ import annotations

import contextlib
import io
import warnings


def run_shown_code(code: str, fresh_kernels: bool = False) -> tuple[dict, str]:
    """Execute a generated script; return its variables and what it printed.

    ``fresh_kernels`` clears TensorFlow's kernel cache first, so an op-level random seed
    acts as in a new process (the page's numbers come from such a first call).
    """
    if fresh_kernels:
        from tensorflow.python.eager import context

        context.context().clear_kernel_cache()
    namespace: dict = {"__name__": "__main__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. AutoGraph cannot read lambdas' source under exec
        exec(compile(code, "<generated>", "exec"), namespace)  # noqa: S102  (our own generated code)
    return namespace, out.getvalue()
