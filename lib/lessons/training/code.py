"""Code for the training page: one complete, runnable script per section.

The statements are the ones ``lib.lessons.training.lab`` runs (same ops, same order,
float32), so each script prints the numbers the page shows for its settings.
"""

from __future__ import annotations

from lib.lessons.training.lab import MINIMUM, BatchSpec, DescentSpec, NetSpec


def _network_setup(spec: NetSpec) -> str:
    return f'''import tensorflow as tf

# One training sample and its target
x = tf.constant([[{spec.x1!r}, {spec.x2!r}]])  # shape (1, 2): x1, x2
target = {spec.target!r}

# Parameters. kernel[i, j] is the weight from input i to unit j (Keras' convention):
# row 1 holds w11, w12 (from x1), row 2 holds w21, w22 (from x2).
W_hidden = tf.Variable([[{spec.w11!r}, {spec.w12!r}], [{spec.w21!r}, {spec.w22!r}]])
b_hidden = tf.Variable([{spec.b1!r}, {spec.b2!r}])  # b1, b2
W_out = tf.Variable([[{spec.v1!r}], [{spec.v2!r}]])  # v1, v2
b_out = tf.Variable([{spec.c!r}])  # c
'''


_FORWARD = '''    z_hidden = x @ W_hidden + b_hidden  # z_j = w1j*x1 + w2j*x2 + b_j
    h = tf.sigmoid(z_hidden)  # hidden activations h1, h2
    z_out = h @ W_out + b_out  # v1*h1 + v2*h2 + c
    y = tf.sigmoid(z_out)  # the network's output
    loss = 0.5 * tf.reduce_sum(tf.square(y - target))  # L = 1/2 (y - t)^2
'''

_PRINT_FORWARD = '''print("z1, z2 =", z_hidden.numpy()[0])
print("h1, h2 =", h.numpy()[0])
print("z_out  =", float(z_out[0, 0]))
print("y      =", float(y[0, 0]))
print("loss   =", float(loss))
'''


def forward_code(spec: NetSpec) -> str:
    """Section 1: one forward pass through the 2-2-1 network."""
    body = _FORWARD.replace("\n    ", "\n").lstrip()
    return f'''{_network_setup(spec)}
# Forward pass
{body}
{_PRINT_FORWARD}'''


def backprop_code(spec: NetSpec) -> str:
    """Section 2: the forward pass on a tape, the gradients, one update, the new loss."""
    return f'''{_network_setup(spec)}
learning_rate = {spec.lr!r}
params = [W_hidden, b_hidden, W_out, b_out]

# Forward pass, recorded on a tape
with tf.GradientTape() as tape:
{_FORWARD}
# Backpropagation: dL/dp for every parameter p
grads = tape.gradient(loss, params)
for var, grad in zip(["W_hidden", "b_hidden", "W_out", "b_out"], grads):
    print(f"dL/d{{var}} =", grad.numpy().ravel())

# One gradient-descent step: p <- p - learning_rate * dL/dp
loss_before = float(loss)
for var, grad in zip(params, grads):
    var.assign_sub(learning_rate * grad)
print("W_hidden after the step:", W_hidden.numpy().ravel())
print("b_hidden after the step:", b_hidden.numpy())
print("W_out    after the step:", W_out.numpy().ravel())
print("b_out    after the step:", b_out.numpy())

# Forward again with the new parameters
{_FORWARD.replace(chr(10) + "    ", chr(10)).lstrip()}
loss_after = float(loss)
print(f"loss before = {{loss_before:.6f}}, after = {{loss_after:.6f}}")
'''


def batches_code(spec: BatchSpec, run: bool = True) -> str:
    """Section 3: the iteration arithmetic, and (if ``run``) the model.fit that counts the steps."""
    head = f'''import math

n = {spec.n}  # samples in the training set
batch_size = {spec.batch_size}
epochs = {spec.epochs}

per_epoch = math.ceil(n / batch_size)  # the last batch takes the remainder
last_batch = n - (per_epoch - 1) * batch_size
print("iterations per epoch:", per_epoch)
print("size of the last batch:", last_batch)
print("total iterations:", per_epoch * epochs)
'''
    if not run:
        return head
    return f'''{head}
import keras
import numpy as np

# The course's two Gaussian classes, shuffled once with a seed. (model.fit would
# reshuffle every epoch with an unseeded op; shuffle=False keeps runs identical.)
half = (n + 1) // 2
rng = np.random.default_rng({spec.seed})
cov = [[1.0, 0.5], [0.5, 1.0]]
negatives = rng.multivariate_normal([0.0, 3.0], cov, size=half)
positives = rng.multivariate_normal([3.0, 0.0], cov, size=half)
x = np.vstack([negatives, positives]).astype("float32")
y = np.concatenate([np.zeros(half), np.ones(half)]).astype("float32")
order = np.random.default_rng({spec.seed + 1}).permutation(2 * half)[:n]
x, y = x[order], y[order]


class ShowIterations(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        steps = int(self.model.optimizer.iterations)  # gradient updates so far
        print(f"epoch {{epoch + 1}}: loss = {{logs['loss']:.4f}}, iterations so far = {{steps}}")


model = keras.Sequential([
    keras.Input(shape=(2,)),
    keras.layers.Dense(1, activation="sigmoid", kernel_initializer=keras.initializers.GlorotUniform(seed={spec.seed})),
])
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate={spec.learning_rate!r}),
    loss="binary_crossentropy",
    metrics=["accuracy"],
    steps_per_execution=per_epoch,  # one graph call per epoch: same steps, less Python overhead
)
history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0,
                    callbacks=[ShowIterations()])
print("optimizer.iterations =", int(model.optimizer.iterations))
'''


def descent_code(spec: DescentSpec) -> str:
    """Section 4: gradient descent with Keras' SGD on L(w) = (w - 3)^2."""
    return f'''import math

import keras
import tensorflow as tf

w = tf.Variable({spec.w0!r})
optimizer = keras.optimizers.SGD(learning_rate={spec.lr!r})
print(f"step 0: w = {{float(w):.6g}}, loss = {{float(tf.square(w - {MINIMUM!r})):.6g}}")
for step in range(1, {spec.steps} + 1):
    with tf.GradientTape() as tape:
        loss = tf.square(w - {MINIMUM!r})  # L(w) = (w - 3)^2, smallest at w = 3
    grad = tape.gradient(loss, w)  # dL/dw = 2 (w - 3)
    optimizer.apply_gradients([(grad, w)])  # w <- w - learning_rate * grad
    new_loss = float(tf.square(w - {MINIMUM!r}))
    if not math.isfinite(new_loss):
        print(f"step {{step}}: the loss overflowed to {{new_loss}}: this learning rate diverges")
        break
    print(f"step {{step}}: w = {{float(w):.6g}}, loss = {{new_loss:.6g}}")
'''
