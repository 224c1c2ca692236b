"""Code for the linear-classifier page: the course's pure-TensorFlow classifier.

Every function takes the page's current settings and returns a complete, runnable
script. ``lib.lessons.linear.lab`` runs the same statements in the same order, so what
this code prints is what the page shows (a unit test runs both and compares).
"""

from __future__ import annotations

from lib.lessons.linear.lab import PRINT_HEAD, PRINT_TAIL, THRESHOLD, LinearSpec, clean


def _num(value: float) -> str:
    return repr(clean(value))


def _pair(values: tuple[float, float]) -> str:
    return f"[{_num(values[0])}, {_num(values[1])}]"


def _data(spec: LinearSpec) -> str:
    corr = _num(spec.corr)
    return f'''import numpy as np
import tensorflow as tf

# Two Gaussian classes. The course draws them unseeded; a seeded generator
# gives the same points every time, so your run matches the page.
num_samples_per_class = {spec.n_per_class}
rng = np.random.default_rng({spec.seed})
negative_samples = rng.multivariate_normal(
    mean={_pair(spec.mean_neg)}, cov=[[1, {corr}], [{corr}, 1]], size=num_samples_per_class)
positive_samples = rng.multivariate_normal(
    mean={_pair(spec.mean_pos)}, cov=[[1, {corr}], [{corr}, 1]], size=num_samples_per_class)
inputs = np.vstack((negative_samples, positive_samples)).astype(np.float32)
targets = np.vstack((np.zeros((num_samples_per_class, 1), dtype="float32"),
                     np.ones((num_samples_per_class, 1), dtype="float32")))
'''


def data_code(spec: LinearSpec) -> str:
    """Section 1: the data and the class means the page reports."""
    return _data(spec) + '''print("inputs:", inputs.shape, "targets:", targets.shape)
neg_mean = inputs[:num_samples_per_class].mean(axis=0)
pos_mean = inputs[num_samples_per_class:].mean(axis=0)
print(f"negative class mean: ({neg_mean[0]:.3f}, {neg_mean[1]:.3f})")
print(f"positive class mean: ({pos_mean[0]:.3f}, {pos_mean[1]:.3f})")
# To see them: plt.scatter(inputs[:, 0], inputs[:, 1], c=targets[:, 0])  (matplotlib)
'''


def _model(spec: LinearSpec) -> str:
    return f'''
# The model: predictions = inputs @ W + b. The course draws W unseeded;
# seed= makes the start the same in every fresh run.
input_dim = 2
output_dim = 1
W = tf.Variable(initial_value=tf.random.uniform(shape=(input_dim, output_dim), seed={spec.seed}))
b = tf.Variable(initial_value=tf.zeros(shape=(output_dim,)))


def model(inputs):
    return inputs @ W + b


def square_loss(targets, predictions):
    per_sample_losses = tf.square(targets - predictions)
    return tf.reduce_mean(per_sample_losses)


learning_rate = {_num(spec.learning_rate)}


def training_step(inputs, targets):
    with tf.GradientTape() as tape:
        predictions = model(inputs)
        loss = square_loss(targets, predictions)
    grad_loss_wrt_W, grad_loss_wrt_b = tape.gradient(loss, [W, b])
    W.assign_sub(grad_loss_wrt_W * learning_rate)
    b.assign_sub(grad_loss_wrt_b * learning_rate)
    return loss


'''


_STOP = '''    if not np.isfinite(loss):  # too large a learning rate: the loss blew up, so stop
        print("The loss is no longer a finite number: training diverged.")
        break
'''


def _loop(spec: LinearSpec, steps: int, quiet: bool = False) -> str:
    report = "" if quiet else '    print(f"Loss at step {step}: {loss:.4f}")\n'
    if spec.batch_size is None:
        return f'''# Full batch: every step uses all {spec.n_points} points
for step in range({steps}):
    loss = training_step(inputs, targets)
{report}{_STOP}'''
    return f'''# Mini-batches: every step uses the next batch_size points of a shuffled order
batch_size = {spec.batch_size}
batch_rng = np.random.default_rng({spec.seed})  # the order in which batches visit the points
steps_per_epoch = -(-len(inputs) // batch_size)  # steps for one pass over the data
for step in range({steps}):
    if step % steps_per_epoch == 0:  # a new pass over the data: reshuffle
        order = batch_rng.permutation(len(inputs))
    batch = order[(step % steps_per_epoch) * batch_size:][:batch_size]
    loss = training_step(inputs[batch], targets[batch])  # the loss of this batch
{report}{_STOP}'''


_RESULT = f'''
predictions = model(inputs)
accuracy = np.mean((predictions.numpy() > {THRESHOLD}) == targets)
print(f"Accuracy: {{accuracy:.4f}}")
print(f"W = [{{W[0, 0]:.4f}}, {{W[1, 0]:.4f}}], b = {{b[0]:.4f}}")
'''


def training_code(spec: LinearSpec) -> str:
    """Section 2: the course's whole program, data to accuracy, for the current settings."""
    note = ""
    if spec.steps > PRINT_HEAD + PRINT_TAIL:
        note = f"# It prints every step; the page shows the first {PRINT_HEAD} and the last {PRINT_TAIL}.\n"
    return _data(spec) + _model(spec) + note + _loop(spec, spec.steps) + _RESULT


def boundary_code(spec: LinearSpec, step: int, x_range: tuple[float, float]) -> str:
    """Section 3: train for ``step`` steps (the scrubber), then the decision boundary of that model."""
    x_min, x_max = (round(v, 2) for v in x_range)
    return _data(spec) + _model(spec) + f"# The scrubber is at step {step}: train that many steps\n" \
        + _loop(spec, step, quiet=True) + _RESULT + f'''
# The decision boundary: the points where the prediction is exactly {THRESHOLD}.
# inputs @ W + b = {THRESHOLD}  <=>  y = -W[0]/W[1] * x + ({THRESHOLD} - b)/W[1]
slope = -W[0, 0] / W[1, 0]
intercept = ({THRESHOLD} - b[0]) / W[1, 0]
print(f"boundary: y = {{slope:.4f}} * x + {{intercept:.4f}}")

x = np.linspace({x_min!r}, {x_max!r}, 100, dtype="float32")
y = -W[0] / W[1] * x + ({THRESHOLD} - b) / W[1]
on_line = model(np.stack([x, y], axis=1))
print(f"predictions on the line: {{float(tf.reduce_min(on_line)):.4f}} to {{float(tf.reduce_max(on_line)):.4f}}")
# To draw it: plt.plot(x, y, "-r"); plt.scatter(inputs[:, 0], inputs[:, 1], c=predictions[:, 0] > 0.5)
'''


def critical_code(spec: LinearSpec) -> str:
    """Section 4: the learning rate above which full-batch gradient descent diverges on this data."""
    return _data(spec) + '''
# The square loss is a quadratic bowl in (W, b). Its curvature is the Hessian
# 2/n * X~^T X~, where X~ is the inputs with a column of ones (for b).
x_tilde = np.hstack([inputs, np.ones((len(inputs), 1))]).astype(np.float64)
hessian = 2 * x_tilde.T @ x_tilde / len(inputs)
largest = np.linalg.eigvalsh(hessian).max()
# Gradient descent on a quadratic converges only if learning_rate < 2 / largest curvature
print(f"largest curvature: {largest:.4f}")
print(f"full-batch gradient descent diverges above learning rate {2 / largest:.4f}")
'''
