"""Code for the tensors lesson, written from the same parameters ``lib.lessons.tensors.lab`` uses.

Every snippet is a complete script; the unit tests execute each one and compare
its variables with ``lib.lessons.tensors.lab``'s results.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lib.lessons.tensors.lab import VAR_SEED, counting_values, shape_code


def _num(x: float) -> str:
    """A float as a short Python literal (``0.5``, ``-1.0``)."""
    return repr(float(round(float(x), 6)))


def _literal(values: np.ndarray) -> str:
    return repr(np.asarray(values).tolist())


# --------------------------------------------------------------------------- 1. constants

CONST_LABELS = {"ones": "tf.ones", "zeros": "tf.zeros", "constant": "tf.constant"}


def constant_code(kind: str, shape: tuple[int, ...], dtype: str) -> str:
    if kind == "constant":
        make = f'tf.constant({_literal(counting_values(shape))}, dtype="{dtype}")'
    else:
        make = f'tf.{kind}(shape={shape_code(shape)}, dtype="{dtype}")'
    return f"""import tensorflow as tf

x = {make}
print(x)
print("shape:", x.shape)
print("dtype:", x.dtype.name)
print("ndim:", x.ndim)
"""


# --------------------------------------------------------------------------- 2. random tensors


def _random_tail(first: int) -> str:
    return f"""print("first values:", x[:{first}].numpy())
print("sample mean:", tf.reduce_mean(x).numpy())
print("sample std: ", tf.math.reduce_std(x).numpy())
"""


def normal_code(count: int, mean: float, stddev: float, seed: int, first: int = 8) -> str:
    return f"""import tensorflow as tf

# seed= fixes this one operation's numbers: the same seed gives the same values
x = tf.random.normal(shape=({count},), mean={_num(mean)}, stddev={_num(stddev)}, seed={seed})
""" + _random_tail(first)


def uniform_code(count: int, minval: float, maxval: float, seed: int, first: int = 8) -> str:
    return f"""import tensorflow as tf

# seed= fixes this one operation's numbers: the same seed gives the same values
x = tf.random.uniform(shape=({count},), minval={_num(minval)}, maxval={_num(maxval)}, seed={seed})
""" + _random_tail(first)


# --------------------------------------------------------------------------- 3. immutability


def immutability_code() -> str:
    return """import numpy as np
import tensorflow as tf

a = np.ones(shape=(2, 2))
a[0, 0] = 0.0  # a NumPy array can be changed in place
print(a)

x = tf.ones(shape=(2, 2))
try:
    x[0, 0] = 0.0  # a TensorFlow tensor cannot
except TypeError as e:
    print("TypeError:", e)
"""


# --------------------------------------------------------------------------- 4. tf.Variable

VARIABLE_OP_LINES = {
    "assign_ones": "v.assign(tf.ones((3, 1)))",
    "assign_wrong_shape": "v.assign(tf.ones((3, 2)))",
    "assign_item": "v[0, 0].assign(3.)",
    "assign_add": "v.assign_add(tf.ones((3, 1)))",
    "assign_sub": "v.assign_sub(tf.ones((3, 1)))",
}


def variable_code(ops: Sequence[str], seed: int = VAR_SEED) -> str:
    """The Variable's whole history: creation, then every operation in order."""
    lines = [
        "import tensorflow as tf",
        "",
        f"v = tf.Variable(initial_value=tf.random.normal(shape=(3, 1), seed={seed}))",
        "print(v.numpy())",
    ]
    for op in ops:
        line = VARIABLE_OP_LINES[op]
        if op == "assign_wrong_shape":
            lines += ["try:", f"    {line}  # shape (3, 2) does not fit a (3, 1) variable",
                      "except ValueError as e:", '    print("ValueError:", e)']
        else:
            lines.append(line)
    lines.append("print(v.numpy())")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- 5. basic operations

OP_LABELS = {
    "add": "a + b",
    "mul": "a * b",
    "matmul": "tf.matmul(a, b)",
    "square": "tf.square(a)",
    "sqrt": "tf.sqrt(a)",
    "relu": "tf.nn.relu(a)",
    "reduce_mean": "tf.reduce_mean(a, axis)",
}
AXIS_LABELS = {"none": "None", "0": "0", "1": "1"}
OP_LINES = {
    "add": "c = a + b  # element-wise, with broadcasting",
    "mul": "c = a * b  # element-wise, with broadcasting",
    "matmul": "c = tf.matmul(a, b)  # the same as a @ b",
    "square": "c = tf.square(a)",
    "sqrt": "c = tf.sqrt(a)",
    "relu": "c = tf.nn.relu(a)",
}


def op_code(op: str, a: np.ndarray, b: np.ndarray | None = None, axis: int | None = None) -> str:
    lines = ["import tensorflow as tf", "", f"a = tf.constant({_literal(a)})"]
    if b is not None:
        lines.append(f"b = tf.constant({_literal(b)})")
    if op == "reduce_mean":
        lines.append(f"c = tf.reduce_mean(a, axis={axis})")
    else:
        lines.append(OP_LINES[op])
    lines += ["print(c)", 'print("shape:", c.shape)']
    return "\n".join(lines) + "\n"
