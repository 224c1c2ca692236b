"""Code for the layers page, section 4: the functional API's two-input and three-output models.

The statements are the ones ``lib.lessons.layers.functional`` runs (same layers, names, seeds
and data), so each script prints the page's numbers.
"""

from __future__ import annotations

from lib.lessons.layers.functional import BATCH_SIZE, OUTPUTS, SUMMARY_WIDTH, FunctionalSpec

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
