"""Code for the automatic-differentiation page (``tf.GradientTape``).

Every function takes the page's current settings and returns a complete,
runnable script. The operations and constants come from ``lib.lessons.autodiff.lab``,
which runs the same statements to get the numbers the page shows.
"""

from __future__ import annotations

from lib.lessons.autodiff.lab import (
    EXPR,
    GRAVITY_HALF,
    GRID_POINTS,
    SAMPLE_TARGET,
    SAMPLE_X,
    STEPS,
    X_RANGE,
    clean,
)


def _expr(fn: str, var: str) -> str:
    return EXPR[fn].format(v=var)


def tape_code(fn: str, x: float, h: str) -> str:
    """Section 1: the tape on f(x) and the finite-difference check (``h`` is a code from ``STEPS``)."""
    steps = ", ".join(STEPS)
    return f'''import tensorflow as tf

input_var = tf.Variable(initial_value={clean(x)!r})
with tf.GradientTape() as tape:
    result = {_expr(fn, "input_var")}
gradient = tape.gradient(result, input_var)
print(f"f(x)     = {{float(result):.4f}}")
print(f"gradient = {{float(gradient):.4f}}")


# Check: central finite difference (f(x + h) - f(x - h)) / 2h, in float32 like the tape
def f(x):
    return {_expr(fn, "x")}


h = {h}
finite_diff = (f(input_var + h) - f(input_var - h)) / (2 * h)
difference = abs(float(gradient) - float(finite_diff))
print(f"finite difference = {{float(finite_diff):.4f}}")
print(f"|difference|      = {{difference:.2e}}")

# The same check for every step size
errors = {{}}
for step in [{steps}]:
    fd = (f(input_var + step) - f(input_var - step)) / (2 * step)
    errors[step] = abs(float(gradient) - float(fd))
    print(f"h = {{step:.0e}}: |difference| = {{errors[step]:.2e}}")
'''


def curve_code(fn: str, x: float) -> str:
    """Section 2: the tangent at x and f' on the whole grid from one tape call."""
    lo, hi = X_RANGE
    return f'''import tensorflow as tf


def f(x):
    return {_expr(fn, "x")}


# The slope of the tangent at x0 is the tape's gradient there
x0 = tf.Variable({clean(x)!r})
with tf.GradientTape() as tape:
    y0 = f(x0)
slope = tape.gradient(y0, x0)
print(f"tangent: y = {{float(y0):.4f}} + {{float(slope):.4f}} * (x - {{float(x0)}})")

# f'(x) on the whole grid at once: one Variable holding {GRID_POINTS} points, one tape call.
# f acts element by element, so each point's gradient is f' at that point.
xs = tf.Variable(tf.linspace({lo!r}, {hi!r}, {GRID_POINTS}))
with tf.GradientTape() as tape:
    ys = f(xs)
dys = tape.gradient(ys, xs)
tangent = y0 + slope * (xs - x0)
print("x     :", xs.numpy()[::50])
print("f(x)  :", ys.numpy()[::50])
print("f'(x) :", dys.numpy()[::50])
'''


def two_variable_code(w: float, b: float) -> str:
    """Section 3: gradients of a squared error with respect to w and b."""
    return f'''import tensorflow as tf

w = tf.Variable({clean(w)!r})
b = tf.Variable({clean(b)!r})
x = tf.constant({SAMPLE_X!r})  # one training sample ...
target = tf.constant({SAMPLE_TARGET!r})  # ... and the answer we want for it
with tf.GradientTape() as tape:
    y = w * x + b
    loss = tf.square(y - target)
grad_w, grad_b = tape.gradient(loss, [w, b])
print(f"prediction = {{float(y):.4f}}, loss = {{float(loss):.4f}}")
print(f"d loss / d w = {{float(grad_w):.4f}}")
print(f"d loss / d b = {{float(grad_b):.4f}}")
'''


def watch_code(fn: str, x: float, watch: bool) -> str:
    """Section 4: a gradient with respect to a constant, with or without ``tape.watch``."""
    watch_line = "tape.watch(input_const)" if watch else "# tape.watch(input_const)  # not watched"
    return f'''import tensorflow as tf

input_const = tf.constant({clean(x)!r})
with tf.GradientTape() as tape:
    {watch_line}
    result = {_expr(fn, "input_const")}
gradient = tape.gradient(result, input_const)
print(gradient)
'''


def falling_code(t0: float) -> str:
    """Section 5: the course's position -> speed -> acceleration with nested tapes."""
    return f'''import tensorflow as tf

time = tf.Variable({clean(t0)!r})
with tf.GradientTape() as outer_tape:
    with tf.GradientTape() as inner_tape:
        position = {GRAVITY_HALF!r} * time ** 2
    speed = inner_tape.gradient(position, time)
acceleration = outer_tape.gradient(speed, time)
print(f"position     = {{float(position):.4f}}")
print(f"speed        = {{float(speed):.4f}}")
print(f"acceleration = {{float(acceleration):.4f}}")
'''


def second_code(fn: str, x: float) -> str:
    """Section 5: f' and f'' of the chosen function at x with the same nested tapes."""
    return f'''import tensorflow as tf

input_var = tf.Variable({clean(x)!r})
with tf.GradientTape() as outer_tape:
    with tf.GradientTape() as inner_tape:
        result = {_expr(fn, "input_var")}
    first = inner_tape.gradient(result, input_var)
second = outer_tape.gradient(first, input_var)
print(f"f'(x)  = {{float(first):.4f}}")
print(f"f''(x) = {{float(second):.4f}}")
'''
