"""Every control of the tensors lesson, declared once (see ``lib.core.controls``).

Choices hold stable codes (the URL keeps them); ``lib.lessons.tensors.lab`` reads its
option lists from here, so the page and the lab offer the same choices.
"""

from lib.core.controls import Control, Table

CONTROLS = Table("tensors", [
    # 1. constants
    Control("ckind", "select", "ones", "tensors.const_kind", options=("ones", "zeros", "constant")),
    Control("shape", "select", "2x3", "tensors.const_shape", options=("4", "2x3", "3x4", "2x2x3")),
    Control("dtype", "select", "float32", "tensors.const_dtype", options=("float32", "int32", "float64")),
    # 2. random tensors
    Control("count", "slider", 1000, "tensors.rand_count", 10, 5000, 10),
    Control("seed", "slider", 42, "tensors.rand_seed", 0, 99, 1),
    Control("rmean", "slider", 0.0, "tensors.rand_mean", -3.0, 3.0, 0.1),
    Control("rstd", "slider", 1.0, "tensors.rand_std", 0.1, 3.0, 0.1),
    Control("urange", "range", (0.0, 1.0), "tensors.rand_range", -5.0, 5.0, 0.5),
    # 5. basic operations
    Control("op", "select", "add", "tensors.ops_op",
            options=("add", "mul", "matmul", "square", "sqrt", "relu", "reduce_mean")),
    Control("sa", "select", "2x3", "tensors.ops_a", options=("2x3", "3x2", "3", "1x3", "2x1", "3x3")),
    Control("sb", "select", "3", "tensors.ops_b", options=("2x3", "3x2", "3", "1x3", "2x1", "3x3"),
            help="tensors.ops_b_help"),
    Control("axis", "select", "none", "tensors.ops_axis", options=("none", "0", "1")),  # None is no URL code
])
