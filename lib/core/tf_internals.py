"""The places the course touches TensorFlow's private internals, and why: memory.

A server that trains a new model structure leaks about 3.7 MB per structure, for
good (``python tests/bench/bench_memory.py structures``), because of one line in
Keras: its TensorFlow optimizer sums the gradients over replicas with
``tf.distribute.get_replica_context().all_reduce``, which wraps the sum in
``tf.custom_gradient``. Traced in a graph (every ``fit`` and every ``tf.function``
train step), ``custom_gradient`` registers a gradient function under a fresh name,
``CustomGradient-N``, in TensorFlow's process-wide gradient registry and never
removes it. That function closes over the traced graph, so the graph, its loop
bodies and their runtime functions outlive the model. Nothing ever differentiates
an optimizer's all-reduce (the gradients are taken before it), so the engine drops
those entries after every job: ``release_all_reduce_gradients``.

What TensorFlow's runtime still keeps per new structure after that (about 0.7 MB,
native) goes back to the system when a training worker process is replaced
(``lib.core.workers``). Clearing the eager kernel cache as well halved it in-process,
but re-created kernels once gave a pooled model's validation loss a last-bit
difference, so the course does not do it.

``tests/core/test_tf_internals.py`` fails when the registry moves or the entries
stop looking as expected; in the server a change is logged once and ignored.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)
_PREFIX = "CustomGradient-"
_warned = False


def _registry() -> dict[str, Any]:
    from tensorflow.python.framework import ops

    return ops._gradient_registry._registry  # noqa: SLF001  (no public way to unregister)


def _user_grad_fn(registered: Any) -> Any:
    """``custom_gradient``'s registered wrapper -> its ``tape_grad_fn`` -> the user's ``grad_fn``."""
    cells = dict(zip(registered.__code__.co_freevars, registered.__closure__ or (), strict=True))
    tape = cells["tape_grad_fn"].cell_contents
    inner = dict(zip(tape.__code__.co_freevars, tape.__closure__ or (), strict=True))
    return inner["grad_fn"].cell_contents


def all_reduce_gradient_names() -> list[str]:
    """Registry names of the all-reduce gradients left by traced optimizer steps (raises if TF changed)."""
    names = []
    for name, entry in list(_registry().items()):  # a copy: other threads may be tracing
        if name.startswith(_PREFIX) and ".all_reduce." in _user_grad_fn(entry["type"]).__qualname__:
            names.append(name)
    return names


def release_all_reduce_gradients() -> int:
    """Drop those entries, so that finished graphs can be freed; how many went."""
    global _warned
    try:
        names = all_reduce_gradient_names()
        registry = _registry()
    except Exception:  # a TensorFlow whose internals moved: keep training, say so once
        if not _warned:
            _warned = True
            log.warning("TensorFlow internals changed: traced graphs are no longer released "
                        "(see lib/core/tf_internals.py)", exc_info=True)
        return 0
    for name in names:
        registry.pop(name, None)
    return len(names)
