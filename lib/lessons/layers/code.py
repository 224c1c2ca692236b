"""Code for the layers page: one complete, runnable script per section.

The statements are the ones ``lib.lessons.layers.lab`` and ``lib.lessons.layers.functional`` run
(same layers, names, seeds and data), so each script prints the page's numbers.
"""

from __future__ import annotations

from lib.lessons.layers.compiling import CMP_HIDDEN, OPTIMIZER_CLASSES, PREDICT_ROWS, CompileSpec
from lib.lessons.layers.functional import BATCH_SIZE, OUTPUTS, SUMMARY_WIDTH, FunctionalSpec
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


# =========================================================================== 3. compile: strings or objects

MY_LOSS = '''def my_loss(y_true, y_pred):  # your own loss: -log(probability of the true class)
    p = keras.ops.take_along_axis(y_pred, keras.ops.expand_dims(keras.ops.cast(y_true, "int32"), -1), axis=-1)
    return -keras.ops.log(keras.ops.clip(p[:, 0], 1e-7, 1.0))
'''

MEAN_CONFIDENCE = '''def mean_confidence(y_true, y_pred):  # your own metric: the mean of the largest probability
    return keras.ops.max(y_pred, axis=-1)
'''

# The course's table: what a string in compile() stands for. (kind, string, object)
COMPILE_TABLE = (
    ("optimizer", '"sgd"', "keras.optimizers.SGD()"),
    ("optimizer", '"rmsprop"', "keras.optimizers.RMSprop()"),
    ("optimizer", '"adam"', "keras.optimizers.Adam()"),
    ("loss", '"mean_squared_error"  ("mse")', "keras.losses.MeanSquaredError()"),
    ("loss", '"binary_crossentropy"', "keras.losses.BinaryCrossentropy()"),
    ("loss", '"categorical_crossentropy"', "keras.losses.CategoricalCrossentropy()"),
    ("loss", '"sparse_categorical_crossentropy"', "keras.losses.SparseCategoricalCrossentropy()"),
    ("metric", '"accuracy"', "keras.metrics.BinaryAccuracy() / CategoricalAccuracy() / SparseCategoricalAccuracy()"),
    ("metric", '"mean_absolute_error"  ("mae")', "keras.metrics.MeanAbsoluteError()"),
    ("metric", '"auc"', "keras.metrics.AUC()"),
)

METRIC_CODE = {
    "sparse_acc": "keras.metrics.SparseCategoricalAccuracy()",
    "top3": "keras.metrics.SparseTopKCategoricalAccuracy(k=3)",
    "custom": "mean_confidence",
    "plain_acc": "keras.metrics.Accuracy()",
}
LOSS_CODE = {"builtin": "keras.losses.SparseCategoricalCrossentropy()", "custom": "my_loss"}


def optimizer_code(spec: CompileSpec) -> str:
    name = OPTIMIZER_CLASSES[spec.optimizer]
    if spec.learning_rate is None:
        return f"keras.optimizers.{name}()"
    return f"keras.optimizers.{name}(learning_rate={spec.learning_rate!r})"


def compile_line(spec: CompileSpec, model: str = "model") -> str:
    """The ``compile`` call of one side, as the page shows it next to the other."""
    if spec.form == "string":
        args = [f'optimizer="{spec.optimizer}"', 'loss="sparse_categorical_crossentropy"', 'metrics=["accuracy"]']
    else:
        args = [f"optimizer={optimizer_code(spec)}", f"loss={LOSS_CODE[spec.loss]}",
                f"metrics=[{METRIC_CODE[spec.metric]}]"]
    body = "".join(f"    {arg},\n" for arg in args)
    return f"{model}.compile(\n{body})"


def compile_code(spec: CompileSpec) -> str:
    """Section 3: the same model compiled by strings and by objects, fitted, evaluated, used to predict."""
    strings, objects = spec.as_form("string"), spec.as_form("object")
    helpers = (MY_LOSS + "\n\n" if objects.loss == "custom" else "") + (
        MEAN_CONFIDENCE + "\n\n" if objects.metric == "custom" else "")
    glorot = "keras.initializers.GlorotUniform"
    if objects.metric == "plain_acc":
        fit = f'''    try:
        history = model.fit(x_train, y_train, epochs={spec.epochs}, batch_size={spec.batch_size},
                            validation_data=(x_val, y_val), shuffle=False, verbose=0,
                            callbacks=[keras.callbacks.TerminateOnNaN()])
    except Exception as error:  # keras.metrics.Accuracy() compares labels and outputs element by element
        print(model.name, "could not train:", type(error).__name__)
        continue'''
    else:
        fit = f'''    history = model.fit(x_train, y_train, epochs={spec.epochs}, batch_size={spec.batch_size},
                        validation_data=(x_val, y_val), shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN()])'''
    return f'''import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

digits = load_digits()
x = (digits.data / 16.0).astype("float32")  # 8x8 pixels as 64 numbers in 0..1
y = digits.target.astype("int32")  # the digit 0..9: integer labels, hence the "sparse_" losses
x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.2, random_state={spec.seed}, stratify=y)


def make_model(name):  # the same seeded initial weights for both models
    return keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense({CMP_HIDDEN}, activation="relu", kernel_initializer={glorot}(seed={spec.seed + 1})),
        keras.layers.Dense({N_CLASSES}, activation="softmax", kernel_initializer={glorot}(seed={spec.seed + 2})),
    ], name=name)


{helpers}# By strings: Keras looks each name up and uses its default settings
string_model = make_model("string_model")
{compile_line(strings, "string_model")}

# By objects: arguments (a learning rate, k, ...) and your own functions become possible
object_model = make_model("object_model")
{compile_line(objects, "object_model")}

for model in (string_model, object_model):
{fit}
    print(model.name, "-", type(model.optimizer).__name__, f"learning rate {{float(model.optimizer.learning_rate):g}}")
    for key, values in history.history.items():
        print(f"  {{key}}: {{[round(v, 4) for v in values]}}")
    print("  evaluate:", model.evaluate(x_val, y_val, verbose=0, return_dict=True))
    predicted = np.argmax(model.predict(x_val[:{PREDICT_ROWS}], verbose=0), axis=-1)
    print("  predict:", predicted, "labels:", y_val[:{PREDICT_ROWS}])
'''


# =========================================================================== 4. functional API

_SEEDED = '''def glorot(seed):  # seeded initial weights: the same numbers on every run
    return keras.initializers.GlorotUniform(seed=seed)


def uniform(seed):  # Embedding's default initializer, seeded
    return keras.initializers.RandomUniform(seed=seed)
'''


MULTI_INPUT_COMPILE = 'model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])'


def multi_input_code(spec: FunctionalSpec) -> str:
    """Section 4: the two-input question-answering model, built, summarised and trained briefly."""
    s, seed, n = spec.sizes, spec.seed, spec.samples
    n_train = spec.n_train
    return f'''import keras
import numpy as np
from keras import layers


{_SEEDED}

text_vocabulary_size = {s.text_vocab}
question_vocabulary_size = {s.question_vocab}
answer_vocabulary_size = {s.answer_vocab}

text_input = keras.Input(shape=(None,), dtype="int32", name="text")  # a sequence of word ids, any length
embedded_text = layers.Embedding(text_vocabulary_size, {s.text_embed}, embeddings_initializer=uniform({seed + 1}),
                                 name="text_embedding")(text_input)
encoded_text = layers.LSTM({s.text_lstm}, kernel_initializer=glorot({seed + 2}),
                           recurrent_initializer=keras.initializers.Orthogonal(seed={seed + 3}),
                           name="text_lstm")(embedded_text)

question_input = keras.Input(shape=(None,), dtype="int32", name="question")
embedded_question = layers.Embedding(question_vocabulary_size, {s.question_embed},
                                     embeddings_initializer=uniform({seed + 4}),
                                     name="question_embedding")(question_input)
encoded_question = layers.LSTM({s.question_lstm}, kernel_initializer=glorot({seed + 5}),
                               recurrent_initializer=keras.initializers.Orthogonal(seed={seed + 6}),
                               name="question_lstm")(embedded_question)

concatenated = layers.concatenate([encoded_text, encoded_question], axis=-1, name="concatenate")
answer = layers.Dense(answer_vocabulary_size, activation="softmax", kernel_initializer=glorot({seed + 7}),
                      name="answer")(concatenated)

model = keras.Model([text_input, question_input], answer, name="question_answering")
model.summary(line_length={SUMMARY_WIDTH})
{MULTI_INPUT_COMPILE}

# Random data of the right shapes: the point is the wiring, not what it learns
num_samples = {n}
max_length = {s.text_length}
rng = np.random.default_rng({seed})
text = rng.integers(1, text_vocabulary_size, size=(num_samples, max_length))
question = rng.integers(1, question_vocabulary_size, size=(num_samples, max_length))
answers = keras.utils.to_categorical(rng.integers(0, answer_vocabulary_size, size=num_samples),
                                     answer_vocabulary_size)

n_train = {n_train}  # the first 80 % train, the rest validates
history = model.fit({{"text": text[:n_train], "question": question[:n_train]}}, answers[:n_train],
                    validation_data=({{"text": text[n_train:], "question": question[n_train:]}}, answers[n_train:]),
                    epochs={spec.epochs}, batch_size={BATCH_SIZE}, shuffle=False, verbose=2)
for key, values in history.history.items():
    print(f"{{key}}: {{[round(v, 4) for v in values]}}")
evaluation = model.evaluate({{"text": text[n_train:], "question": question[n_train:]}}, answers[n_train:],
                            batch_size={n - n_train}, verbose=0, return_dict=True)
print("evaluate:", evaluation)
'''


def multi_output_compile(spec: FunctionalSpec) -> str:
    """The ``compile`` call with one loss per output, by output name."""
    losses = {"age": "mse", "income": "categorical_crossentropy", "gender": "binary_crossentropy"}
    loss_lines = "".join(f'        "{name}": "{losses[name]}",\n' for name in OUTPUTS)
    weight_lines = "".join(f'        "{name}": {spec.weights[name]!r},\n' for name in OUTPUTS)
    return f"""model.compile(
    optimizer="rmsprop",
    loss={{
{loss_lines}    }},
    loss_weights={{
{weight_lines}    }},
)"""


def multi_output_code(spec: FunctionalSpec) -> str:
    """Section 4: the three-output model, with one loss per output (and the course's loss weights)."""
    s, seed, n = spec.sizes, spec.seed, spec.samples
    n_train = spec.n_train
    weighted = " + ".join(f'{spec.weights[name]!r} * evaluation["{name}_loss"]' for name in OUTPUTS)
    return f'''import keras
import numpy as np
from keras import layers


{_SEEDED}

vocabulary_size = {s.posts_vocab}
num_income_groups = {s.income_groups}

posts_input = keras.Input(shape=(None,), dtype="int32", name="posts")
embedded_posts = layers.Embedding(vocabulary_size, {s.posts_embed}, embeddings_initializer=uniform({seed + 1}),
                                  name="posts_embedding")(posts_input)
x = layers.Conv1D({s.conv_first}, 5, activation="relu", kernel_initializer=glorot({seed + 2}),
                  name="conv_1")(embedded_posts)
x = layers.MaxPooling1D(5, name="pool_1")(x)
x = layers.Conv1D({s.conv}, 5, activation="relu", kernel_initializer=glorot({seed + 3}), name="conv_2")(x)
x = layers.Conv1D({s.conv}, 5, activation="relu", kernel_initializer=glorot({seed + 4}), name="conv_3")(x)
x = layers.MaxPooling1D(5, name="pool_2")(x)
x = layers.Conv1D({s.conv}, 5, activation="relu", kernel_initializer=glorot({seed + 5}), name="conv_4")(x)
x = layers.Conv1D({s.conv}, 5, activation="relu", kernel_initializer=glorot({seed + 6}), name="conv_5")(x)
x = layers.GlobalMaxPooling1D(name="global_pool")(x)
x = layers.Dense({s.dense}, activation="relu", kernel_initializer=glorot({seed + 7}), name="dense")(x)

# Three heads on the same features, one per question we ask about the author
age_prediction = layers.Dense(1, kernel_initializer=glorot({seed + 8}), name="age")(x)
income_prediction = layers.Dense(num_income_groups, activation="softmax", kernel_initializer=glorot({seed + 9}),
                                 name="income")(x)
gender_prediction = layers.Dense(1, activation="sigmoid", kernel_initializer=glorot({seed + 10}), name="gender")(x)

model = keras.Model(posts_input, [age_prediction, income_prediction, gender_prediction], name="posts_profile")
model.summary(line_length={SUMMARY_WIDTH})
{multi_output_compile(spec)}

# Random data of the right shapes: the point is the wiring, not what it learns
num_samples = {n}
max_length = {s.posts_length}  # the five width-5 convolutions and two poolings need at least 269 tokens
rng = np.random.default_rng({seed})
posts = rng.integers(1, vocabulary_size, size=(num_samples, max_length))
targets = {{
    "age": rng.normal(size=(num_samples, 1)).astype("float32"),  # standardised ages
    "income": keras.utils.to_categorical(rng.integers(0, num_income_groups, size=num_samples), num_income_groups),
    "gender": rng.integers(0, 2, size=(num_samples, 1)).astype("float32"),
}}

n_train = {n_train}  # the first 80 % train, the rest validates
history = model.fit(posts[:n_train], {{k: v[:n_train] for k, v in targets.items()}},
                    validation_data=(posts[n_train:], {{k: v[n_train:] for k, v in targets.items()}}),
                    epochs={spec.epochs}, batch_size={BATCH_SIZE}, shuffle=False, verbose=2)
for key, values in history.history.items():  # loss, and one loss per output
    print(f"{{key}}: {{[round(v, 4) for v in values]}}")

# In one batch, the total is exactly the weighted sum of the three losses
evaluation = model.evaluate(posts[n_train:], {{k: v[n_train:] for k, v in targets.items()}},
                            batch_size={n - n_train}, verbose=0, return_dict=True)
print("evaluate:", evaluation)
print("weighted sum:", {weighted})
'''
