"""Code for the home page's device check."""

from __future__ import annotations


def matmul_code(n: int, repeats: int) -> str:
    return f'''import time
import tensorflow as tf

gpus = tf.config.list_physical_devices("GPU")
for gpu in gpus:  # take GPU memory as needed instead of all at once
    tf.config.experimental.set_memory_growth(gpu, True)
device = "/GPU:0" if gpus else "/CPU:0"
print("Training device:", device)

n = {n}
with tf.device(device):
    a = tf.random.normal((n, n), seed=1)
    b = tf.random.normal((n, n), seed=2)
    (a @ b).numpy()  # warm-up
    best = float("inf")
    for _ in range({repeats}):
        start = time.perf_counter()
        (a @ b).numpy()  # .numpy() waits until the device is done
        best = min(best, time.perf_counter() - start)
print(f"{{best * 1000:.2f}} ms, {{2 * n**3 / best / 1e9:.1f}} GFLOP/s")
'''
