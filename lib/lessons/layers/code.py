"""Code for the layers page: one complete, runnable script per section.

The statements are the ones ``lib.lessons.layers.lab`` runs (same layers, names, seeds and
data), so each script prints the page's numbers. Section 3 (``compile``) is in
``lib.lessons.layers.code_compile``, section 4 (the functional API) in
``lib.lessons.layers.code_functional``.
"""

from __future__ import annotations

from lib.lessons.layers.lab import COMPARE_ROWS, N_CLASSES, PREVIEW, STYLES, DenseSpec, SeqSpec
from lib.lessons.layers.lab import SUMMARY_WIDTH as SEQ_WIDTH

# How each activation choice is written when SimpleDense gets it (the course passes tf.nn.relu).
ACTIVATION_CODE = {
    "relu": "tf.nn.relu",
    "sigmoid": "tf.nn.sigmoid",
    "tanh": "tf.nn.tanh",
    "softmax": "tf.nn.softmax",
    "none": "None",
}

SIMPLE_DENSE_CLASS = '''class SimpleDense(keras.layers.Layer):
    def __init__(self, units, activation=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation
        self.seed = seed  # a seed makes the random W the same on every run
        self.build_calls = 0  # counts the builds, to watch __call__ at work

    def build(self, input_shape):  # runs at the first call: W needs the input's last dimension
        self.build_calls += 1
        input_dim = input_shape[-1]
        self.W = self.add_weight(shape=(input_dim, self.units),
                                 initializer=keras.initializers.RandomNormal(seed=self.seed), name="W")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):  # runs at every call
        y = tf.matmul(inputs, self.W) + self.b
        if self.activation is not None:
            y = self.activation(y)
        return y
'''

MY_SEQUENTIAL_CLASS = '''class MySequential(keras.Model):
    def __init__(self, layer_list, **kwargs):
        super().__init__(**kwargs)
        self.layer_list = layer_list  # (self.layers already belongs to keras.Model)

    def call(self, inputs):
        x = inputs
        for layer in self.layer_list:  # each layer's output is the next one's input
            x = layer(x)
        return x
'''


def shape_literal(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


# =========================================================================== 1. anatomy of a layer


def dense_create_line(spec: DenseSpec) -> str:
    return f"layer = SimpleDense(units={spec.units}, activation={ACTIVATION_CODE[spec.activation]}, seed={spec.seed})"


def dense_first_line(spec: DenseSpec) -> str:
    return f"y = layer(tf.ones({shape_literal((spec.batch, spec.features))}))"


def dense_second_line(spec: DenseSpec) -> str:
    return f"y2 = layer(tf.ones({shape_literal(spec.second_shape)}))"


def dense_code(spec: DenseSpec) -> str:
    """Section 1: SimpleDense created, called (built), called again (not built again)."""
    if spec.second == "more_features":
        second = f'''try:
    {dense_second_line(spec)}  # one feature more than W was built for
except Exception as error:
    print("second call failed:", type(error).__name__)
    print(error)
show("after the second call", layer)'''
    else:
        note = "batch size 1: W does not care" if spec.second == "one_row" else "the same input again"
        second = f'''{dense_second_line(spec)}  # {note}; built already, so call() only
show("after the second call", layer, y2)
print("same values as the first call:", bool(tf.reduce_all(y2 == y[: y2.shape[0]])))'''
    return f'''import keras
import tensorflow as tf


{SIMPLE_DENSE_CLASS}

def show(step, layer, output=None):
    shapes = [tuple(w.shape) for w in layer.weights]
    text = f"{{step}}: built={{layer.built}}, build() calls={{layer.build_calls}}, weights={{shapes}}"
    print(text if output is None else f"{{text}}, output={{tuple(output.shape)}}")


{dense_create_line(spec)}
show("created", layer)

{dense_first_line(spec)}  # __call__: build() (first time only), then call()
show("after the first call", layer, y)

{second}

print("W:", tuple(layer.W.shape), "b:", tuple(layer.b.shape), "parameters:", layer.count_params())
print("y[0, :{PREVIEW}] =", y[0, :{PREVIEW}].numpy())
'''


# =========================================================================== 2. models from layers


def _input_line(spec: SeqSpec) -> str:
    return f'keras.Input(shape={shape_literal(spec.input_shape)}, name="input")'


def _hidden_line(spec: SeqSpec, extra: str = "") -> str:
    return f'keras.layers.Dense({spec.units}, activation="{spec.activation}", name="hidden"{extra})'


def _output_line(extra: str = "") -> str:
    return f'keras.layers.Dense({N_CLASSES}, activation="softmax", name="output"{extra})'


def style_snippet(spec: SeqSpec, style: str) -> str:
    """The lines that make one style's model (shown in its tab)."""
    flatten = 'keras.layers.Flatten(name="flatten")'
    if style == "list":
        front = _input_line(spec) + (f", {flatten}" if spec.flatten else "")
        return f'''dense1 = {_hidden_line(spec)}
dense2 = {_output_line()}
model_list = keras.Sequential([{front}, dense1, dense2], name="list_style")'''
    if style == "inline":
        rows = [_input_line(spec)] + ([flatten] if spec.flatten else []) + [_hidden_line(spec), _output_line()]
        body = "".join(f"    {row},\n" for row in rows)
        return f'''model_inline = keras.Sequential([
{body}], name="inline_style")'''
    rows = [_input_line(spec)] + ([flatten] if spec.flatten else []) + [_hidden_line(spec), _output_line()]
    adds = "\n".join(f"model_add.add({row})" for row in rows)
    return f'''model_add = keras.Sequential(name="add_style")
{adds}'''


STYLE_COMMENTS = {
    "list": "# 1. Layer objects made first, handed over as a list",
    "inline": "# 2. Layers created right inside the list",
    "add": "# 3. An empty model grown one layer at a time with add()",
}


def three_ways_code(spec: SeqSpec) -> str:
    """Section 2: one model written three ways, with their summaries and parameter counts."""
    parts = "\n\n".join(f"{STYLE_COMMENTS[style]}\n{style_snippet(spec, style)}" for style in STYLES)
    return f'''import keras

{parts}

for model in (model_list, model_inline, model_add):
    model.summary(line_length={SEQ_WIDTH})
    print(model.name, "parameters:", model.count_params())
'''


def my_sequential_code(spec: SeqSpec) -> str:
    """Section 2: MySequential gives keras.Sequential's outputs once it has the same weights."""
    glorot = "keras.initializers.GlorotUniform"
    seq_rows = [_input_line(spec)] + (['keras.layers.Flatten(name="flatten")'] if spec.flatten else []) + [
        _hidden_line(spec, f", kernel_initializer={glorot}(seed={spec.seed + 1})"),
        _output_line(f", kernel_initializer={glorot}(seed={spec.seed + 2})"),
    ]
    my_rows = (['keras.layers.Flatten(name="my_flatten")'] if spec.flatten else []) + [
        f'keras.layers.Dense({spec.units}, activation="{spec.activation}", name="my_hidden",\n'
        f'                       kernel_initializer={glorot}(seed={spec.seed + 3}))',
        f'keras.layers.Dense({N_CLASSES}, activation="softmax", name="my_output",\n'
        f'                       kernel_initializer={glorot}(seed={spec.seed + 4}))',
    ]
    seq_body = "".join(f"    {row},\n" for row in seq_rows)
    my_body = "".join(f"    {row},\n" for row in my_rows)
    shape = shape_literal((COMPARE_ROWS, *spec.input_shape))
    return f'''import keras
import numpy as np


{MY_SEQUENTIAL_CLASS}

x = np.random.default_rng({spec.seed}).random({shape}, dtype=np.float32)

seq = keras.Sequential([
{seq_body}], name="keras_sequential")
mine = MySequential([
{my_body}], name="my_sequential")

seq_out = seq(x).numpy()
diff_before = np.max(np.abs(seq_out - mine(x).numpy()))  # this first call builds mine's weights
print("own initial weights:   max |difference| =", diff_before)

mine.set_weights(seq.get_weights())  # the same weights, in the same order
my_out = mine(x).numpy()
print("after set_weights:     max |difference| =", np.max(np.abs(seq_out - my_out)))
print("parameters:", seq.count_params(), mine.count_params())
print("first sample, class probabilities:", np.round(my_out[0], 4))
'''
