"""Code for the save/load/predict page: one complete script per section.

The training script does with ``model.fit`` what ``lib.lessons.saving.lab`` does through
the engine: the same subsample, the course's split (``random_state=42``), the
same seeded initializers and dropout, and the same shuffled batches (one
``np.random.default_rng(seed)`` permutation per epoch), so it prints the page's
numbers. The other scripts read the files it writes. The unit tests run them all.
"""

from __future__ import annotations

from lib.core.fashion import split_code
from lib.core.models import layer_seed, output_seed
from lib.lessons.saving import files, lab

_IMPORTS = '''import keras
import numpy as np
from sklearn.model_selection import train_test_split
'''


def _shape(fallback: bool) -> tuple[int, int]:
    return (8, 8) if fallback else (28, 28)


def model_code(spec: lab.SavingSpec, fallback: bool = False, indent: str = "") -> str:
    """The Sequential model ``lab.build_model`` builds, with its seeds as literals."""
    lines = [f'keras.Input(shape={_shape(fallback)!r}, name="image"),', 'keras.layers.Flatten(name="flatten"),']
    for i, layer in enumerate(spec.layers()):
        if layer.kind == "dense":
            seed = layer_seed(spec.seed, i)
            lines.append(f'keras.layers.Dense({layer.units}, activation="relu", name="hidden",\n'
                         f'{" " * 19}kernel_initializer=keras.initializers.GlorotUniform(seed={seed})),')
        else:
            lines.append(f'keras.layers.Dropout({layer.rate!r}, seed={layer_seed(spec.seed, i)}, name="dropout"),')
    lines.append('keras.layers.Dense(10, activation="softmax", name="output",\n'
                 f'{" " * 19}kernel_initializer=keras.initializers.GlorotUniform(seed={output_seed(spec.seed)})),')
    body = "\n".join(f"{indent}    {line}".replace("\n", f"\n{indent}    ") for line in lines)
    return f'{indent}model = keras.Sequential([\n{body}\n{indent}], name="{lab.MODEL_NAME}")\n'


def _optimizer() -> str:
    return f'keras.optimizers.Adam(learning_rate={lab.LEARNING_RATE!r}, name="adam")'


def train_code(spec: lab.SavingSpec, fallback: bool = False) -> str:
    """Section 1: train, save three ways, load the .keras file back and compare."""
    f = lab.FILENAMES
    return f'''import os

{_IMPORTS}
{split_code(spec.images, fallback)}
# Seeded initializers and dropout: the same settings start from the same weights on every run
{model_code(spec, fallback)}model.compile(optimizer={_optimizer()},
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])

# model.fit one epoch at a time on a seeded shuffle: the page's exact batches
rng = np.random.default_rng({spec.seed})
history = {{}}
for epoch in range({spec.epochs}):
    order = rng.permutation(len(train_scaled))
    logs = model.fit(train_scaled[order], train_target[order], batch_size={lab.BATCH_SIZE}, epochs=1,
                     shuffle=False, validation_data=(val_scaled, val_target), verbose=0).history
    for name, values in logs.items():
        history.setdefault(name, []).extend(values)
    print(f"epoch {{epoch + 1}}: val_loss {{history['val_loss'][-1]:.4f}}, "
          f"val_accuracy {{history['val_accuracy'][-1]:.4f}}")

model.save("{f["keras"]}")  # the whole model: architecture, weights, compile settings, optimizer state
model.save_weights("{f["weights"]}")  # the weights only (the name must end in .weights.h5)
model.save("{f["h5"]}")  # the legacy HDF5 format: Keras warns, and still writes it
for name in ("{f["keras"]}", "{f["weights"]}", "{f["h5"]}"):
    print(f"{{name}}: {{os.path.getsize(name):,}} bytes")

# The round trip: the loaded model predicts exactly what the trained one does
loaded = keras.models.load_model("{f["keras"]}", safe_mode=True)
before = model.predict(val_scaled, verbose=0)
after = loaded.predict(val_scaled, verbose=0)
print("identical predictions:", np.array_equal(before, after), "max difference:", np.abs(before - after).max())
print(loaded.evaluate(val_scaled, val_target, verbose=0, return_dict=True))  # compiled as saved: no compile()
'''


def inspect_code(fmt: str) -> str:
    """Section 2: what a saved file holds, read with zipfile, json and h5py (no Keras needed)."""
    walk = '''

def show(name, obj):
    """One line per HDF5 group or dataset (a dataset is an array: shape and dtype)."""
    if isinstance(obj, h5py.Dataset):
        print(f"  {name}  {obj.shape} {obj.dtype}")
    else:
        print(f"  {name}/", dict(obj.attrs) or "")
'''
    if fmt == "keras":
        return f'''import io
import json
import zipfile

import h5py
{walk}

# A .keras file is a zip archive (written by model.save("{lab.FILENAMES["keras"]}") in section 1)
with zipfile.ZipFile("{lab.FILENAMES["keras"]}") as archive:
    for info in archive.infolist():
        print(f"{{info.filename:18s}} {{info.file_size:>10,d}} bytes, "
              f"{{'stored' if info.compress_type == zipfile.ZIP_STORED else 'compressed'}}")
    metadata = json.loads(archive.read("metadata.json"))
    config = json.loads(archive.read("config.json"))
    weights = archive.read("model.weights.h5")

print(metadata)
print(config["class_name"], [layer["class_name"] for layer in config["config"]["layers"]])
print("compiled with:", config["compile_config"]["optimizer"]["class_name"], config["compile_config"]["loss"])
with h5py.File(io.BytesIO(weights), "r") as h5:  # the weights file inside the zip is HDF5
    h5.visititems(show)
'''
    name = lab.FILENAMES[fmt]
    extra = ('''    for key, value in h5.attrs.items():  # the legacy file keeps the architecture as JSON text
        print(key, "=", str(value)[:80])
    config = json.loads(h5.attrs["model_config"])
    print(config["class_name"], [layer["class_name"] for layer in config["config"]["layers"]])
''' if fmt == "h5" else "    print(dict(h5.attrs) or \"no attributes: no architecture, no compile settings\")\n")
    head = "import json\n\n" if fmt == "h5" else ""
    return f'''{head}import h5py
{walk}

# {name} is one HDF5 file (written in section 1)
with h5py.File("{name}", "r") as h5:
{extra}    h5.visititems(show)
'''


def predict_code(images: int, rows: list[int], fallback: bool = False) -> str:
    """Section 3: load the file, summarise it, predict and take the most likely class."""
    names = "[str(d) for d in range(10)]" if fallback else repr(list(_fashion_names()))
    return f'''{_IMPORTS}
{split_code(images, fallback)}
model = keras.models.load_model("{lab.FILENAMES["keras"]}", safe_mode=True)  # written in section 1
model.summary()

probabilities = model.predict(val_scaled, verbose=0)  # one row of 10 probabilities per image
predicted = np.argmax(probabilities, axis=-1)  # the most likely class (what predict_classes() used to return)
print("validation accuracy:", np.mean(predicted == val_target))
print(model.evaluate(val_scaled, val_target, verbose=0, return_dict=True))

class_names = {names}
for row in {rows!r}:
    p = probabilities[row]
    print(f"image {{row}}: predicted {{class_names[predicted[row]]}} ({{p.max():.1%}}), "
          f"true {{class_names[val_target[row]]}}")
'''


def _fashion_names() -> tuple[str, ...]:
    from lib.core.data import FASHION_CLASSES

    return FASHION_CLASSES


def upload_code() -> str:
    """Section 4: the checks a file passes before ``load_model(..., safe_mode=True)`` sees it."""
    return f'''import io
import json
import os
import tempfile
import zipfile

import keras

MAX_BYTES = {files.MAX_UPLOAD_MB} * 1024 * 1024
MAX_UNZIPPED = {files.MAX_UNZIPPED_BYTES // 2**20} * 1024 * 1024
FORBIDDEN = {files.FORBIDDEN_CLASSES!r}


def refusal(data):
    """Why a file must not be loaded, or None. Checked before Keras reads anything."""
    if not data:
        return "empty"
    if len(data) > MAX_BYTES:
        return "too_big"
    if data.startswith(b"\\x89HDF\\r\\n\\x1a\\n"):
        return "legacy_h5"  # an .h5 file: re-save it as .keras
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return "not_zip"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > {files.MAX_ENTRIES} or sum(i.file_size for i in infos) > MAX_UNZIPPED:
            return "unzipped_too_big"  # a small zip can unpack to gigabytes
        if "config.json" not in archive.namelist():
            return "no_config"
        config = json.loads(archive.read("config.json"))
    stack = [config]
    while stack:  # every dict in the config: layers, initializers, nested models
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
            name, module = item.get("class_name"), item.get("module")
            if name in ("Lambda", "__lambda__"):
                return "lambda"  # Python code inside the file
            if name in FORBIDDEN:
                return "forbidden"
            if isinstance(module, str) and module != "keras" and not module.startswith("keras."):
                return "custom"  # a class from outside Keras: its code is not in the file
    # (the page also refuses configs whose layers would allocate more than {files.MAX_DECLARED_PARAMS:,} values)
    return None


def load_safely(data):
    problem = refusal(data)
    if problem:
        raise ValueError(f"refused: {{problem}}")
    # A private folder (mode 0700) that disappears as soon as the model is read
    with tempfile.TemporaryDirectory(prefix="saving-") as folder:
        path = os.path.join(folder, "upload.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        return keras.models.load_model(path, safe_mode=True, compile=False)


path = "{lab.FILENAMES["keras"]}"  # the file to check
with open(path, "rb") as fh:
    data = fh.read()
try:
    model = load_safely(data)
except ValueError as error:
    print(error)
else:
    model.summary()
'''
